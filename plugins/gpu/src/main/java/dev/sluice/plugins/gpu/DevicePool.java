package dev.sluice.plugins.gpu;

import dev.sluice.spi.GatePolicy;
import dev.sluice.spi.Hints;
import dev.sluice.spi.PluginMetrics;
import dev.sluice.spi.TaskException;
import dev.sluice.spi.TaskHandle;
import dev.sluice.spi.TimeSource;
import dev.sluice.spi.Units;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiConsumer;
import java.util.function.DoubleSupplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;

/**
 * This machine's GPUs for one run: which are free, which attempt holds which, which were found lost,
 * and the tasks waiting for some. The gate, the wrapper and the health monitor are separate extension
 * instances; they all reach the same pool ({@link SharedPools}), which is where their shared state
 * lives.
 *
 * <p><b>Exclusive.</b> A device is held by at most one attempt, whole, from the moment the gate admits
 * the attempt until its {@link #release}.
 *
 * <p><b>In the order asked.</b> Waiting requests form one queue. Whenever devices may have become
 * free, the queue is walked from its head: a request takes devices when enough are free among those it
 * may use and not wanted by any request before it that is still waiting; otherwise every device it
 * could use is kept from the requests behind it. So a request for two devices is not starved by a
 * stream of requests for one, while a request for another device type is not held up by it.
 *
 * <p><b>Lost devices.</b> A device the health probe finds lost ({@link #markLost}) is never handed out
 * again in this run; a waiting request that can no longer be met by the devices left fails at once
 * instead of waiting forever. So are the devices of an attempt the host abandoned ({@link #abandon}):
 * its processes may still run on them.
 *
 * <p>The inventory is loaded on first need (a GPU request to validate or admit), once: a run without
 * GPU tasks never runs nvidia-smi. All state is guarded by one lock that is never held while calling
 * out (nvidia-smi, the clock, the host's status display and log), so {@link #release} never waits long;
 * what to report is decided under the lock and reported after it is let go.
 */
final class DevicePool {
    private final InventoryLoader loader;
    private final DeviceHealth health;
    private final TimeSource time;
    private final BiConsumer<TaskHandle, String> statuses;
    private final Logger log;

    private final ReentrantLock lock = new ReentrantLock();
    /** Free devices by index, so that the lowest-numbered free ones are handed out first. */
    private final TreeMap<Integer, Device> free = new TreeMap<>();
    /** The devices each admitted attempt holds, by attempt key. */
    private final Map<String, List<Device>> held = new LinkedHashMap<>();
    /** Devices out of the run, by UUID, with why: found lost, or left to an abandoned attempt. */
    private final Map<String, String> lost = new LinkedHashMap<>();
    /** Those of {@link #lost} that are out because an abandoned attempt may still use them, not found unhealthy. */
    private final Set<String> abandoned = new HashSet<>();
    /** Devices given to an attempt (granted or held) and not yet released. */
    private final Set<String> taken = new HashSet<>();
    /** Waiting requests, oldest first. */
    private final List<Waiter> waiters = new ArrayList<>();
    private Inventory inventory;

    /** Loads the inventory once; remembers a failure too, so that a hung nvidia-smi costs one timeout per run. */
    interface InventoryLoader {
        Inventory load() throws InventoryException, InterruptedException;
    }

    DevicePool(InventoryLoader loader, DeviceHealth health, TimeSource time, BiConsumer<TaskHandle, String> statuses,
            PluginMetrics metrics, Logger log) {
        this.loader = loader;
        this.health = health;
        this.time = time;
        this.statuses = statuses;
        this.log = log;
        gauge(metrics, "devices", "GPUs this run may hand out (after CUDA_VISIBLE_DEVICES and exclude)",
                () -> inventory == null ? 0 : inventory.devices().size());
        gauge(metrics, "devices_reserved", "GPUs held by a task attempt now", taken::size);
        gauge(metrics, "devices_unhealthy", "GPUs taken out of the run because a health probe found them lost",
                () -> lost.size() - abandoned.size());
        gauge(metrics, "tasks_waiting", "Tasks waiting in the gpu gate for devices", waiters::size);
    }

