package dev.sluice.openjd.format;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;

/**
 * An OpenJD range expression ({@code <IntRangeExpr>} of the 2023-09 template schemas, the
 * {@code range_expr} type of RFC 0005): comma-separated elements, each an integer {@code 7}, a range
 * {@code 1-10} or a range with a step {@code 1-10:2} ({@code 10-1:-3} counts down), spaces allowed
 * around each part. Its values are the union of the elements' values in increasing order; elements
 * may not overlap. Held as ascending runs, so {@code 1-1000000000} costs nothing until it is listed.
 */
final class RangeExpr {
    /** The most elements one expression may have, as the reference implementation allows. */
    static final int MAX_ELEMENTS = 10_000;

    /** One ascending run: start, start + step, ..., end (end is reached exactly). */
    record Run(long start, long end, long step) {
        long length() {
            return (end - start) / step + 1;
        }

        long at(long k) {
            return start + k * step;
        }

        boolean contains(long v) {
            return v >= start && v <= end && (v - start) % step == 0;
        }

        /** As the expression writes it: {@code 5}, {@code 5,6} (two values), {@code 1-9}, {@code 1-9:2}. */
        String text() {
            long n = length();
            if (n == 1) {
                return Long.toString(start);
            }
            if (n == 2) {
                return start + "," + end;
            }
            return step == 1 ? start + "-" + end : start + "-" + end + ":" + step;
        }
    }

    /** One element as written, for the overlap rule: its run, and the bounds written ({@code 1-10:4} spans 1 to 10). */
    private record Element(Run run, long low, long high, String text) {}

    /** Why a range expression is invalid; the caller adds where. */
    static final class RangeError extends Exception {
        private static final long serialVersionUID = 1L;

        RangeError(String message) {
            super(message);
        }
    }

    private final List<Run> runs;
    private final long[] ends;

    private RangeExpr(List<Run> runs) {
        this.runs = List.copyOf(runs);
        this.ends = new long[runs.size()];
        long total = 0;
        for (int i = 0; i < runs.size(); i++) {
            total += runs.get(i).length();
            ends[i] = total;
        }
    }

    /** Parses {@code 1-10:2,15}; the error says what is wrong and where. */
    static RangeExpr parse(String text) throws RangeError {
        String t = text.strip();
        if (t.isEmpty()) {
            throw new RangeError("range expression '" + text + "' is empty; write at least one value, e.g. '1-10'");
        }
        List<Element> runs = new ArrayList<>();
        int[] pos = {0};
        while (true) {
            if (runs.size() >= MAX_ELEMENTS) {
                throw new RangeError("range expression has more than " + MAX_ELEMENTS + " elements");
            }
            skipSpaces(t, pos);
            long start = integer(t, pos, text);
            skipSpaces(t, pos);
            Element run;
            if (pos[0] < t.length() && t.charAt(pos[0]) == '-') {
                pos[0]++;
                skipSpaces(t, pos);
                long end = integer(t, pos, text);
                skipSpaces(t, pos);
                long step = 1;
                boolean stepped = pos[0] < t.length() && t.charAt(pos[0]) == ':';
                if (stepped) {
                    pos[0]++;
                    skipSpaces(t, pos);
                    step = integer(t, pos, text);
                    skipSpaces(t, pos);
                }
                run = new Element(run(start, end, step, stepped, text), Math.min(start, end), Math.max(start, end),
                        start + "-" + end + (stepped ? ":" + step : ""));
            } else {
                run = new Element(new Run(start, start, 1), start, start, Long.toString(start));
            }
            runs.add(run);
            if (pos[0] == t.length()) {
                break;
            }
            if (t.charAt(pos[0]) != ',') {
                throw new RangeError("unexpected '" + t.charAt(pos[0]) + "' in range expression '" + text
                        + "' after '" + t.substring(0, pos[0]) + "'; elements are N, A-B or A-B:STEP, separated by ','");
            }
            pos[0]++;
            skipSpaces(t, pos);
            if (pos[0] == t.length()) {
                throw new RangeError("range expression '" + text + "' ends with ','; remove it or add a value after it");
            }
        }
        return of(runs);
    }

    private static Run run(long start, long end, long step, boolean stepped, String text) throws RangeError {
        String element = start + "-" + end + (stepped ? ":" + step : "");
        if (step == 0) {
            throw new RangeError("range " + element + " in '" + text + "' has step 0; a step is a non-zero integer");
        }
        if (start > end && step > 0) {
            throw new RangeError("range " + element + " in '" + text + "' counts down, so it needs a negative step,"
                    + " e.g. " + start + "-" + end + ":-1");
        }
        if (start < end && step < 0) {
            throw new RangeError("range " + element + " in '" + text + "' counts up, so it needs a positive step");
        }
        if (step < 0) {
            // Counting down from start by |step| reaches its last value at or above end: the same set,
            // held ascending.
            long count = (start - end) / -step + 1;
            return new Run(start + (count - 1) * step, start, -step);
        }
        long count = (end - start) / step + 1;
        return new Run(start, start + (count - 1) * step, step);
    }

    private static void skipSpaces(String t, int[] pos) {
        while (pos[0] < t.length() && (t.charAt(pos[0]) == ' ' || t.charAt(pos[0]) == '\t')) {
            pos[0]++;
        }
    }

