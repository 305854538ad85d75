package dev.sluice.plugins.docker;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;

/**
 * Signals a task exec'd in a session container: its process and every descendant. The engine has no
 * call to signal an exec, so the processes are signalled from the host by their host pids; where the
 * host may not signal them (sluice runs as another user than the container), {@code kill} is exec'd
 * inside the container with their pids there. The host decides when SIGTERM is followed by SIGKILL.
 */
final class ExecSignals {
    private final Engine engine;
    private final EngineAttempt run;
    private final Logger log;

    ExecSignals(Engine engine, EngineAttempt run, Logger log) {
        this.engine = engine;
        this.run = run;
        this.log = log;
    }

    /** SIGTERM to the exec's processes, which are remembered so that {@link #force} reaches them too. */
    void terminate() {
        List<ProcessHandle> tree = liveTree();
        run.terminated.addAll(tree);
        signal(tree, false);
    }

    /**
     * SIGKILL to the exec's processes, and to those {@link #terminate} reached that still live: a child
     * that ignored SIGTERM may outlive the exec's own process.
     */
    void force() {
        Set<ProcessHandle> all = new LinkedHashSet<>();
        try {
            all.addAll(liveTree());
        } catch (EngineException e) {
            log.debug("inspecting exec {} of {} failed: {}", run.execId, run.container(), e.getMessage());
        }
        run.terminated.stream().filter(ProcessHandle::isAlive).forEach(all::add);
        if (!all.isEmpty()) {
            signal(List.copyOf(all), true);
        }
    }

    /** The exec's process and its descendants, while the engine says it runs. */
    private List<ProcessHandle> liveTree() {
        Engine.ExecState exec = engine.inspectExec(run.execId);
        Long pid = exec.pid();
        if (!exec.running() || pid == null || pid <= 0) {
            return List.of();
        }
        return tree(pid);
    }

    private static List<ProcessHandle> tree(long pid) {
        List<ProcessHandle> tree = new ArrayList<>();
        ProcessHandle.of(pid).ifPresent(root -> {
            tree.add(root);
            try (Stream<ProcessHandle> d = root.descendants()) {
                d.forEach(tree::add);
            }
        });
        return tree;
    }

    private void signal(List<ProcessHandle> processes, boolean force) {
        List<String> refused = new ArrayList<>();
        for (ProcessHandle p : processes) {
            boolean sent = force ? p.destroyForcibly() : p.destroy();
            if (!sent && p.isAlive()) {
                namespacePid(p.pid()).ifPresent(refused::add);
            }
        }
        if (refused.isEmpty()) {
            return;
        }
        List<String> argv = new ArrayList<>(List.of("kill", "-s", force ? "KILL" : "TERM"));
        argv.addAll(refused);
        try {
            engine.runDetached(run.containerId, argv, "0");
        } catch (EngineException e) {
            log.warn("cannot signal task {} in {}: the host may not signal its processes and kill inside the container "
                    + "failed: {}", run.submitted.taskId(), run.container(), e.getMessage());
        }
    }

    /** The pid inside the container's pid namespace, from /proc/<pid>/status's NSpid line. */
    private static java.util.Optional<String> namespacePid(long hostPid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(hostPid), "status"))) {
                if (line.startsWith("NSpid:")) {
                    String[] pids = line.substring("NSpid:".length()).trim().split("\\s+");
                    return java.util.Optional.of(pids[pids.length - 1]);
                }
            }
        } catch (IOException e) {
            // Gone meanwhile.
        }
        return java.util.Optional.empty();
    }
}