    private void gauge(PluginMetrics metrics, String name, String description, java.util.function.IntSupplier value) {
        DoubleSupplier locked = () -> {
            lock.lock();
            try {
                return value.getAsInt();
            } finally {
                lock.unlock();
            }
        };
        metrics.gauge(name, description, locked);
    }

    // ---- inventory ---------------------------------------------------------------------------------

    private final ReentrantLock loading = new ReentrantLock();
    private InventoryException loadFailure;

    /**
     * The devices of this run, loaded on the first call.
     *
     * @throws InventoryException when they cannot be listed (every later call throws the same)
     */
    Inventory inventory() throws InventoryException, InterruptedException {
        loading.lockInterruptibly();
        try {
            if (loadFailure != null) {
                throw loadFailure;
            }
            lock.lock();
            try {
                if (inventory != null) {
                    return inventory;
                }
            } finally {
                lock.unlock();
            }
            Inventory loaded;
            try {
                loaded = loader.load();
            } catch (InventoryException e) {
                loadFailure = e;
                // Each task or process that asked says so in its own error; the log keeps the detail once.
                log.debug("cannot list the GPUs: {}", e.getMessage());
                throw e;
            }
            if (health != null) {
                health.takeBaseline();
            }
            lock.lock();
            try {
                inventory = loaded;
                loaded.devices().forEach(d -> free.put(d.index(), d));
            } finally {
                lock.unlock();
            }
            log.info("GPUs to hand out ({}): {}{}", loaded.origin(), Inventory.list(loaded.devices()),
                    loaded.excluded().isEmpty() ? "" : "; excluded: " + Inventory.list(loaded.excluded()));
            return loaded;
        } finally {
            loading.unlock();
        }
    }

    /** The devices of type {@code type} still in the run (not lost). */
    List<Device> usable(Inventory inv, String type) {
        lock.lock();
        try {
            return inv.ofType(type).stream().filter(d -> !lost.containsKey(d.uuid())).toList();
        } finally {
            lock.unlock();
        }
    }

    // ---- acquire and release -----------------------------------------------------------------------

    /**
     * Blocks until {@code count} devices of {@code type} are free for {@code task} and takes them.
     *
     * @param maxWait how long to wait; empty: as long as it takes
     * @throws TaskException        when the devices cannot be listed, when fewer than {@code count} of the
     *                              type are left in the run (now, or while waiting), or when
     *                              {@code maxWait} passes first
     * @throws InterruptedException when cancelled; then nothing is taken
     */
    List<Device> acquire(TaskHandle task, int count, String type, Optional<Duration> maxWait)
            throws TaskException, InterruptedException {
        Inventory inv;
        try {
            inv = inventory();
        } catch (InventoryException e) {
            throw new TaskException("gate 'gpu': task '" + task.name() + "' asks for " + gpus(count, type)
                    + ", but " + e.getMessage());
        }
        Set<String> eligible = inv.ofType(type).stream().map(Device::uuid).collect(Collectors.toSet());
        Waiter waiter = new Waiter(task, count, type, eligible, lock.newCondition());
        long start = time.nanoTime();
        Thread timer = null;
        boolean admitted = false;
        String shown = null;
        lock.lockInterruptibly();
        try {
            waiters.add(waiter);
            dispatch();
            if (waiter.granted == null && waiter.failure == null && maxWait.isPresent()) {
                if (maxWait.get().isZero()) {
                    waiter.expired = true;
                } else {
                    timer = startTimer(waiter, maxWait.get());
                }
            }
            while (true) {
                if (waiter.granted != null) {
                    held.put(attemptKey(task), waiter.granted);
                    admitted = true;
                    break;
                }
                if (waiter.failure != null) {
                    throw new TaskException(waiter.failure);
                }
                if (waiter.expired) {
                    Duration limit = maxWait.orElseThrow();
                    throw new TaskException("gate 'gpu' gave up on task '" + task.name() + "' after "
                            + Units.formatDuration(limit) + " waiting for " + gpus(count, type) + " ("
                            + occupancy(waiter) + "). Raise the hint " + Hints.key(GpuGate.ID, GatePolicy.MAX_WAIT)
                            + " (now " + Units.formatDuration(limit) + "), or set "
                            + Hints.key(GpuGate.ID, GatePolicy.SKIP) + ": true to run it without a reserved GPU");
                }
                String status = "waiting for " + gpus(count, type) + " (" + occupancy(waiter) + ")";
                if (!status.equals(shown)) {
                    shown = status;
                    // The host's status display is called without the lock: it must not hold up releases or
                    // the other waiters. What changed meanwhile is looked at again before waiting.
                    lock.unlock();
                    try {
                        statuses.accept(task, status);
                    } finally {
                        lock.lock();
                    }
                    continue;
                }
                waiter.changed.await();
            }
        } finally {
            waiters.remove(waiter);
            if (!admitted && waiter.granted != null) {
                // Granted as the wait was cancelled or timed out: nothing may stay taken.
                giveBack(waiter.granted);
                waiter.granted = null;
            }
            dispatch();
            lock.unlock();
            if (timer != null) {
                timer.interrupt();
            }
        }
        if (shown != null) {
            log.debug("task {}: got {} after {}", task.name(), describe(waiter.granted),
                    Units.formatDuration(Duration.ofNanos(time.nanoTime() - start)));
        }
        return waiter.granted;
    }

