package dev.sluice.host.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LogbackServiceProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;

/** The provider the distribution names to SLF4J: the same console log as logback's own path gives. */
class HostLogProviderTest {

    @Test
    void setsTheConsoleLogUpStartedWithItsMdcAndMarkers() {
        HostLogProvider provider = new HostLogProvider();
        provider.initialize();
        LoggerContext context = (LoggerContext) provider.getLoggerFactory();
        try {
            ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
            assertThat(root.getLevel()).isEqualTo(Level.WARN);
            assertThat(context.getLogger("org.pf4j").getLevel()).isEqualTo(Level.ERROR);
            assertThat(root.getAppender(ConsoleLog.APPENDER)).isInstanceOfSatisfying(
                    ch.qos.logback.core.ConsoleAppender.class, a -> assertThat(a.getTarget()).isEqualTo("System.err"));
            assertThat(context.isStarted()).isTrue();
            assertThat(context.getMDCAdapter()).isSameAs(provider.getMDCAdapter()).isNotNull();
            assertThat(provider.getMarkerFactory().getMarker("x").getName()).isEqualTo("x");
            assertThat(provider.getRequestedApiVersion()).isEqualTo(LogbackServiceProvider.REQUESTED_API_VERSION);
        } finally {
            context.stop();
        }
    }

    @Test
    void givesTheSameLoggersAndAppendersAsLogbacksOwnProvider() {
        HostLogProvider ours = new HostLogProvider();
        ours.initialize();
        LogbackServiceProvider logbacks = new LogbackServiceProvider();
        logbacks.initialize();
        LoggerContext a = (LoggerContext) ours.getLoggerFactory();
        LoggerContext b = (LoggerContext) logbacks.getLoggerFactory();
        try {
            assertThat(describe(a)).isEqualTo(describe(b)).contains("ROOT=WARN", "org.pf4j=ERROR",
                    "STDERR ch.qos.logback.core.ConsoleAppender System.err");
        } finally {
            a.stop();
            b.stop();
        }
    }

    /** Each configured logger's level and the root's appenders, with their class and target. */
    private static java.util.List<String> describe(LoggerContext context) {
        java.util.List<String> parts = new java.util.ArrayList<>();
        for (ch.qos.logback.classic.Logger logger : context.getLoggerList()) {
            if (logger.getLevel() != null) {
                parts.add(logger.getName() + "=" + logger.getLevel());
            }
        }
        context.getLogger(Logger.ROOT_LOGGER_NAME).iteratorForAppenders().forEachRemaining(a -> parts.add(
                a.getName() + " " + a.getClass().getName() + (a instanceof ch.qos.logback.core.ConsoleAppender<?> c
                        ? " " + c.getTarget() : "")));
        return parts;
    }

    @Test
    void aConsoleLogThatFailsLeavesTheHostLoggingAndSaysSoInOneLine() {
        HostLogProvider provider = new HostLogProvider(Failing::new);
        java.io.PrintStream stderr = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
        LoggerContext context;
        try {
            provider.initialize();
            context = (LoggerContext) provider.getLoggerFactory();
            context.getLogger("x").warn("still works");
        } finally {
            System.setErr(stderr);
        }
        try {
            String said = captured.toString(java.nio.charset.StandardCharsets.UTF_8);
            assertThat(said).startsWith("sluice: the console log could not be set up (no console here)")
                    .doesNotContain("Exception").doesNotContain("\tat ");
            assertThat(context.isStarted()).isTrue();
        } finally {
            context.stop();
        }
    }

    /** A console log whose set-up fails. */
    static final class Failing extends ch.qos.logback.core.spi.ContextAwareBase
            implements ch.qos.logback.classic.spi.Configurator {
        @Override
        public ExecutionStatus configure(LoggerContext context) {
            throw new IllegalStateException("no console here");
        }
    }

    @Test
    void aStatusListenerAskedForIsInstalledOnceEitherWay(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("logback-own.xml");
        Files.writeString(file, "<configuration/>");
        String listener = "ch.qos.logback.core.status.NopStatusListener";
        String before = System.getProperty("logback.statusListenerClass");
        System.setProperty("logback.statusListenerClass", listener);
        try {
            assertThat(listeners(listener)).as("set up in code").isEqualTo(1);
            System.setProperty("logback.configurationFile", file.toString());
            try {
                assertThat(listeners(listener)).as("logback's own file").isEqualTo(1);
            } finally {
                System.clearProperty("logback.configurationFile");
            }
        } finally {
            if (before == null) {
                System.clearProperty("logback.statusListenerClass");
            } else {
                System.setProperty("logback.statusListenerClass", before);
            }
        }
    }

    private static long listeners(String type) {
        HostLogProvider provider = new HostLogProvider();
        provider.initialize();
        LoggerContext context = (LoggerContext) provider.getLoggerFactory();
        try {
            return context.getStatusManager().getCopyOfStatusListenerList().stream()
                    .filter(l -> l.getClass().getName().equals(type)).count();
        } finally {
            context.stop();
        }
    }

    @Test
    void aConfigurationFileNamedToLogbackStillWins(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("logback-own.xml");
        Files.writeString(file, """
                <configuration>
                  <appender name="OWN" class="ch.qos.logback.core.ConsoleAppender">
                    <encoder><pattern>%msg%n</pattern></encoder>
                  </appender>
                  <root level="INFO"><appender-ref ref="OWN"/></root>
                </configuration>
                """);
        String before = System.getProperty("logback.configurationFile");
        System.setProperty("logback.configurationFile", file.toString());
        LoggerContext context = null;
        try {
            HostLogProvider provider = new HostLogProvider();
            provider.initialize();
            context = (LoggerContext) provider.getLoggerFactory();
            ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
            assertThat(root.getLevel()).isEqualTo(Level.INFO);
            assertThat(root.getAppender("OWN")).isNotNull();
            assertThat(root.getAppender(ConsoleLog.APPENDER)).isNull();
        } finally {
            if (before == null) {
                System.clearProperty("logback.configurationFile");
            } else {
                System.setProperty("logback.configurationFile", before);
            }
            if (context != null) {
                context.stop();
            }
        }
    }
}
