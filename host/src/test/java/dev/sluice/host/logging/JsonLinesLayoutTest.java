package dev.sluice.host.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

/** The JSON log's lines: one object each, the run and task on them, secrets masked. */
class JsonLinesLayoutTest {
    private final LoggerContext context = (LoggerContext) org.slf4j.LoggerFactory.getILoggerFactory();
    private final JsonLinesLayout layout = new JsonLinesLayout("20261122-100000-abcd");

    @AfterEach
    void reset() {
        Redaction.use(null);
        MDC.clear();
    }

    private JsonNode line(String message, Throwable thrown, Object... args) throws Exception {
        LoggingEvent event = new LoggingEvent("x", context.getLogger("dev.sluice.test"), Level.WARN, message, thrown,
                args);
        String text = layout.doLayout(event);
        assertThat(text).endsWith("\n").doesNotContain("\n{");
        return new ObjectMapper().readTree(text);
    }

    @Test
    void aLineAboutATaskCarriesTheRunTheTaskAndItsProcess() throws Exception {
        JsonNode json;
        try (var ignored = TaskLogContext.of("17", "align")) {
            json = line("task {} failed", null, 17);
        }
        assertThat(json.get("run").asText()).isEqualTo("20261122-100000-abcd");
        assertThat(json.get("task").asText()).isEqualTo("17");
        assertThat(json.get("process").asText()).isEqualTo("align");
        assertThat(json.get("message").asText()).isEqualTo("task 17 failed");
        assertThat(json.get("level").asText()).isEqualTo("WARN");
        assertThat(json.get("logger").asText()).isEqualTo("dev.sluice.test");
        assertThat(json.get("time").asText()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
        JsonNode after = line("run-level", null);
        assertThat(after.has("task")).as("the task's context ends with its block").isFalse();
        assertThat(after.get("run").asText()).isEqualTo("20261122-100000-abcd");
    }

    @Test
    void secretsAreMaskedInMessagesAndExceptions() throws Exception {
        Redaction.use(text -> text.replace("hunter2", "********"));
        JsonNode json = line("password is {}", new IllegalStateException("bad hunter2"), "hunter2");
        assertThat(json.toString()).doesNotContain("hunter2");
        assertThat(json.get("message").asText()).isEqualTo("password is ********");
        assertThat(json.get("exception").asText()).contains("IllegalStateException: bad ********");
    }
}
