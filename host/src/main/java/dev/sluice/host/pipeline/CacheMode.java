package dev.sluice.host.pipeline;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/** What {@code --resume} checks of a task's input files before it reuses an earlier success. */
public enum CacheMode {
    /** Each input's path, size and modification time: cheap, and what Nextflow and Snakemake do by default. */
    STANDARD,
    /**
     * Each input's contents (SHA-256; a directory's files, by relative path): a file rewritten with the
     * same size and time is noticed. Every input is read in full when its task is taken up and on
     * {@code --resume}.
     */
    DEEP,
    /** Never reused: the tasks run again on {@code --resume}. */
    OFF;

    /** The word a pipeline file uses, e.g. {@code deep}. */
    public String keyword() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Reads a keyword, ignoring case; {@code true} is {@code standard} and {@code false} {@code off}. */
    public static Optional<CacheMode> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        String s = text.trim().toUpperCase(Locale.ROOT);
        if (s.equals("TRUE")) {
            return Optional.of(STANDARD);
        }
        if (s.equals("FALSE")) {
            return Optional.of(OFF);
        }
        return Arrays.stream(values()).filter(v -> v.name().equals(s)).findFirst();
    }

    /** The keywords, for error messages: {@code standard, deep, off}. */
    public static String keywords() {
        return Arrays.stream(values()).map(CacheMode::keyword).collect(Collectors.joining(", "));
    }
}
