package dev.sluice.plugins.gpu;

import dev.sluice.spi.AttemptOutcome;
import dev.sluice.spi.GatePolicy;
import dev.sluice.spi.Hints;
import dev.sluice.spi.InvalidSettingException;
import dev.sluice.spi.PluginContext;
import dev.sluice.spi.Resources;
import dev.sluice.spi.TaskException;
import dev.sluice.spi.TaskHandle;
import dev.sluice.spi.TaskReadinessGate;
import dev.sluice.spi.TaskRequest;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.pf4j.Extension;
import org.slf4j.Logger;

/**
 * The {@code gpu} readiness gate: a task that asks for {@code resources.accelerators: N} waits until N
 * devices of this machine are free (of its {@code acceleratorType}, when it names one) and holds them,
 * alone, until its attempt ends. Waiting tasks are served in the order they asked (see
 * {@link DevicePool}).
 *
 * <p>Tasks of an executor that gets GPUs from its own scheduler ({@code schedulerAssigned}, by default
 * {@code slurm}) pass at once and hold nothing here. Hints: {@code gpu/skip} (pass without a device)
 * and {@code gpu/maxWait} (default: the config's {@code maxWait}, else forever).
 */
@Extension
public final class GpuGate implements TaskReadinessGate {
    /** The gate's id, the namespace of its hints and the kind of what it assigns. */
    public static final String ID = "gpu";

    private static final List<String> HINT_NAMES = List.of(GatePolicy.SKIP, GatePolicy.MAX_WAIT);

    private final GpuSettings settings;
    private final DevicePool pool;
    private final Logger log;

    /** Used by the host. */
    public GpuGate(PluginContext context) {
        this(SharedPools.of(context), context.logger());
    }

    /** Used by tests, with a pool over fakes. */
    GpuGate(GpuRuntime runtime, Logger log) {
        this.settings = runtime.settings();
        this.pool = runtime.pool();
        this.log = log;
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public void validateHints(Hints hints) {
        TaskReadinessGate.super.validateHints(hints);
        hints.requireKnown(ID, HINT_NAMES);
        policy(hints);
    }

    /**
     * Refuses, before anything runs, a GPU request this machine can never meet: no GPU here, more than
     * there are (after {@code exclude} and the type), a type no device has.
     */
    @Override
    public void validate(TaskRequest request) {
        validateHints(request.hints());
        Resources res = request.resources();
        if (res.accelerators() == 0 || settings.assignsItself(request.executor())
                || policy(request.hints()).skip()) {
            return;
        }
        Inventory inventory;
        try {
            inventory = pool.inventory();
        } catch (InventoryException e) {
            throw request.invalidResource("accelerators", Integer.toString(res.accelerators()),
                    "this machine's GPUs cannot be listed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw request.invalidResource("accelerators", Integer.toString(res.accelerators()),
                    "the check of this machine's GPUs was interrupted; run again");
        }
        Optional<Problem> problem = problem(inventory, res);
        if (problem.isPresent()) {
            throw request.invalidResource(problem.get().field(), problem.get().value(), problem.get().text());
        }
    }

    @Override
    public void prepare(TaskHandle task) throws InterruptedException, TaskException {
        Resources res = task.resources();
        if (res.accelerators() == 0 || settings.assignsItself(task.executor())) {
            return;
        }
        GatePolicy policy;
        try {
            policy = policy(task.hints());
        } catch (InvalidSettingException e) {
            throw new TaskException(e.getMessage(), e);
        }
        if (policy.skip()) {
            return;
        }
        Inventory inventory;
        try {
            inventory = pool.inventory();
        } catch (InventoryException e) {
            throw new TaskException("gate 'gpu': task '" + task.name() + "' asks for "
                    + DevicePool.gpus(res.accelerators(), res.acceleratorType()) + ", but " + e.getMessage());
        }
        Optional<Problem> problem = problem(inventory, res);
        if (problem.isPresent()) {
            throw new TaskException("gate 'gpu': task '" + task.name() + "': resources." + problem.get().field()
                    + " = " + problem.get().value() + ": " + problem.get().text());
        }
        pool.acquire(task, res.accelerators(), res.acceleratorType(), policy.maxWait());
    }

    /** {@code gpu -> [UUIDs]} of the devices the attempt holds, in index order; nothing when it holds none. */
    @Override
    public Map<String, List<String>> assigned(TaskHandle task) {
        List<Device> devices = pool.heldBy(task);
        return devices.isEmpty() ? Map.of() : Map.of(ID, devices.stream().map(Device::uuid).toList());
    }

    /**
     * The attempt's devices go back to the pool, except any found lost; the waiters are woken. For every
     * kind of end but one the host reports it after the attempt's last process ended, so the devices are
     * free again. The exception is {@link AttemptOutcome.Kind#ABANDONED}: the host killed the task but its
     * executor never confirmed the end, so its processes may still run on the devices. Those are kept out
     * of the rest of the run, as if found lost, and tasks waiting for more than is now left fail.
     */
    @Override
    public void attemptEnded(TaskHandle task, AttemptOutcome outcome) {
        try {
            if (outcome.kind() == AttemptOutcome.Kind.ABANDONED) {
                pool.abandon(task);
            } else {
                pool.release(task);
            }
        } catch (RuntimeException e) {
            // The host's thread must not see a fault of ours; the device stays reserved, which is the safe side.
            log.error("could not give back the GPUs of task {} attempt {}: {}", task.name(), task.attempt(),
                    e.getMessage());
        }
    }

    private GatePolicy policy(Hints hints) {
        return GatePolicy.of(ID, hints, settings.maxWait().orElse(null));
    }

    /** Why a request cannot be met by this machine at all, as a resource field, its value and the fix. */
    private record Problem(String field, String value, String text) {
    }

    private Optional<Problem> problem(Inventory inventory, Resources res) {
        int count = res.accelerators();
        String type = res.acceleratorType();
        String n = Integer.toString(count);
        String elsewhere = "; or run the process on an executor that assigns GPUs itself (" + String.join(", ",
                settings.schedulerAssigned()) + "), or set the hint gpu/skip: true to run it without a reserved GPU";
        List<Device> all = pool.usable(inventory, null);
        if (all.isEmpty()) {
            return Optional.of(new Problem("accelerators", n, "this machine has no GPU to hand out (" + (
                    inventory.devices().isEmpty() ? "none listed by " + inventory.origin()
                    + (inventory.excluded().isEmpty() ? "" : ", the others excluded in plugins.gpu.exclude")
                    : "all were taken out of this run") + "); remove resources.accelerators" + elsewhere));
        }
        List<Device> ofType = pool.usable(inventory, type);
        if (ofType.isEmpty()) {
            return Optional.of(new Problem("acceleratorType", type, "no GPU of this machine is of that type; it has "
                    + models(all) + "; write a word of the model name (e.g. h100 for NVIDIA H100 80GB HBM3) or "
                    + "remove acceleratorType" + elsewhere));
        }
        if (ofType.size() < count) {
            return Optional.of(new Problem("accelerators", n, "this machine has only " + ofType.size() + " GPU"
                    + (ofType.size() == 1 ? "" : "s") + (type == null || type.isBlank() ? "" : " of type " + type)
                    + " to hand out (" + Inventory.list(ofType) + "); ask for at most " + ofType.size() + elsewhere));
        }
        return Optional.empty();
    }

    private static String models(List<Device> devices) {
        return new Inventory(devices, List.of(), "").models();
    }
}
