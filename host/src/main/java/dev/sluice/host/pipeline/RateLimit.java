package dev.sluice.host.pipeline;

import dev.sluice.spi.Units;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * At most {@code permits} submissions per {@code per}, written {@code 10/s}, {@code 100/1m},
 * {@code 5/30s}.
 *
 * @param permits how many, positive
 * @param per     in what period, positive
 */
public record RateLimit(double permits, Duration per) {
    /** How a rate is written, for error messages. */
    public static final String EXAMPLES = "<count>/<period>, e.g. 10/s, 100/1m, 5/30s, 1000/1h";

    private static final Pattern RATE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*/\\s*(\\S.*)");
    private static final Pattern BARE_UNIT = Pattern.compile("[a-z]+");

    public RateLimit {
        Objects.requireNonNull(per, "per");
        if (!(permits > 0) || Double.isInfinite(permits)) {
            throw new IllegalArgumentException("permits must be positive, got " + permits);
        }
        if (per.isNegative() || per.isZero()) {
            throw new IllegalArgumentException("per must be positive, got " + per);
        }
    }

    /** The rate in submissions per second. */
    public double perSecond() {
        return permits / (per.getSeconds() + per.getNano() / 1e9);
    }

    /**
     * Reads {@code <count>/<period>}; the period is a duration as {@link Units#parseDuration} reads
     * it, and a bare unit means one of it ({@code 10/s} is {@code 10/1s}).
     *
     * @throws IllegalArgumentException naming the text and showing how to write a rate
     */
    public static RateLimit parse(String text) {
        String s = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        Matcher m = RATE.matcher(s);
        if (!m.matches()) {
            throw bad(text, "");
        }
        double permits = Double.parseDouble(m.group(1));
        String period = m.group(2).trim();
        if (BARE_UNIT.matcher(period).matches()) {
            period = "1" + period;
        }
        Duration per;
        try {
            per = Units.parseDuration(period);
        } catch (IllegalArgumentException e) {
            throw bad(text, " (the period '" + m.group(2).trim() + "' is not a duration)");
        }
        if (permits <= 0) {
            throw bad(text, " (the count must be positive)");
        }
        if (per.isZero()) {
            throw bad(text, " (the period must be positive)");
        }
        return new RateLimit(permits, per);
    }

    /** As {@link #parse} reads it, e.g. {@code 10/s}, {@code 100/1m}, {@code 2.5/30s}. */
    @Override
    public String toString() {
        String count = permits == Math.rint(permits) ? String.valueOf((long) permits) : String.valueOf(permits);
        String period = Units.formatDuration(per);
        if (period.matches("1[a-z]+")) {
            period = period.substring(1);
        }
        return count + "/" + period;
    }

    private static IllegalArgumentException bad(String text, String detail) {
        return new IllegalArgumentException("'" + text + "' is not a rate" + detail + "; write " + EXAMPLES);
    }
}
