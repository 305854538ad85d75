package dev.sluice.plugins.gpu;

import dev.sluice.spi.InvalidSettingException;
import dev.sluice.spi.Settings;
import dev.sluice.spi.Units;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The operator's {@code plugins: gpu:} section, read and checked once.
 *
 * @param devices           the operator's own list of devices ({@code index|uuid|name[|pci bus id]} each);
 *                          empty: ask nvidia-smi
 * @param exclude           indexes or UUIDs never handed out
 * @param nvidiaSmi         the nvidia-smi program, a name on the PATH or a path
 * @param nvidiaSmiTimeout  how long one nvidia-smi call may take
 * @param visibleDevices    how {@code CUDA_VISIBLE_DEVICES} names the devices
 * @param schedulerAssigned executors that hand out GPUs themselves; their tasks reserve nothing here
 * @param maxWait           how long a task may wait for devices unless its {@code gpu/maxWait} says; empty: forever
 * @param healthCheck       whether tasks holding devices are probed
 * @param healthPeriod      how often
 * @param kernelLog         the command that prints the kernel log for the XID check; empty: no XID check
 * @param fatalXids         the XIDs that take a device out of the run
 */
record GpuSettings(List<String> devices, List<String> exclude, String nvidiaSmi, Duration nvidiaSmiTimeout,
        VisibleDevices visibleDevices, Set<String> schedulerAssigned, Optional<Duration> maxWait, boolean healthCheck,
        Duration healthPeriod, List<String> kernelLog, Set<Integer> fatalXids) {

    /** How the wrapper writes the devices it hands a task. */
    enum VisibleDevices {
        /** {@code GPU-5e8c...}: stable, and right inside a container that sees only its own devices. */
        UUID,
        /** nvidia-smi's index, in PCI bus order (the wrapper sets {@code CUDA_DEVICE_ORDER=PCI_BUS_ID}). */
        INDEX
    }

    static final String DEVICES = "devices";
    static final String EXCLUDE = "exclude";
    static final String NVIDIA_SMI = "nvidiaSmi";
    static final String NVIDIA_SMI_TIMEOUT = "nvidiaSmiTimeout";
    static final String VISIBLE_DEVICES = "visibleDevices";
    static final String SCHEDULER_ASSIGNED = "schedulerAssigned";
    static final String MAX_WAIT = "maxWait";
    static final String HEALTH_CHECK = "healthCheck";
    static final String HEALTH_PERIOD = "healthPeriod";
    static final String KERNEL_LOG = "kernelLog";
    static final String FATAL_XIDS = "fatalXids";

    static final Set<String> KEYS = new TreeSet<>(List.of(DEVICES, EXCLUDE, NVIDIA_SMI, NVIDIA_SMI_TIMEOUT,
            VISIBLE_DEVICES, SCHEDULER_ASSIGNED, MAX_WAIT, HEALTH_CHECK, HEALTH_PERIOD, KERNEL_LOG, FATAL_XIDS));

    static final Duration DEFAULT_NVIDIA_SMI_TIMEOUT = Duration.ofSeconds(10);
    static final Duration DEFAULT_HEALTH_PERIOD = Duration.ofSeconds(30);
    static final List<String> DEFAULT_KERNEL_LOG = List.of("dmesg");
    static final Set<String> DEFAULT_SCHEDULER_ASSIGNED = Set.of("slurm");

    /** The defaults: what an empty section means. */
    static GpuSettings defaults() {
        return from(Settings.of(java.util.Map.of(), "defaults"));
    }

    /** @throws InvalidSettingException naming the key, the value and the fix */
    static GpuSettings from(Settings config) {
        for (String key : config.keys()) {
            if (!KEYS.contains(key)) {
                throw config.invalid(key, config.string(key, ""), "not a setting of the gpu plugin; it knows "
                        + String.join(", ", KEYS));
            }
        }
        Duration timeout = atLeast(config, NVIDIA_SMI_TIMEOUT, DEFAULT_NVIDIA_SMI_TIMEOUT, Duration.ofMillis(1));
        Duration period = atLeast(config, HEALTH_PERIOD, DEFAULT_HEALTH_PERIOD, Duration.ofSeconds(1));
        Optional<Duration> maxWait = config.duration(MAX_WAIT);
        if (maxWait.isPresent() && maxWait.get().isNegative()) {
            throw config.invalid(MAX_WAIT, config.string(MAX_WAIT, ""), "must not be negative; write e.g. 30m");
        }
        VisibleDevices visible = switch (config.string(VISIBLE_DEVICES, "uuid").strip().toLowerCase(Locale.ROOT)) {
            case "uuid" -> VisibleDevices.UUID;
            case "index" -> VisibleDevices.INDEX;
            default -> throw config.invalid(VISIBLE_DEVICES, config.string(VISIBLE_DEVICES, ""),
                    "write uuid (CUDA_VISIBLE_DEVICES=GPU-5e8c...) or index (CUDA_VISIBLE_DEVICES=0,1)");
        };
        String nvidiaSmi = config.string(NVIDIA_SMI, "nvidia-smi").strip();
        if (nvidiaSmi.isEmpty()) {
            throw config.invalid(NVIDIA_SMI, "", "write the program's name or path, e.g. /usr/bin/nvidia-smi");
        }
        Set<String> scheduled = config.isSet(SCHEDULER_ASSIGNED)
                ? new LinkedHashSet<>(config.list(SCHEDULER_ASSIGNED)) : DEFAULT_SCHEDULER_ASSIGNED;
        return new GpuSettings(config.list(DEVICES), config.list(EXCLUDE), nvidiaSmi, timeout, visible,
                Set.copyOf(scheduled), maxWait, config.bool(HEALTH_CHECK, true), period, kernelLog(config),
                fatalXids(config));
    }

    /** Whether tasks of {@code executor} get their GPUs from their scheduler rather than from this machine. */
    boolean assignsItself(String executor) {
        return schedulerAssigned.contains(executor);
    }

    private static List<String> kernelLog(Settings config) {
        if (!config.isSet(KERNEL_LOG)) {
            return DEFAULT_KERNEL_LOG;
        }
        // Each item may be a whole command line ("journalctl -k") or one word of a YAML list.
        List<String> argv = new ArrayList<>();
        for (String item : config.list(KERNEL_LOG)) {
            argv.addAll(Arrays.stream(item.split("\\s+")).filter(w -> !w.isEmpty()).toList());
        }
        if (argv.size() == 1 && (argv.get(0).equalsIgnoreCase("off") || argv.get(0).equalsIgnoreCase("none"))) {
            return List.of();
        }
        if (argv.isEmpty()) {
            throw config.invalid(KERNEL_LOG, config.string(KERNEL_LOG, ""),
                    "write a command that prints the kernel log (dmesg, or journalctl -k), or off");
        }
        return List.copyOf(argv);
    }

    private static Set<Integer> fatalXids(Settings config) {
        if (!config.isSet(FATAL_XIDS)) {
            return XidEvent.DEFAULT_FATAL;
        }
        Set<Integer> codes = new TreeSet<>();
        for (String item : config.list(FATAL_XIDS)) {
            try {
                codes.add(Integer.parseInt(item));
            } catch (NumberFormatException e) {
                throw config.invalid(FATAL_XIDS, config.string(FATAL_XIDS, ""), "'" + item
                        + "' is not an XID number; write a list of numbers, e.g. [48, 79, 95]");
            }
        }
        return Set.copyOf(codes);
    }

    private static Duration atLeast(Settings config, String key, Duration defaultValue, Duration least) {
        Duration d = config.duration(key, defaultValue);
        if (d.compareTo(least) < 0) {
            throw config.invalid(key, config.string(key, ""), "must be at least " + Units.formatDuration(least)
                    + "; write e.g. " + Units.formatDuration(defaultValue));
        }
        return d;
    }
}
