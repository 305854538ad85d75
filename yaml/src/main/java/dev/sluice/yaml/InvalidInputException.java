package dev.sluice.yaml;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A pipeline or config file could not be loaded. Carries every problem found in the file, sorted by
 * place, so that a user can fix them all in one go.
 */
public class InvalidInputException extends Exception {
    private static final long serialVersionUID = 1L;

    private final transient List<Problem> problems;

    /** @param problems at least one problem */
    public InvalidInputException(List<Problem> problems) {
        super(format(problems));
        List<Problem> sorted = new ArrayList<>(problems);
        sorted.sort(Problem.BY_LOCATION);
        this.problems = List.copyOf(sorted);
    }

    public InvalidInputException(Problem problem) {
        this(List.of(problem));
    }

    /** The problems, sorted by file, line and column. */
    public List<Problem> problems() {
        return problems;
    }

    private static String format(List<Problem> problems) {
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("an InvalidInputException needs at least one problem");
        }
        return problems.stream().sorted(Problem.BY_LOCATION).map(Problem::toString)
                .collect(Collectors.joining("\n"));
    }
}
