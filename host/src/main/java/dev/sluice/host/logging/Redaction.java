package dev.sluice.host.logging;

import java.util.function.UnaryOperator;

/**
 * The run's redaction of secret values ({@code openjd_redacted_env} values of its environments), applied
 * to everything sluice writes for people: log lines, the trace, the events, the report and the summary.
 * One run per process, so one holder; it masks nothing until a run sets it.
 */
public final class Redaction {
    private static volatile UnaryOperator<String> masker = UnaryOperator.identity();

    private Redaction() {
    }

    /** Sets how text is masked for the rest of the process's life (the run's secrets). */
    public static void use(UnaryOperator<String> mask) {
        masker = mask == null ? UnaryOperator.identity() : mask;
    }

    /** The text with every known secret masked; {@code null} stays {@code null}. */
    public static String redact(String text) {
        return text == null ? null : masker.apply(text);
    }
}
