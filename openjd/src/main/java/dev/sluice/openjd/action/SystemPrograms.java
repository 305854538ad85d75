package dev.sluice.openjd.action;

import dev.sluice.kit.GroupSignaller;
import dev.sluice.kit.ProgramLocator;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The programs the runner needs ({@code setsid} for a process group per action, {@code kill} to signal
 * a whole group, since the JDK signals single processes only) and the {@code execvp}-style lookup that
 * reports a missing action program before launch rather than as exit status 127. The lookup and the
 * group signalling are the local executor's, from the kit ({@code dev.sluice.kit}).
 */
final class SystemPrograms {
    private final Path setsid;
    private final GroupSignaller signaller;

    private SystemPrograms(Path setsid, GroupSignaller signaller) {
        this.setsid = setsid;
        this.signaller = signaller;
    }

    /** Finds {@code setsid} and {@code kill} on the host. */
    static SystemPrograms find() throws ActionException {
        String hostPath = System.getenv("PATH") == null ? "" : System.getenv("PATH");
        Path setsid = ProgramLocator.onHostPath("setsid", Path.of("/usr/bin/setsid"), Path.of("/bin/setsid"))
                .orElseThrow(() -> new ActionException("running actions needs the 'setsid' program (util-linux)"
                        + " to give each action its own process group, and it is not on the host's PATH ("
                        + hostPath + ") nor in /usr/bin or /bin; install util-linux"));
        // /bin/kill first: procps' and util-linux's both take "-- -pgid".
        Path kill = ProgramLocator.onHostPath("/bin/kill", Path.of("/usr/bin/kill"))
                .or(() -> ProgramLocator.onHostPath("kill"))
                .orElseThrow(() -> new ActionException("running actions needs a 'kill' program to signal process"
                        + " groups, and there is none in /bin, /usr/bin or on the host's PATH (" + hostPath
                        + "); install procps or util-linux"));
        return new SystemPrograms(setsid, new GroupSignaller(kill));
    }

    Path setsid() {
        return setsid;
    }

    /**
     * Sends a signal to the process group {@code leader} leads and waits for {@code kill}
     * (milliseconds). A group that is gone is not an error. A leader that has not made its group yet
     * (signalled right after its start, before {@code setsid} ran) gets the signal itself through the
     * JDK, which knows whether it was reaped, so no process that took a reaped leader's pid is reached.
     *
     * @param signal a name as {@code kill -s} takes it: TERM, KILL
     */
    void signalGroup(String signal, Process leader) throws IOException, InterruptedException {
        if (!signaller.signal(signal, List.of(leader.pid())) && leader.isAlive()) {
            if (signal.equals("KILL")) {
                leader.destroyForcibly();
            } else {
                leader.destroy();
            }
        }
    }

    /**
     * Why the action's program cannot be run, or empty when it can be found.
     *
     * @param path    the PATH the action will see, or null for none
     * @param workDir where relative paths resolve
     */
    static Optional<String> programProblem(String program, String path, Path workDir) {
        ProgramLocator.Lookup lookup = new ProgramLocator.Lookup(program, path == null ? "" : path, "the action's",
                workDir);
        return lookup.find().isPresent() ? Optional.empty() : Optional.of(lookup.problem());
    }
}
