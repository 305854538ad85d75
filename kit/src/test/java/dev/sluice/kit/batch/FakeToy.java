package dev.sluice.kit.batch;

import dev.sluice.kit.CommandRunner;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The toy scheduler's server, by hand: tsub queues, tstat lists, tdel cancels or records a signal. */
final class FakeToy implements CommandRunner {
    final List<List<String>> calls = new ArrayList<>();
    /** Job id to {@code state [reason]}, as tstat prints it. */
    final Map<String, String> jobs = new LinkedHashMap<>();
    final List<String> signalled = new ArrayList<>();
    /** When set, what tstat answers. */
    Result tstatAnswer;
    private int nextId = 7;

    @Override
    public synchronized Result run(Command command) {
        List<String> argv = command.argv();
        calls.add(argv);
        List<String> ids = argv.stream().filter(a -> a.matches("\\d+")).toList();
        switch (Path.of(argv.get(0)).getFileName().toString()) {
            case "tsub" -> {
                String id = Integer.toString(nextId++);
                jobs.put(id, "Q");
                return Result.ok(id + ".toy\n");
            }
            case "tstat" -> {
                if (tstatAnswer != null) {
                    return tstatAnswer;
                }
                StringBuilder out = new StringBuilder();
                jobs.forEach((id, state) -> out.append(id).append(' ').append(state).append('\n'));
                return Result.ok(out.toString());
            }
            case "tdel" -> {
                if (argv.contains("-s")) {
                    signalled.addAll(ids);
                } else {
                    ids.forEach(id -> jobs.replace(id, "K"));
                    if (argv.contains("-N")) {
                        jobs.replaceAll((id, state) -> "K");
                    }
                }
                return Result.ok("");
            }
            default -> {
                return Result.failed(127, "", argv.get(0) + ": not found");
            }
        }
    }

    synchronized void set(String id, String stateAndReason) {
        jobs.put(id, stateAndReason);
    }

    synchronized List<List<String>> callsOf(String program) {
        return calls.stream().filter(c -> Path.of(c.get(0)).getFileName().toString().equals(program)).toList();
    }
}
