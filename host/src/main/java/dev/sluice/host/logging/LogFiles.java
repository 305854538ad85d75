package dev.sluice.host.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.AppenderBase;
import ch.qos.logback.core.FileAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
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
        lowerRootTo(logback, verbosity);
        if (logback.getAppender(HeldEvents.NAME) instanceof HeldEvents held) {
            held.handOver(logback, appender);
        } else {
            logback.addAppender(appender);
        }
        return () -> {
            logback.detachAppender(appender);
            appender.stop();
        };
    }

    /**
     * Holds what is logged from now until {@link #open} opens the run's log file, which writes it first:
     * plugins are created (and may log, in their constructors) while the pipeline loads, before the run
     * has an id and so a file. Closing it drops what was never written, as for a run that got no log file.
     */
    public static Held hold(int verbosity) {
        Logger root = LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
        if (!(root instanceof ch.qos.logback.classic.Logger logback)) {
            return () -> { };
        }
        HeldEvents held = new HeldEvents();
        held.setContext(logback.getLoggerContext());
        held.setName(HeldEvents.NAME);
        held.start();
        logback.addAppender(held);
        lowerRootTo(logback, verbosity);
        return () -> {
            logback.detachAppender(held);
            held.stop();
        };
    }

    /** What {@link #hold} holds; closing it lets go. */
    public interface Held extends AutoCloseable {
        @Override
        void close();
    }

    /** The file takes info and above, debug with -vv; the console keeps its own threshold. */
    private static void lowerRootTo(ch.qos.logback.classic.Logger root, int verbosity) {
        Level fileLevel = verbosity >= 2 ? Level.DEBUG : Level.INFO;
        if (root.getLevel().isGreaterOrEqual(fileLevel)) {
            root.setLevel(fileLevel);
        }
    }

    /** Events logged before the run's log file opened, in order, up to a bound. */
    private static final class HeldEvents extends AppenderBase<ILoggingEvent> {
        static final String NAME = "HELD_FOR_JSONL";
        /** Enough for any plugin's start; a flood beyond it is counted, not kept. */
        private static final int MAX_HELD = 10_000;

        private final List<ILoggingEvent> held = new ArrayList<>();
        private int dropped;
        /** Once handed over: the file, for events that were on their way here as it opened. */
        private Appender<ILoggingEvent> file;

        @Override
        protected void append(ILoggingEvent event) { // AppenderBase.doAppend holds this appender's lock
            if (file != null) {
                file.doAppend(event);
            } else if (held.size() < MAX_HELD) {
                event.prepareForDeferredProcessing(); // its message, MDC and thread, as they are now
                held.add(event);
            } else {
                dropped++;
            }
        }

        /** Writes what was held to {@code to}, which then takes this appender's place on {@code root}. */
        void handOver(ch.qos.logback.classic.Logger root, Appender<ILoggingEvent> to) {
            int lost;
            synchronized (this) { // the lock of doAppend: nothing is held or forwarded meanwhile
                held.forEach(to::doAppend);
                held.clear();
                file = to;
                lost = dropped;
                // Attached before this one goes: an event logged in between may be written twice, never lost.
                root.addAppender(to);
                root.detachAppender(this);
            }
            // Not stopped: an event on its way here as the file opened is still forwarded.
            if (lost > 0) {
                LoggerFactory.getLogger(LogFiles.class).warn("{} lines logged before the run's log file opened"
                        + " (while the plugins loaded) were not kept", lost);
            }
        }
    }
}
