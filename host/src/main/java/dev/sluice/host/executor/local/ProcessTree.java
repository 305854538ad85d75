package dev.sluice.host.executor.local;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * A task's own processes as /proc shows them, walked from the leader down through each thread's
 * {@code children} list, so that reading a task's memory costs in proportion to the task's tree, not
 * to every process on the machine (which {@link ProcessHandle#descendants()} reads at each call).
 * Where the kernel has no {@code children} lists it falls back to {@code descendants()}.
 */
final class ProcessTree {
    /** A bound on one walk, so a fork bomb cannot make a poll unbounded. */
    static final int MAX_PROCESSES = 4096;
    private static final Path PROC = Path.of("/proc");
    private static final boolean CHILDREN_LISTS = Files.isReadable(PROC.resolve("self/task")
            .resolve(Long.toString(ProcessHandle.current().pid())).resolve("children"));

    private ProcessTree() {
    }

    /**
     * The sum of the high-water resident memory ({@code VmHWM}) of the process {@code leader} and its descendants,
     * in bytes; 0 when none could be read (gone, or no /proc).
     */
    static long peakRss(long leader) {
        if (!CHILDREN_LISTS) {
            long total = vmHwm(leader);
            for (ProcessHandle child : ProcessHandle.of(leader).map(h -> h.descendants().toList()).orElse(List.of())) {
                total += vmHwm(child.pid());
            }
            return total;
        }
        long total = 0;
        Deque<Long> pending = new ArrayDeque<>();
        pending.add(leader);
        for (int walked = 0; !pending.isEmpty() && walked < MAX_PROCESSES; walked++) {
            long pid = pending.poll();
            total += vmHwm(pid);
            addChildren(pid, pending);
        }
        return total;
    }

    private static void addChildren(long pid, Deque<Long> into) {
        Path tasks = PROC.resolve(Long.toString(pid)).resolve("task");
        try (DirectoryStream<Path> threads = Files.newDirectoryStream(tasks)) {
            for (Path thread : threads) {
                String list = Files.readString(thread.resolve("children"));
                int start = 0;
                for (int i = 0; i <= list.length(); i++) {
                    if (i == list.length() || list.charAt(i) == ' ' || list.charAt(i) == '\n') {
                        if (i > start) {
                            into.add(Long.parseLong(list, start, i, 10));
                        }
                        start = i + 1;
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // Gone while it was read: its children, if any, were reparented and are not the task's to count.
        }
    }

    private static long vmHwm(long pid) {
        try {
            for (String line : Files.readAllLines(PROC.resolve(Long.toString(pid)).resolve("status"))) {
                if (line.startsWith("VmHWM:")) {
                    // "VmHWM:     1234 kB"
                    String[] parts = line.substring(6).trim().split("\\s+");
                    return Long.parseLong(parts[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // Gone between the listing and the read, or no /proc: no reading.
        }
        return 0;
    }
}
