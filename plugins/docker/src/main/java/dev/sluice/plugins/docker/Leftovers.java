package dev.sluice.plugins.docker;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;

/**
 * What earlier runs of a pipeline left behind when they died without cleaning up: containers labelled
 * with the pipeline whose owning sluice process no longer exists on this machine.
 */
final class Leftovers {
    private Leftovers() {
    }

    /** {@code <host> <pid> <start millis>}: enough to tell whether the run that made a container still lives. */
    static String ownerLabel() {
        ProcessHandle self = ProcessHandle.current();
        return hostName() + " " + self.pid() + " " + self.info().startInstant().map(Instant::toEpochMilli).orElse(0L);
    }

    /** Whether the process named by an owner label is alive on this machine; unknown owners count as alive. */
    static boolean ownerAlive(String label) {
        String[] parts = label == null ? new String[0] : label.split(" ");
        if (parts.length != 3 || !parts[0].equals(hostName())) {
            return true;
        }
        try {
            long pid = Long.parseLong(parts[1]);
            long start = Long.parseLong(parts[2]);
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                    .map(p -> p.info().startInstant().map(Instant::toEpochMilli).orElse(start) == start)
                    .orElse(false);
        } catch (NumberFormatException e) {
            return true;
        }
    }

    private static String hostName() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
        } catch (IOException e) {
            return "localhost";
        }
    }

    /** Removes the containers of {@code pipeline} whose owner is gone; logs each one. */
    static void sweep(Engine engine, Containers containers, String pipeline, Logger log) {
        if (pipeline.isEmpty()) {
            return;
        }
        List<Engine.ListedContainer> left;
        try {
            left = engine.listContainers(Map.of(RunLabels.PIPELINE, pipeline));
        } catch (EngineException e) {
            log.warn("cannot list containers left by earlier runs: {}", e.getMessage());
            return;
        }
        for (Engine.ListedContainer c : left) {
            if (ownerAlive(c.labels().get(RunLabels.OWNER))) {
                continue;
            }
            log.warn("removing container {} left by run {} of pipeline {}, which ended without removing it",
                    c.name(), c.labels().get(RunLabels.RUN), pipeline);
            containers.adopt(c.id(), c.name());
            containers.remove(c.id());
        }
    }
}
