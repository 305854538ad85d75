package dev.sluice.plugins.docker;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What the engine says of a container's state.
 *
 * @param status    the engine's word for it ({@code running}, {@code exited}, {@code paused}, ...), or {@code null}
 * @param running   whether its process runs (a paused container runs too)
 * @param paused    whether it is paused
 * @param exitCode  its exit code, once it ended
 * @param oomKilled whether the out-of-memory killer ended its first process
 * @param error     the engine's error about it, or {@code null}
 */
record ContainerState(String status, boolean running, boolean paused, Long exitCode, boolean oomKilled,
        String error) {
    static final int SIGKILL_EXIT = 137;

    /** e.g. "is exited (exit code 137, killed by the out-of-memory killer)" or "is gone (removed)". */
    static String describe(Optional<ContainerState> state) {
        if (state.isEmpty()) {
            return "is gone (removed from outside sluice?)";
        }
        ContainerState s = state.get();
        StringBuilder sb = new StringBuilder("is ").append(s.status() == null ? "not running" : s.status());
        List<String> details = new ArrayList<>();
        if (s.exitCode() != null && !s.running()) {
            details.add("exit code " + s.exitCode() + (s.exitCode() == SIGKILL_EXIT ? ", killed by SIGKILL" : ""));
        }
        if (s.oomKilled()) {
            details.add("the out-of-memory killer ended it");
        }
        if (s.error() != null && !s.error().isBlank()) {
            details.add(s.error());
        }
        if (!details.isEmpty()) {
            sb.append(" (").append(String.join(", ", details)).append(')');
        }
        return sb.toString();
    }

    /** The container as users see it: {@code sluice-<run>-s1 (3f2a9c1d0b7e)}. */
    static String describe(String name, String id) {
        return name + " (" + id.substring(0, Math.min(12, id.length())) + ")";
    }
}