    private static long integer(String t, int[] pos, String text) throws RangeError {
        int from = pos[0];
        int i = from;
        if (i < t.length() && t.charAt(i) == '-') {
            i++;
        }
        int digits = i;
        while (i < t.length() && t.charAt(i) >= '0' && t.charAt(i) <= '9') {
            i++;
        }
        if (i == digits) {
            String found = i < t.length() ? "'" + t.charAt(i) + "'" : "the end";
            throw new RangeError("expected an integer in range expression '" + text + "' after '"
                    + t.substring(0, from) + "' but found " + found);
        }
        pos[0] = i;
        try {
            long v = Long.parseLong(t.substring(from, i));
            // Bounded well inside 64 bits so that end - start and the counts never overflow.
            if (Math.abs(v) >= 1L << 62) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new RangeError("integer '" + t.substring(from, i) + "' in range expression '" + text
                    + "' is too large; range expressions hold integers below 2^62 in size");
        }
    }

    /** The expression of exactly these values ({@code range_expr([3, 1, 2])} is {@code 1-3}); not empty. */
    static RangeExpr ofValues(List<Long> values) throws RangeError {
        if (values.isEmpty()) {
            throw new RangeError("range_expr() got an empty list; a range expression holds at least one value");
        }
        List<Long> sorted = new ArrayList<>(new TreeSet<>(values));
        for (long v : sorted) {
            if (Math.abs(v) >= 1L << 62) {
                throw new RangeError("range_expr() got " + v + "; range expressions hold integers below 2^62 in size");
            }
        }
        List<Run> runs = new ArrayList<>();
        int i = 0;
        while (i < sorted.size()) {
            long start = sorted.get(i);
            int j = i + 1;
            if (j < sorted.size()) {
                long step = sorted.get(j) - start;
                while (j + 1 < sorted.size() && sorted.get(j + 1) - sorted.get(j) == step) {
                    j++;
                }
                runs.add(new Run(start, sorted.get(j), step));
                i = j + 1;
            } else {
                runs.add(new Run(start, start, 1));
                i = j;
            }
        }
        return new RangeExpr(runs);
    }

    /**
     * Sorts the elements, refuses overlaps, joins neighbours that continue each other. Elements overlap
     * when their written spans do, as the schemas' example has it: 1-10:4 (1, 5, 9) and 10-15 overlap.
     */
    private static RangeExpr of(List<Element> elements) throws RangeError {
        List<Element> sorted = new ArrayList<>(elements);
        sorted.sort(Comparator.comparingLong(Element::low).thenComparingLong(Element::high));
        for (int k = 1; k < sorted.size(); k++) {
            if (sorted.get(k).low() <= sorted.get(k - 1).high()) {
                throw new RangeError("range expression has overlapping elements " + sorted.get(k - 1).text() + " and "
                        + sorted.get(k).text() + "; no two elements may cover the same span");
            }
        }
        List<Run> merged = new ArrayList<>();
        for (Element e : sorted) {
            Run r = e.run();
            Run last = merged.isEmpty() ? null : merged.getLast();
            if (last != null && last.step() == r.step() && last.end() + r.step() == r.start()) {
                // 1-5,6-9 is 1-9: the same values, written once.
                merged.set(merged.size() - 1, new Run(last.start(), r.end(), r.step()));
            } else {
                merged.add(r);
            }
        }
        return new RangeExpr(merged);
    }

    /** How many values. */
    long size() {
        return ends[ends.length - 1];
    }

    /** The value at {@code index} (0 to size() - 1). */
    long get(long index) {
        int r = 0;
        while (ends[r] <= index) {
            r++;
        }
        return runs.get(r).at(index - (r == 0 ? 0 : ends[r - 1]));
    }

    boolean contains(long v) {
        return runs.stream().anyMatch(r -> r.contains(v));
    }

    long min() {
        return runs.getFirst().start();
    }

    long max() {
        return runs.getLast().end();
    }

    /** The sum of the values; an error when it does not fit in 64 bits. */
    long sum() throws ArithmeticException {
        java.math.BigInteger total = java.math.BigInteger.ZERO;
        for (Run r : runs) {
            // n values from start by step: n * start + step * n(n-1)/2.
            java.math.BigInteger n = java.math.BigInteger.valueOf(r.length());
            total = total.add(n.multiply(java.math.BigInteger.valueOf(r.start())))
                    .add(java.math.BigInteger.valueOf(r.step()).multiply(n).multiply(n.subtract(java.math.BigInteger.ONE))
                            .shiftRight(1));
        }
        return total.longValueExact();
    }

    /** Every value in order; the caller bounds {@link #size()} first. */
    List<Long> values() {
        List<Long> out = new ArrayList<>();
        for (Run r : runs) {
            for (long k = 0, n = r.length(); k < n; k++) {
                out.add(r.at(k));
            }
        }
        return out;
    }

    /** Its canonical text: the runs in order, joined by ','. */
    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        for (Run r : runs) {
            parts.add(r.text());
        }
        return String.join(",", parts);
    }

    /** Whether both are written with the same runs; the same values may also be written differently. */
    boolean sameRuns(RangeExpr other) {
        return runs.equals(other.runs);
    }
}
