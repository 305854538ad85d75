package dev.sluice.host.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.pattern.DynamicConverter;
import ch.qos.logback.core.spi.ContextAwareBase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;

/**
 * The console log, set up in code when logback starts (by {@link HostLogProvider} in the distribution, found
 * as a service by logback elsewhere): logs go to stderr so that
 * stdout carries only the progress display and the summary; {@code %msg} masks secret values as the
 * JSON log does ({@link RedactedMessageConverter}); the local time without java.time's zone rules
 * ({@link LocalClockConverter}); no stack traces but at {@code -vv} (switched by
 * {@code SluiceMain}); the root at WARN until the command line sets its level. In code rather than in a
 * {@code logback.xml}: reading the XML was about 20 ms of CPU at every start (async-profiler). Logback's
 * own files still win: {@code -Dlogback.configurationFile=...}, and outside the distribution (a plugin
 * project's tests, with the host on their class path) a {@code logback-test.xml} or {@code logback.xml}.
 */
public final class ConsoleLog extends ContextAwareBase implements Configurator {
    /** The console appender's name, for whoever adjusts it. */
    public static final String APPENDER = "STDERR";
    static final String PATTERN = "%clock %-5level %logger{0} - %msg%n%nopex";

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (leftToLogback(ConsoleLog.class.getClassLoader())) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        @SuppressWarnings("unchecked")
        Map<String, Supplier<DynamicConverter<?>>> rules = (Map<String, Supplier<DynamicConverter<?>>>)
                context.getObject(CoreConstants.PATTERN_RULE_REGISTRY_FOR_SUPPLIERS);
        if (rules == null) {
            rules = new HashMap<>();
            context.putObject(CoreConstants.PATTERN_RULE_REGISTRY_FOR_SUPPLIERS, rules);
        }
        rules.put("msg", RedactedMessageConverter::new);
        rules.put("clock", LocalClockConverter::new);
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(PATTERN);
        encoder.start();
        ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
        stderr.setContext(context);
        stderr.setName(APPENDER);
        stderr.setTarget("System.err");
        stderr.setEncoder(encoder);
        stderr.start();
        context.getLogger("org.pf4j").setLevel(Level.ERROR);
        ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.WARN);
        root.addAppender(stderr);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /**
     * Whether logback's own configuration decides: a file named with {@code -Dlogback.configurationFile},
     * or a {@code logback-test.xml} or {@code logback.xml} that {@code loader} (logback's) finds. Not looked
     * for in the distribution ({@code sluice.home} with its {@code lib}, as the {@code sluice} command sets
     * it), which has none: a miss opens every jar.
     */
    static boolean leftToLogback(ClassLoader loader) {
        if (System.getProperty("logback.configurationFile") != null) {
            return true;
        }
        String home = System.getProperty("sluice.home");
        if (home != null && Files.isDirectory(Path.of(home, "lib"))) {
            return false;
        }
        return loader.getResource("logback-test.xml") != null || loader.getResource("logback.xml") != null;
    }
}
