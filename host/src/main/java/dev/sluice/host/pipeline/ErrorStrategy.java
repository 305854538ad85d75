package dev.sluice.host.pipeline;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/** What happens to a pipeline run when a task of a process fails. */
public enum ErrorStrategy {
    /** Stop the run at once: running tasks are killed, nothing new starts. */
    TERMINATE,
    /** Start nothing new, let running tasks finish, then fail the run. */
    FINISH,
    /**
     * Record the failure and go on: the task counts as ended, so processes depending on its process
     * still start.
     */
    IGNORE,
    /**
     * Run the task again, up to {@code maxRetries} times, waiting {@code retryBackoff} before each try;
     * a failure after the last try is handled as {@link #TERMINATE}.
     */
    RETRY;

    /** The word a pipeline file uses, e.g. {@code retry}. */
    public String keyword() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Reads a keyword, ignoring case; empty when it names no strategy. */
    public static Optional<ErrorStrategy> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        String s = text.trim().toUpperCase(Locale.ROOT);
        return Arrays.stream(values()).filter(v -> v.name().equals(s)).findFirst();
    }

    /** The keywords, for error messages: {@code terminate, finish, ignore, retry}. */
    public static String keywords() {
        return Arrays.stream(values()).map(ErrorStrategy::keyword).collect(Collectors.joining(", "));
    }
}
