package dev.sluice.host.executor.local;

import dev.sluice.kit.GroupSignaller;
import dev.sluice.kit.ProgramLocator;
import dev.sluice.spi.ExecutorException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Launches through the JDK, where {@link PosixSpawner} cannot be used: {@code setsid -- argv...} with
 * {@link ProcessBuilder} (the JDK's spawn helper, then {@code setsid}, then the program: three execs
 * per task), and process groups signalled by the system's {@code kill} program. The memory figure of
 * an end is unknown (0): only {@link ProcessTree}'s readings give one.
 */
final class JdkSpawner implements Spawner {
    private static final Path DEV_NULL = Path.of("/dev/null");

    private final Path setsid;
    private final GroupSignaller signaller;
    /** Each running task's leader, by pid, to reach one that has not made its group yet. */
    private final java.util.Map<Long, Process> leaders = new java.util.concurrent.ConcurrentHashMap<>();

    private JdkSpawner(Path setsid, GroupSignaller signaller) {
        this.setsid = setsid;
        this.signaller = signaller;
    }

    /** @throws ExecutorException naming the missing program and the package that has it */
    static JdkSpawner open() throws ExecutorException {
        Path setsid = ProgramLocator.onHostPath("setsid", Path.of("/usr/bin/setsid"), Path.of("/bin/setsid"))
                .orElseThrow(() -> new ExecutorException("the local executor needs the 'setsid' program"
                        + " (util-linux) to give each task its own process group, and it is not on the host's"
                        + " PATH (" + System.getenv("PATH") + ") nor in /usr/bin or /bin; install util-linux"));
        // Prefer /bin/kill over the PATH: it is procps' or util-linux's, both of which take "-- -pgid".
        Path kill = ProgramLocator.onHostPath("/bin/kill", Path.of("/usr/bin/kill"))
                .or(() -> ProgramLocator.onHostPath("kill"))
                .orElseThrow(() -> new ExecutorException("the local executor needs a 'kill' program to signal"
                        + " task process groups, and there is none in /bin, /usr/bin or on the host's PATH ("
                        + System.getenv("PATH") + "); install procps or util-linux"));
        return new JdkSpawner(setsid, new GroupSignaller(kill));
    }

    @Override
    public Child spawn(Request request) throws IOException {
        List<String> argv = new ArrayList<>(request.argv().size() + 2);
        argv.add(setsid.toString());
        argv.add("--");
        // As the task wrote it: setsid looks a bare name up on the task's PATH, as before this class.
        argv.addAll(request.argv());
        ProcessBuilder builder = new ProcessBuilder(argv)
                .directory(request.workDir().toFile())
                .redirectInput(ProcessBuilder.Redirect.from(DEV_NULL.toFile()))
                .redirectOutput(ProcessBuilder.Redirect.to(request.stdout().toFile()))
                .redirectError(ProcessBuilder.Redirect.to(request.stderr().toFile()));
        // The builder starts from the host's environment.
        builder.environment().putAll(request.environment());
        Process process = builder.start();
        leaders.put(process.pid(), process);
        return new Child(process.pid(), process.onExit().thenApply(p -> {
            leaders.remove(p.pid());
            return new Exit(p.exitValue(), 0);
        }));
    }

    /**
     * Signals each group. A leader that has not made its group yet (it is still {@code setsid}, or the
     * JDK's helper before it) is signalled itself, through its {@link Process}, which never reaches a
     * process that took a reaped leader's pid: {@code kill} of its group id would find no group. Each
     * task gets the signal once.
     */
    @Override
    public void signal(Signal signal, Collection<Long> processGroups) throws IOException {
        List<Long> groups = new ArrayList<>(processGroups.size());
        List<Process> notYet = new ArrayList<>();
        for (long group : processGroups) {
            Process leader = leaders.get(group);
            if (leader != null && leader.isAlive() && !leadsItsGroup(group)) {
                notYet.add(leader);
            } else {
                groups.add(group);
            }
        }
        for (Process leader : notYet) {
            if (signal == Signal.KILL) {
                leader.destroyForcibly();
            } else {
                leader.destroy();
            }
        }
        try {
            signaller.signal(signal.name(), groups);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + signaller.killProgram());
        }
    }

    /** Whether process {@code pid} leads a process group of its own yet (its group id is its pid). */
    static boolean leadsItsGroup(long pid) {
        try {
            String stat = java.nio.file.Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses, so count from the last ')'.
            String[] after = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(after[2]) == pid;
        } catch (IOException | RuntimeException e) {
            return true; // gone, or unreadable: nothing more to do for it
        }
    }

    @Override
    public boolean endsGroupsAtExit() {
        return false;
    }

    @Override
    public String describe() {
        return "the JDK's ProcessBuilder with " + setsid + ", groups signalled by " + signaller.killProgram();
    }

    @Override
    public void close() {
    }
}
