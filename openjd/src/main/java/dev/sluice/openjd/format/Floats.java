package dev.sluice.openjd.format;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.regex.Pattern;

/**
 * Floats as EXPR has them: Python's arithmetic and Python's text ({@code repr}) on 64-bit IEEE
 * numbers, with NaN and infinity refused. Java's own conversions differ from Python's
 * ({@code Double.toString(1e16)} is {@code 1.0E16}, Python writes {@code 1e+16}), so the text is
 * built here from the shortest digits that read back as the same double.
 */
final class Floats {
    /** Python's float() syntax: decimal, with '_' between digits, an optional point and exponent. */
    private static final Pattern DECIMAL = Pattern.compile(
            "[+-]?(?:[0-9](?:_?[0-9])*(?:\\.(?:[0-9](?:_?[0-9])*)?)?|\\.[0-9](?:_?[0-9])*)(?:[eE][+-]?[0-9](?:_?[0-9])*)?");
    /** A decimal number as JSON writes one, which Python reads as written too: {@code -2.50}, {@code 1e-3}. */
    private static final Pattern PORTABLE = Pattern.compile("-?(?:0|[1-9][0-9]*)(?:\\.[0-9]+)?(?:[eE][+-]?[0-9]+)?");

    private static final BigDecimal TWO_63 = new BigDecimal(BigInteger.ONE.shiftLeft(63));

    private Floats() {}

    /** Why a float operation failed; the caller adds where. */
    static final class FloatError extends Exception {
        private static final long serialVersionUID = 1L;

        FloatError(String message) {
            super(message);
        }
    }

    /** A float value of {@code d}, or an error when it is infinite or NaN (EXPR has neither). */
    static Value.FloatValue of(double d, String what) throws FloatError {
        if (Double.isNaN(d)) {
            throw new FloatError(what + " has no numeric result (NaN); floats here are always numbers");
        }
        if (Double.isInfinite(d)) {
            throw new FloatError(what + " overflows: the result is beyond the largest float, about 1.8e+308");
        }
        return new Value.FloatValue(d, null);
    }

    /**
     * Python's {@code repr(float)}: the fewest significant digits that read back as {@code d} (the
     * nearest such when several), positional between 1e-4 and 1e16 with at least one digit after the
     * point ({@code 10000000000.0}, {@code 0.0001}), otherwise scientific with a signed exponent of at
     * least two digits ({@code 1e+16}, {@code 1.5e-05}).
     */
    static String repr(double d) {
        if (d == 0) {
            return "0.0";
        }
        BigDecimal shortest = shortest(Math.abs(d));
        String digits = shortest.unscaledValue().toString();
        // The value is 0.digits × 10^point: point is where the decimal point goes in digits.
        int point = digits.length() - shortest.scale();
        StringBuilder b = new StringBuilder(d < 0 ? "-" : "");
        int exponent = point - 1;
        if (exponent < -4 || exponent >= 16) {
            b.append(digits.charAt(0));
            if (digits.length() > 1) {
                b.append('.').append(digits, 1, digits.length());
            }
            b.append('e').append(exponent < 0 ? '-' : '+');
            String e = Integer.toString(Math.abs(exponent));
            b.append(e.length() < 2 ? "0" + e : e);
        } else if (point <= 0) {
            b.append("0.").append("0".repeat(-point)).append(digits);
        } else if (point >= digits.length()) {
            b.append(digits).append("0".repeat(point - digits.length())).append(".0");
        } else {
            b.append(digits, 0, point).append('.').append(digits, point, digits.length());
        }
        return b.toString();
    }

    /**
     * The shortest decimal that reads back as {@code d} (positive), without trailing zeros. At each
     * precision both neighbours of the exact value are tried: the interval of decimals that round to
     * {@code d} is not symmetric at powers of two, so the nearer one may miss where the other fits.
     */
    private static BigDecimal shortest(double d) {
        BigDecimal exact = new BigDecimal(d);
        for (int precision = 1; precision <= 17; precision++) {
            BigDecimal down = exact.round(new MathContext(precision, RoundingMode.FLOOR));
            BigDecimal up = exact.round(new MathContext(precision, RoundingMode.CEILING));
            boolean downFits = down.doubleValue() == d;
            boolean upFits = up.doubleValue() == d;
            if (downFits && upFits) {
                int c = exact.subtract(down).compareTo(up.subtract(exact));
                // Halfway: the even last digit, as Python's conversion picks.
                BigDecimal pick = c < 0 ? down : c > 0 ? up
                        : down.unscaledValue().testBit(0) ? up : down;
                return pick.stripTrailingZeros();
            }
            if (downFits || upFits) {
                return (downFits ? down : up).stripTrailingZeros();
            }
        }
        // 17 significant digits always read back; not reached.
        return exact.round(MathContext.DECIMAL64).stripTrailingZeros();
    }

    /**
     * A float literal of the expression language ({@code 1.5}, {@code 1e-3}, {@code 1_000.5}), kept
     * with its text when it reads back as the same value (RFC 0005's float pass-through).
     */
    static Value.FloatValue literal(String text) throws FloatError {
        double d = Double.parseDouble(text.replace("_", ""));
        if (Double.isInfinite(d)) {
            throw new FloatError("float literal '" + text + "' is beyond the largest float, about 1.8e+308");
        }
        // As the reference does: forms that are not written the same way everywhere ('1.', '.5', '1_0.5')
        // are shown in Python's form instead.
        boolean keep = !text.startsWith(".") && !text.endsWith(".") && !text.contains("_");
        return new Value.FloatValue(d, keep ? text : null);
    }

