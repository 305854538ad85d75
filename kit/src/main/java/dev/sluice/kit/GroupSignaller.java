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
     * already makes {@code kill} exit non-zero; that is expected and not an error, and the answer says
     * so: a caller holding the leader's {@link Process} can then reach a leader started through
     * {@code setsid} that has not made its group yet (its pid is the group's id) with
     * {@link Process#destroy()}, which, unlike a {@code kill} of the pid, never reaches a process that
     * took the pid of a leader already reaped.
     *
     * @return whether {@code kill} signalled every group
     * @param signal a signal name as {@code kill -s} takes it: TERM, KILL
     * @throws IOException when {@code kill} cannot be run
     */
    public boolean signal(String signal, Collection<Long> processGroups) throws IOException, InterruptedException {
        if (processGroups.isEmpty()) {
            return true;
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
        return run(command) == 0;
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
