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
    void setsTheConsoleLogUpAsTheServicePathDoes() {
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