    /** Python's {@code float(str)}: decimal text with optional sign, point, exponent and spaces around it. */
    static Value.FloatValue parse(String s) throws FloatError {
        String t = s.strip();
        String lower = t.toLowerCase(java.util.Locale.ROOT).replaceFirst("^[+-]", "");
        if (lower.equals("inf") || lower.equals("infinity") || lower.equals("nan")) {
            throw new FloatError("float() cannot convert '" + s + "': infinity and NaN are not values here");
        }
        if (!DECIMAL.matcher(t).matches()) {
            throw new FloatError("float() cannot convert '" + s + "': it is not a decimal number such as 2.5 or 1e-3");
        }
        return of(Double.parseDouble(t.replace("_", "")), "float('" + s + "')");
    }

    /**
     * The value of a FLOAT parameter given as {@code text}: decimal, as Python's {@code float()} and
     * {@code Decimal()} read it (which the reference tools use), spaces around it ignored; never infinity
     * or NaN, which EXPR has no value for. It is shown as written (RFC 0005's pass-through: {@code 3.500}
     * stays {@code 3.500}) when that is a JSON number, so that {@code repr_json} and {@code repr_py} of
     * it are still literals; other spellings ({@code +2.5}, {@code .5}, {@code 1_000.5}, {@code 007})
     * in Python's shortest form.
     *
     * @throws FloatError why not, said of the text without naming it: "is not a decimal number ..."
     */
    static Value.FloatValue parameter(String text) throws FloatError {
        String t = text.strip();
        String lower = t.toLowerCase(java.util.Locale.ROOT).replaceFirst("^[+-]", "");
        if (lower.equals("inf") || lower.equals("infinity") || lower.equals("nan")) {
            throw new FloatError("is not a finite number (OpenJD expressions have no infinity or NaN)");
        }
        if (!DECIMAL.matcher(t).matches()) {
            throw new FloatError("is not a decimal number such as 2.5, -1 or 1e-3");
        }
        double d = Double.parseDouble(t.replace("_", ""));
        if (Double.isInfinite(d)) {
            throw new FloatError("is beyond the largest float, about 1.8e+308");
        }
        return new Value.FloatValue(d, PORTABLE.matcher(t).matches() ? t : null);
    }

    /** Python's {@code int / int}: the quotient correctly rounded to a float. */
    static double divide(long a, long b) {
        long limit = 1L << 53;
        if (Math.abs(a) <= limit && Math.abs(b) <= limit) {
            // Both are exact as doubles, and IEEE division rounds correctly.
            return (double) a / (double) b;
        }
        // Forty digits carry the quotient far past a double's precision before the final rounding.
        return new BigDecimal(a).divide(new BigDecimal(b), new MathContext(40, RoundingMode.HALF_EVEN)).doubleValue();
    }

    /** Python's float {@code divmod}: the floored quotient and a remainder with the divisor's sign. */
    static double[] divmod(double a, double b) {
        double mod = a % b;
        double div = (a - mod) / b;
        if (mod != 0) {
            if ((b < 0) != (mod < 0)) {
                mod += b;
                div -= 1.0;
            }
        } else {
            mod = Math.copySign(0.0, b);
        }
        double floor = Math.floor(div);
        if (div - floor > 0.5) {
            floor += 1.0;
        }
        return new double[] {floor, mod};
    }

    /** {@code d} as a long when it is a whole number in the 64-bit range, else null. */
    static Long exactLong(double d) {
        if (d != Math.rint(d) || d < -0x1p63 || d >= 0x1p63) {
            return null;
        }
        return (long) d;
    }

    /** Compares an int and a float exactly, as Python does ({@code 2**63-1 < 2.0**63}). */
    static int compare(long i, double d) {
        return new BigDecimal(i).compareTo(new BigDecimal(d));
    }

    /** {@code d} as a long, or an error naming {@code what} when it does not fit. */
    static long toLong(double whole, String what) throws FloatError {
        if (whole < -0x1p63 || whole >= 0x1p63) {
            throw new FloatError("integer overflow in " + what + ": results must fit in 64 bits");
        }
        return (long) whole;
    }

    /**
     * Python's {@code round(x, n)} for n > 0: the exact binary value rounded half to even at n decimals,
     * kept with exactly n decimals ({@code round(3.5, 2)} is {@code 3.50}, as RFC 0006 asks).
     */
    static Value.FloatValue round(double x, long ndigits) throws FloatError {
        // A double has at most 1074 decimals; more digits only add zeros.
        int scale = (int) Math.min(ndigits, 1074);
        BigDecimal rounded = new BigDecimal(x).setScale(scale, RoundingMode.HALF_EVEN);
        String text = rounded.toPlainString() + "0".repeat((int) Math.min(ndigits - scale, Builtins.MAX_SIZE));
        double d = of(rounded.doubleValue(), "round()").value();
        return new Value.FloatValue(d, text);
    }

    /** {@code round(x, n)} for n <= 0 on a float or an int: half to even at 10^-n, an int (RFC 0006). */
    static long roundToInt(BigDecimal x, long ndigits) throws FloatError {
        int scale = (int) Math.max(ndigits, -400);
        BigDecimal rounded = x.setScale(scale, RoundingMode.HALF_EVEN);
        if (rounded.abs().compareTo(TWO_63) >= 0 && rounded.compareTo(TWO_63.negate()) != 0) {
            throw new FloatError("integer overflow in round(): results must fit in 64 bits");
        }
        return rounded.longValueExact();
    }
}
