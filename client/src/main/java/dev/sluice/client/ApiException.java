package dev.sluice.client;

import java.util.List;

/** The service answered with an error: its HTTP status, its message (with the fix) and each problem. */
public class ApiException extends java.io.IOException {
    private static final long serialVersionUID = 1L;

    /** One mistake in a refused submission: the field, where in the body ({@code line:column}), and why. */
    public record Problem(String field, String at, String message) {
    }

    private final int status;
    private final transient List<Problem> problems;

    public ApiException(int status, String message, List<Problem> problems) {
        super(message);
        this.status = status;
        this.problems = List.copyOf(problems);
    }

    public int status() {
        return status;
    }

    public List<Problem> problems() {
        return problems;
    }
}