    /** Gives back what {@code task}'s attempt holds, except lost devices; wakes the waiters. Quick and safe to repeat. */
    void release(TaskHandle task) {
        lock.lock();
        try {
            List<Device> devices = held.remove(attemptKey(task));
            if (devices == null) {
                return;
            }
            giveBack(devices);
            dispatch();
            waiters.forEach(w -> w.changed.signal()); // their "n of m in use" changed
        } finally {
            lock.unlock();
        }
    }

    /** The devices {@code task}'s attempt holds; empty when none. */
    List<Device> heldBy(TaskHandle task) {
        lock.lock();
        try {
            return held.getOrDefault(attemptKey(task), List.of());
        } finally {
            lock.unlock();
        }
    }

    /**
     * Takes {@code device} out of the run: it is not handed out again, even once its attempt ends, and
     * waiting requests that can no longer be met fail.
     */
    void markLost(Device device, String problem) {
        lock.lock();
        try {
            if (lost.putIfAbsent(device.uuid(), problem) != null) {
                return;
            }
            free.remove(device.index());
            dispatch();
        } finally {
            lock.unlock();
        }
        log.error("{}; it is not used again in this run", problem);
    }

    /**
     * Ends {@code task}'s attempt without giving its devices back: the host killed the task but never heard
     * that it ended, so its processes may still run on them. They are out of the run as if found lost
     * (with that reason), and waiting requests that can no longer be met fail. Safe to repeat.
     */
    void abandon(TaskHandle task) {
        List<Device> kept = new ArrayList<>();
        lock.lock();
        try {
            List<Device> devices = held.remove(attemptKey(task));
            if (devices == null) {
                return;
            }
            for (Device d : devices) {
                String reason = d.describe() + " is kept out: task '" + task.name() + "' was killed but never "
                        + "confirmed ended, so its processes may still use it";
                if (lost.putIfAbsent(d.uuid(), reason) == null) {
                    abandoned.add(d.uuid());
                    kept.add(d);
                }
            }
            giveBack(devices); // no longer taken by the attempt; being out of the run, none becomes free
            dispatch();
            waiters.forEach(w -> w.changed.signal()); // their "n of m in use" changed
        } finally {
            lock.unlock();
        }
        if (!kept.isEmpty()) {
            log.warn("task {} attempt {} was killed but never confirmed ended; its processes may still use {}, "
                    + "so {} not handed out again in this run", task.name(), task.attempt(), describe(kept),
                    kept.size() == 1 ? "it is" : "they are");
        }
    }

    /** What was found about {@code uuid} if it is out of the run. */
    Optional<String> lostReason(String uuid) {
        lock.lock();
        try {
            return Optional.ofNullable(lost.get(uuid));
        } finally {
            lock.unlock();
        }
    }

