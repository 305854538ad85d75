package dev.sluice.host.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The console log, as the shipped logback.xml sets it up: secrets masked in messages and exceptions. */
class ConsoleRedactionTest {

    @AfterEach
    void reset() {
        Redaction.use(null);
    }

    @Test
    void theConsoleMasksSecretsInMessagesAndShowsNoStackTraces() throws Exception {
        LoggerContext context = new LoggerContext();
        context.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        configurator.doConfigure(RedactedMessageConverter.class.getResource("/logback.xml"));
        Redaction.use(text -> text.replace("hunter2", "********"));
        PrintStream stderr = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            ch.qos.logback.classic.Logger logger = context.getLogger("docker-java");
            logger.setLevel(Level.DEBUG);
            logger.debug("POST /containers/create {\"Env\":[\"API_TOKEN={}\"]}", "hunter2",
                    new IllegalStateException("refused hunter2"));
        } finally {
            System.setErr(stderr);
            context.stop();
        }
        String console = captured.toString(StandardCharsets.UTF_8);
        assertThat(console).contains("API_TOKEN=********").doesNotContain("hunter2")
                .as("stack traces go to the JSON log only").doesNotContain("IllegalStateException").doesNotContain("\tat ");
    }
}
