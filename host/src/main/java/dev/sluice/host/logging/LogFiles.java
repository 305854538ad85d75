package dev.sluice.host.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.FileAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The run's log file, beside what the console shows. */
public final class LogFiles {
    private LogFiles() {
    }

    /**
     * Adds the run's log file, one JSON object per line ({@link JsonLinesLayout}): info and above, debug
     * with -vv, whatever the console shows. Closing it detaches the file.
     *
     * @throws IOException when the file cannot be created
     */
    public static AutoCloseable open(Path file, String runId, int verbosity) throws IOException {
        Logger root = LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
        if (!(root instanceof ch.qos.logback.classic.Logger logback)) {
            return () -> { };
        }
        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
        Files.newBufferedWriter(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND).close();
        LoggerContext context = logback.getLoggerContext();
        JsonLinesLayout layout = new JsonLinesLayout(runId);
        layout.setContext(context);
        layout.start();
        LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
        encoder.setContext(context);
        encoder.setLayout(layout);
        encoder.start();
        FileAppender<ILoggingEvent> appender = new FileAppender<>();
        appender.setContext(context);
        appender.setName("JSONL");
        appender.setFile(file.toString());
        appender.setAppend(true);
        appender.setImmediateFlush(true);
        appender.setEncoder(encoder);
        appender.start();
        logback.addAppender(appender);
        Level fileLevel = verbosity >= 2 ? Level.DEBUG : Level.INFO;
        if (logback.getLevel().isGreaterOrEqual(fileLevel)) {
            logback.setLevel(fileLevel);
        }
        return () -> {
            logback.detachAppender(appender);
            appender.stop();
        };
    }
}
