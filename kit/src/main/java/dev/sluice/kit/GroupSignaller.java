package dev.sluice.kit;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Sends a signal to whole process groups by running the system's {@code kill} program, one run per
 * batch of groups (the JDK can signal single processes only, and JNI is not an option).
 */
public final class GroupSignaller {
    private final Path killProgram;

    public GroupSignaller(Path killProgram) {
        this.killProgram = killProgram;
    }

    public Path killProgram() {
        return killProgram;
    }

    /**
     * Signals every group and waits for {@code kill} to finish (milliseconds). A group that is gone
     * already makes {@code kill} exit non-zero; that is expected and not an error. A single group that
     * is not there is signalled as a process too: a leader started through {@code setsid} may not have
     * made its group yet when a signal comes right after the start (its pid is the group's id), and a
     * leader that is gone makes that second call fail harmlessly as well.
     *
     * @param signal a signal name as {@code kill -s} takes it: TERM, KILL
     * @throws IOException when {@code kill} cannot be run
     */
    public void signal(String signal, Collection<Long> processGroups) throws IOException, InterruptedException {
        if (processGroups.isEmpty()) {
            return;
        }
        List<String> command = new ArrayList<>(processGroups.size() + 4);
        command.add(killProgram.toString());
        command.add("-s");
        command.add(signal);
        command.add("--");
        for (long group : processGroups) {
            // A negative id addresses the process group rather than the single process.
            command.add("-" + group);
        }
        if (run(command) != 0 && processGroups.size() == 1) {
            run(List.of(killProgram.toString(), "-s", signal, "--", Long.toString(processGroups.iterator().next())));
        }
    }

    private static int run(List<String> command) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        return kill.waitFor();
    }
}
