package dev.sluice.host.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ServiceLoader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The console log, as {@link ConsoleLog} sets it up: secrets masked in messages and exceptions. */
class ConsoleRedactionTest {

    @AfterEach
    void reset() {
        Redaction.use(null);
    }

    @Test
    void theConsoleMasksSecretsInMessagesAndShowsNoStackTraces() throws Exception {
        LoggerContext context = new LoggerContext();
        context.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
        ConsoleLog configurator = new ConsoleLog();
        configurator.setContext(context);
        assertThat(configurator.configure(context)).isEqualTo(Configurator.ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY);
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

    @Test
    void logbackFindsTheConsoleLogAsAService() {
        // Without it logback would fall back to its own default: everything, debug included, on stdout.
        assertThat(ServiceLoader.load(Configurator.class).stream().map(p -> p.type().getName()).toList())
                .contains(ConsoleLog.class.getName());
    }

    @Test
    void theConsoleGoesToStderrAtWarnWithPf4jAtError() {
        LoggerContext context = new LoggerContext();
        ConsoleLog configurator = new ConsoleLog();
        configurator.setContext(context);
        configurator.configure(context);
        ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        assertThat(root.getLevel()).isEqualTo(Level.WARN);
        assertThat(context.getLogger("org.pf4j").getLevel()).isEqualTo(Level.ERROR);
        assertThat(root.getAppender(ConsoleLog.APPENDER)).isInstanceOfSatisfying(
                ch.qos.logback.core.ConsoleAppender.class, a -> assertThat(a.getTarget()).isEqualTo("System.err"));
        context.stop();
    }

    @Test
    void logbacksOwnFilesStillWinOutsideTheDistribution(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path tests = java.nio.file.Files.createDirectories(dir.resolve("test-classes"));
        java.nio.file.Path main = java.nio.file.Files.createDirectories(dir.resolve("classes"));
        java.nio.file.Files.writeString(tests.resolve("logback-test.xml"), "<configuration/>");
        java.nio.file.Files.writeString(main.resolve("logback.xml"), "<configuration/>");
        java.nio.file.Path distribution = java.nio.file.Files.createDirectories(dir.resolve("sluice/lib")).getParent();
        String home = System.getProperty("sluice.home");
        try (var withTests = new java.net.URLClassLoader(new java.net.URL[] {tests.toUri().toURL()}, null);
                var withMain = new java.net.URLClassLoader(new java.net.URL[] {main.toUri().toURL()}, null);
                var without = new java.net.URLClassLoader(new java.net.URL[0], null)) {
            System.clearProperty("sluice.home");
            assertThat(ConsoleLog.leftToLogback(withTests)).as("a plugin project's tests").isTrue();
            assertThat(ConsoleLog.leftToLogback(withMain)).as("an application's logback.xml").isTrue();
            assertThat(ConsoleLog.leftToLogback(without)).as("no file: set up in code").isFalse();
            System.setProperty("sluice.home", dir.resolve("no-distribution").toString());
            assertThat(ConsoleLog.leftToLogback(withTests)).as("a home with no lib (the test harness's)").isTrue();
            System.setProperty("sluice.home", distribution.toString());
            assertThat(ConsoleLog.leftToLogback(withTests)).as("the distribution does not look").isFalse();
        } finally {
            if (home == null) {
                System.clearProperty("sluice.home");
            } else {
                System.setProperty("sluice.home", home);
            }
        }
    }
}
