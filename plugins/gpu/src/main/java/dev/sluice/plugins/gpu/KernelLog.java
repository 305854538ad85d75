package dev.sluice.plugins.gpu;

import dev.sluice.kit.CommandRunner;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The kernel's log, where the NVIDIA driver reports XID errors. A seam over {@code dmesg} (or
 * {@code journalctl -k}) so that tests can write the lines themselves.
 */
@FunctionalInterface
interface KernelLog {

    /**
     * The log's lines as they are now; empty when the log cannot be read here (reading it often needs
     * privileges), in which case the XID check is skipped.
     */
    Optional<List<String>> lines() throws InterruptedException;

    /** No kernel log: the XID check is off. */
    static KernelLog none() {
        return Optional::empty;
    }

    /** The output of {@code argv} (e.g. {@code [dmesg]}), run with {@code timeout}. */
    static KernelLog command(CommandRunner runner, List<String> argv, Duration timeout) {
        return () -> {
            try {
                CommandRunner.Result result = runner.run(argv, timeout);
                if (!result.ok()) {
                    return Optional.empty();
                }
                return Optional.of(result.stdout().lines().toList());
            } catch (IOException e) {
                return Optional.empty();
            }
        };
    }
}