    /** Checks {@code device} and takes it out of the run when it is lost; the problem, if any. */
    Optional<String> checkHealth(Device device) throws InterruptedException {
        Optional<String> known = lostReason(device.uuid());
        if (known.isPresent() || health == null) {
            return known;
        }
        Optional<String> problem = health.check(device);
        problem.ifPresent(p -> markLost(device, p));
        return problem;
    }

    // ---- under the lock ----------------------------------------------------------------------------

    private void giveBack(List<Device> devices) {
        for (Device d : devices) {
            taken.remove(d.uuid());
            if (!lost.containsKey(d.uuid())) {
                free.put(d.index(), d);
            }
        }
    }

    /** Hands free devices to waiters in queue order (see the class comment); fails those that can never be met. */
    private void dispatch() {
        Set<String> wantedEarlier = new HashSet<>();
        for (Waiter w : List.copyOf(waiters)) {
            if (w.granted != null || w.failure != null || w.expired) {
                continue;
            }
            List<String> left = w.eligible.stream().filter(u -> !lost.containsKey(u)).sorted().toList();
            if (left.size() < w.count) {
                w.failure = "gate 'gpu': task '" + w.task.name() + "' asks for " + gpus(w.count, w.type)
                        + ", but only " + left.size() + " of that kind " + (left.size() == 1 ? "is" : "are")
                        + " left in this run" + (lost.isEmpty() ? "" : " (taken out: " + String.join("; ",
                        lost.values()) + ")") + "; ask for fewer, or fix the machine and run again";
                waiters.remove(w);
                w.changed.signal();
                continue;
            }
            List<Device> candidates = free.values().stream()
                    .filter(d -> w.eligible.contains(d.uuid()) && !wantedEarlier.contains(d.uuid())).toList();
            if (candidates.size() >= w.count) {
                w.granted = List.copyOf(candidates.subList(0, w.count));
                w.granted.forEach(d -> {
                    free.remove(d.index());
                    taken.add(d.uuid());
                });
                waiters.remove(w);
                w.changed.signal();
            } else {
                wantedEarlier.addAll(w.eligible);
            }
        }
    }

    /** {@code 3 of 4 in use}, over the devices the waiter may use; and how many asked before it. */
    private String occupancy(Waiter w) {
        long usable = w.eligible.stream().filter(u -> !lost.containsKey(u)).count();
        long inUse = w.eligible.stream().filter(taken::contains).count();
        int ahead = waiters.indexOf(w);
        return inUse + " of " + usable + " in use" + (ahead > 0 ? ", " + ahead + " task" + (ahead == 1 ? "" : "s")
                + " waiting before it" : "");
    }

    private Thread startTimer(Waiter waiter, Duration maxWait) {
        return Thread.ofVirtual().name("gate-gpu-maxwait-" + waiter.task.id()).start(() -> {
            try {
                time.sleep(maxWait);
            } catch (InterruptedException e) {
                return; // the wait ended first
            }
            lock.lock();
            try {
                if (waiter.granted == null) {
                    waiter.expired = true;
                    waiter.changed.signal();
                }
            } finally {
                lock.unlock();
            }
        });
    }

    /** An attempt is one admission: a retry of the same task is a new attempt with devices of its own. */
    static String attemptKey(TaskHandle task) {
        return task.id() + "#" + task.attempt();
    }

    static String gpus(int count, String type) {
        return count + (type == null || type.isBlank() ? "" : " " + type) + (count == 1 ? " GPU" : " GPUs");
    }

    static String describe(List<Device> devices) {
        return devices.stream().map(Device::describe).collect(Collectors.joining(", "));
    }

    /** One waiting request; its fields are guarded by the pool's lock. */
    private static final class Waiter {
        final TaskHandle task;
        final int count;
        final String type;
        final Set<String> eligible;
        final Condition changed;
        List<Device> granted;
        String failure;
        boolean expired;

        Waiter(TaskHandle task, int count, String type, Set<String> eligible, Condition changed) {
            this.task = task;
            this.count = count;
            this.type = type;
            this.eligible = eligible;
            this.changed = changed;
        }
    }
}
