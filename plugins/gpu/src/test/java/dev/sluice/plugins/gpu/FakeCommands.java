package dev.sluice.plugins.gpu;

import dev.sluice.kit.CommandRunner;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * A {@link CommandRunner} that answers from a script the test writes: by the first word of the command
 * and, for nvidia-smi, by whether it is the device list, the health query of all devices or of one.
 */
final class FakeCommands implements CommandRunner {
    /** The answer to a command; may throw IOException to play a program that is not installed. */
    @FunctionalInterface
    interface Answer {
        Result answer(List<String> argv) throws IOException;
    }

    final List<List<String>> calls = new CopyOnWriteArrayList<>();
    private final Map<String, Answer> answers = new ConcurrentHashMap<>();

    /** Answers every command whose argv, joined by spaces, starts with {@code prefix}; the longest prefix wins. */
    FakeCommands on(String prefix, Answer answer) {
        answers.put(prefix, answer);
        return this;
    }

    FakeCommands on(String prefix, Result result) {
        return on(prefix, argv -> result);
    }

    /** The health query of one device answers with {@code answer(uuid)}. */
    FakeCommands onHealth(Function<String, Result> answer) {
        return on("nvidia-smi --query-gpu=" + NvidiaSmi.HEALTH_QUERY, argv -> {
            int i = argv.indexOf("-i");
            return i < 0 ? Result.failed(2, "", "the test has no answer for all devices") : answer.apply(argv.get(i + 1));
        });
    }

    @Override
    public Result run(Command command) throws IOException {
        List<String> argv = command.argv();
        calls.add(List.copyOf(argv));
        String line = String.join(" ", argv);
        Answer best = null;
        int bestLength = -1;
        for (Map.Entry<String, Answer> e : answers.entrySet()) {
            if (line.startsWith(e.getKey()) && e.getKey().length() > bestLength) {
                best = e.getValue();
                bestLength = e.getKey().length();
            }
        }
        if (best == null) {
            throw new IOException("Cannot run program \"" + argv.get(0) + "\": error=2, No such file or directory");
        }
        return best.answer(argv);
    }

    /** How many calls started with {@code prefix}. */
    long count(String prefix) {
        return calls.stream().filter(c -> String.join(" ", c).startsWith(prefix)).count();
    }
}
