package dev.sluice.plugins.slurm;

import dev.sluice.kit.CommandRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Slurm controller written by hand for the executor's unit tests: sbatch queues jobs, squeue prints
 * them in the executor's format, scancel cancels or records signals, sacct says accounting is off.
 * Every call is recorded, so tests can count the scheduler commands.
 */
final class FakeSlurm implements CommandRunner {
    static final class Job {
        final String id;
        final String name;
        final Path script;
        String state = "PENDING";
        String reason = "Priority";
        final List<String> signals = new ArrayList<>();

        Job(String id, String name, Path script) {
            this.id = id;
            this.name = name;
            this.script = script;
        }
    }

    final List<List<String>> calls = new ArrayList<>();
    final Map<String, Job> jobs = new LinkedHashMap<>();
    /** Answers sbatch gives before it accepts again, one per call. */
    final Deque<Result> sbatchFailures = new ArrayDeque<>();
    /** When set, what every squeue answers. */
    Result squeueAnswer;
    /** When set, scancel refuses to signal jobs, as for a job whose batch step is still starting. */
    boolean signalsRefused;
    private int nextId = 100;

    @Override
    public synchronized Result run(Command run) {
        List<String> argv = run.argv();
        calls.add(List.copyOf(argv));
        String command = Path.of(argv.get(0)).getFileName().toString();
        return switch (command) {
            case "sbatch" -> sbatch(argv);
            case "squeue" -> squeueAnswer != null ? squeueAnswer : squeue(argv);
            case "scancel" -> scancel(argv);
            case "sacct" -> Result.failed(1, "", "Slurm accounting storage is disabled\n");
            default -> Result.failed(127, "", command + ": command not found");
        };
    }

    private Result sbatch(List<String> argv) {
        if (!sbatchFailures.isEmpty()) {
            return sbatchFailures.poll();
        }
        Path script = Path.of(argv.get(argv.size() - 1));
        String name;
        try {
            name = Files.readAllLines(script).stream().filter(l -> l.startsWith("#SBATCH --job-name="))
                    .map(l -> l.substring("#SBATCH --job-name=".length())).findFirst().orElse("");
        } catch (java.io.IOException e) {
            return Result.failed(1, "", "sbatch: error: Unable to open file " + script);
        }
        String id = Integer.toString(nextId++);
        jobs.put(id, new Job(id, name, script));
        return Result.ok(id + "\n");
    }

    private Result squeue(List<String> argv) {
        String name = option(argv, "--name=");
        StringBuilder out = new StringBuilder();
        for (Job job : jobs.values()) {
            if (job.name.equals(name)) {
                boolean started = !SlurmStates.isPending(job.state);
                out.append(job.id).append('|').append(job.state).append('|').append(job.reason).append('|')
                        .append(started ? "2026-11-22T10:00:00" : "N/A").append('|').append("N/A").append('|')
                        .append(started ? "node1" : "").append('\n');
            }
        }
        return Result.ok(out.toString());
    }

    private Result scancel(List<String> argv) {
        String name = option(argv, "--name=");
        boolean signal = argv.stream().anyMatch(a -> a.startsWith("--signal="));
        if (signal && signalsRefused) {
            return Result.failed(1, "", "scancel: error: Kill job error on job id " + argv.getLast()
                    + ": Job step creation temporarily disabled, retrying\n");
        }
        for (Job job : jobs.values()) {
            boolean named = argv.contains(job.id) || (name != null && job.name.equals(name));
            if (!named) {
                continue;
            }
            if (signal && "USR2".equals(option(argv, "--signal=")) && !isOver(job.state)) {
                // The batch script's answer to the host's force: SIGKILL to the task's group, exit code 137.
                job.signals.add("USR2");
                try {
                    Files.writeString(job.script.resolveSibling(".exitcode"), "137\n");
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                job.state = "FAILED";
                job.reason = "NonZeroExitCode";
            } else if (signal) {
                job.signals.add(option(argv, "--signal="));
            } else if (!List.of("COMPLETED", "FAILED", "CANCELLED", "TIMEOUT").contains(job.state)) {
                job.state = "CANCELLED";
                job.reason = "None";
            }
        }
        return Result.ok("");
    }

    private static boolean isOver(String state) {
        return List.of("COMPLETED", "FAILED", "CANCELLED", "TIMEOUT").contains(state);
    }

    private static String option(List<String> argv, String prefix) {
        return argv.stream().filter(a -> a.startsWith(prefix)).map(a -> a.substring(prefix.length())).findFirst()
                .orElse(null);
    }

    synchronized void set(String id, String state, String reason) {
        Job job = jobs.get(id);
        job.state = state;
        job.reason = reason;
    }

    synchronized long count(String command) {
        return calls.stream().filter(c -> Path.of(c.get(0)).getFileName().toString().equals(command)).count();
    }

    synchronized List<List<String>> callsOf(String command) {
        return calls.stream().filter(c -> Path.of(c.get(0)).getFileName().toString().equals(command)).toList();
    }
}
