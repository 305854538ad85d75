package dev.sluice.spi;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parsing and printing of the durations and sizes that pipelines, configs and hints are written in.
 *
 * <p>Durations: {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h30m}, {@code 2d}, or ISO-8601
 * ({@code PT5M}). Sizes: a number of bytes, or a number with {@code B}, {@code KB}, {@code MB},
 * {@code GB}, {@code TB} (powers of 1024, as in Nextflow) or the explicit {@code KiB}, {@code MiB},
 * {@code GiB}, {@code TiB}; case and a space before the unit do not matter.
 */
public final class Units {
    private static final Pattern DURATION_PART = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h|d)");
    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kmgt]i?b|b)?");

    /** How a duration is written, for error messages. */
    public static final String DURATION_EXAMPLES = "e.g. 500ms, 30s, 5m, 1h30m, 2d";
    /** How a size is written, for error messages. */
    public static final String SIZE_EXAMPLES = "e.g. 512MB, 2GB, 1.5 GiB, or a number of bytes";

    private Units() {
    }

    /**
     * Parses a duration.
     *
     * @throws IllegalArgumentException naming the text and showing how to write one
     */
    public static Duration parseDuration(String text) {
        String s = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        if (s.startsWith("pt") || s.startsWith("p")) {
            try {
                return Duration.parse(s.toUpperCase(Locale.ROOT));
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException(badDuration(text));
            }
        }
        if (s.equals("0")) {
            return Duration.ZERO;
        }
        Matcher m = DURATION_PART.matcher(s);
        int end = 0;
        double millis = 0;
        boolean any = false;
        while (m.find()) {
            if (m.start() != end && !s.substring(end, m.start()).isBlank()) {
                throw new IllegalArgumentException(badDuration(text));
            }
            double value = Double.parseDouble(m.group(1));
            millis += switch (m.group(2)) {
                case "ms" -> value;
                case "s" -> value * 1_000;
                case "m" -> value * 60_000;
                case "h" -> value * 3_600_000;
                default -> value * 86_400_000;
            };
            end = m.end();
            any = true;
        }
        if (!any || end != s.length()) {
            throw new IllegalArgumentException(badDuration(text));
        }
        return Duration.ofMillis(Math.round(millis));
    }

    /**
     * Parses a size into bytes.
     *
     * @throws SizeTooLargeException   when it is a size beyond {@link Long#MAX_VALUE} bytes (8 EB)
     * @throws IllegalArgumentException naming the text and showing how to write one
     */
    public static long parseSize(String text) {
        String s = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        Matcher m = SIZE.matcher(s);
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a size; write " + SIZE_EXAMPLES);
        }
        double value = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "b" : m.group(2).replace("i", "");
        long factor = switch (unit) {
            case "kb" -> 1L << 10;
            case "mb" -> 1L << 20;
            case "gb" -> 1L << 30;
            case "tb" -> 1L << 40;
            default -> 1L;
        };
        double bytes = value * factor;
        if (bytes >= Long.MAX_VALUE) {
            throw new SizeTooLargeException("'" + text + "' is larger than any size sluice can count (8 EB);"
                    + " write " + SIZE_EXAMPLES);
        }
        return Math.round(bytes);
    }

    /** Prints a duration the way {@link #parseDuration} reads it, e.g. {@code 1h30m}, {@code 2.5s}. */
    public static String formatDuration(Duration d) {
        long ms = d.toMillis();
        if (ms < 1_000) {
            return ms + "ms";
        }
        if (ms < 60_000) {
            // One decimal, rounded half up, as "%.1f" would, without a Formatter: traces call this per task.
            return (ms % 1_000 == 0) ? (ms / 1_000) + "s" : oneDecimal((ms + 50) / 100) + "s";
        }
        StringBuilder sb = new StringBuilder();
        long days = ms / 86_400_000;
        long hours = ms / 3_600_000 % 24;
        long minutes = ms / 60_000 % 60;
        long seconds = ms / 1_000 % 60;
        if (days > 0) {
            sb.append(days).append('d');
        }
        if (hours > 0) {
            sb.append(hours).append('h');
        }
        if (minutes > 0) {
            sb.append(minutes).append('m');
        }
        if (seconds > 0) {
            sb.append(seconds).append('s');
        }
        return sb.toString();
    }

    /** Prints a size with a binary unit, e.g. {@code 512 MB}, {@code 1.5 GB}. */
    public static String formatSize(long bytes) {
        String[] units = {"B", "KB", "MB", "GB", "TB"};
        if (bytes < 0 || bytes > Long.MAX_VALUE / 20) {
            return formatSizeWithDoubles(bytes, units);
        }
        // Exact integer arithmetic (a traced figure per task): the same text as "%.1f" of bytes / 1024^i.
        long divisor = 1;
        int i = 0;
        while (bytes >= divisor * 1024 && i < units.length - 1) {
            divisor *= 1024;
            i++;
        }
        if (bytes % divisor == 0) {
            return bytes / divisor + " " + units[i];
        }
        return oneDecimal((bytes * 10 + divisor / 2) / divisor) + " " + units[i];
    }

    private static String formatSizeWithDoubles(long bytes, String[] units) {
        double value = bytes;
        int i = 0;
        while (value >= 1024 && i < units.length - 1) {
            value /= 1024;
            i++;
        }
        if (value == Math.rint(value)) {
            return String.format(Locale.ROOT, "%d %s", (long) value, units[i]);
        }
        return String.format(Locale.ROOT, "%.1f %s", value, units[i]);
    }

    /** {@code tenths} / 10 with one decimal, e.g. 13 as "1.3". */
    private static String oneDecimal(long tenths) {
        return tenths / 10 + "." + tenths % 10;
    }

    private static String badDuration(String text) {
        return "'" + text + "' is not a duration; write " + DURATION_EXAMPLES;
    }

    /** A well-written size too large to count in bytes: refused, never capped. */
    public static final class SizeTooLargeException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        SizeTooLargeException(String message) {
            super(message);
        }
    }
}
