package dev.sluice.host.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Stack traces reach the console at -vv only; at the default verbosity users read words. */
class ConsoleStackTracesTest {
    private final LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();

    @AfterEach
    void defaults() {
        SluiceMain.configureLogging(0, false);
    }

    /** What the console prints for a plugin's fault, as configured for {@code verbosity}. */
    @SuppressWarnings("unchecked")
    private String consoleLine(int verbosity) {
        SluiceMain.configureLogging(verbosity, false);
        OutputStreamAppender<ILoggingEvent> stderr = (OutputStreamAppender<ILoggingEvent>)
                context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("STDERR");
        PatternLayoutEncoder encoder = (PatternLayoutEncoder) stderr.getEncoder();
        LoggingEvent event = new LoggingEvent("x", context.getLogger("dev.sluice.gate.TaskGateManager"), Level.WARN,
                "readiness gate 'quota' failed for task 1 (a): failed unexpectedly: disk gone", 
                new IllegalStateException("disk gone"), null);
        return new String(encoder.encode(event), StandardCharsets.UTF_8);
    }

    @Test
    void onlyMinusVVShowsTheStackTrace() {
        assertThat(consoleLine(0)).endsWith("TaskGateManager - readiness gate 'quota' failed for task 1 (a): failed"
                + " unexpectedly: disk gone" + System.lineSeparator()).doesNotContain("IllegalStateException");
        assertThat(consoleLine(1)).doesNotContain("IllegalStateException");
        assertThat(consoleLine(2)).contains("java.lang.IllegalStateException: disk gone")
                .contains("\tat dev.sluice.host.cli.ConsoleStackTracesTest.consoleLine");
        assertThat(consoleLine(0)).as("back to words").doesNotContain("IllegalStateException");
    }
}
