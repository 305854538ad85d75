package dev.sluice.openjd.format;

import java.util.List;

/**
 * A format string could not be parsed, validated or evaluated. Carries every problem found, each
 * with its line and column; the message lists them all.
 */
public final class FormatStringException extends Exception {
    private static final long serialVersionUID = 1L;

    private final transient List<FormatProblem> problems;

    /** An exception for one or more problems (at least one). */
    public FormatStringException(List<FormatProblem> problems) {
        super(joined(problems));
        this.problems = List.copyOf(problems);
    }

    FormatStringException(FormatProblem problem) {
        this(List.of(problem));
    }

    /** Every problem, in the order they occur in the string. */
    public List<FormatProblem> problems() {
        return problems;
    }

    /** The first problem's 1-based column. */
    public int column() {
        return problems.getFirst().column();
    }

    private static String joined(List<FormatProblem> problems) {
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("a FormatStringException needs at least one problem");
        }
        if (problems.size() == 1) {
            return problems.getFirst().message();
        }
        StringBuilder b = new StringBuilder(problems.size() + " problems:");
        for (FormatProblem p : problems) {
            b.append("\n  ").append(p.message());
        }
        return b.toString();
    }
}
