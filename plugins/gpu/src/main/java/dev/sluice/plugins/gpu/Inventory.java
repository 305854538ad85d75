package dev.sluice.plugins.gpu;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The devices this run may hand out: what the {@link DeviceSource} lists, narrowed to the
 * {@code CUDA_VISIBLE_DEVICES} sluice itself was started with (when it was) and without the
 * operator's {@code exclude}, in index order.
 *
 * @param devices  the devices to hand out
 * @param excluded the devices the operator excluded
 * @param origin   where the list came from, for messages ({@code nvidia-smi}, {@code plugins.gpu.devices}),
 *                 with the narrowing applied
 */
record Inventory(List<Device> devices, List<Device> excluded, String origin) {
    /** The variable through which sluice itself may have been given a subset of the machine's devices. */
    static final String CUDA_VISIBLE_DEVICES = "CUDA_VISIBLE_DEVICES";

    Inventory {
        devices = List.copyOf(devices);
        excluded = List.copyOf(excluded);
    }

    /**
     * Lists the devices and applies {@code CUDA_VISIBLE_DEVICES} and {@code exclude}.
     *
     * @throws InventoryException when the source fails, or a variable or {@code exclude} entry names no
     *                            device of the list
     */
    static Inventory load(DeviceSource source, List<String> exclude, HostEnvironment env)
            throws InventoryException, InterruptedException {
        List<Device> all = source.devices().stream().sorted(Comparator.comparingInt(Device::index)).toList();
        String origin = source.describe();
        List<Device> visible = all;
        Optional<String> given = env.get(CUDA_VISIBLE_DEVICES);
        if (given.isPresent()) {
            visible = restrict(all, given.get(), source);
            origin += ", narrowed to " + CUDA_VISIBLE_DEVICES + "=" + given.get().strip();
        }
        List<Device> excluded = new ArrayList<>();
        for (String entry : exclude) {
            List<Device> named = all.stream().filter(d -> d.isNamedBy(entry)).toList();
            if (named.size() != 1) {
                throw new InventoryException("plugins.gpu.exclude: '" + entry + "' " + (named.isEmpty()
                        ? "names no GPU of this machine" : "names more than one GPU") + "; the GPUs are "
                        + list(all) + " (from " + source.describe() + "); write an index or a whole UUID");
            }
            excluded.add(named.get(0));
        }
        List<Device> usable = visible.stream().filter(d -> !excluded.contains(d)).toList();
        return new Inventory(usable, excluded.stream().distinct().toList(), origin);
    }

    private static List<Device> restrict(List<Device> all, String value, DeviceSource source)
            throws InventoryException {
        String v = value.strip();
        // CUDA's own spellings of "no device": empty, or an index that cannot exist.
        if (v.isEmpty() || v.equals("-1") || v.equalsIgnoreCase("none") || v.equalsIgnoreCase("NoDevFiles")) {
            return List.of();
        }
        List<Device> visible = new ArrayList<>();
        for (String entry : Arrays.stream(v.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList()) {
            List<Device> named = all.stream().filter(d -> d.isNamedBy(entry)).toList();
            if (named.size() != 1) {
                throw new InventoryException("sluice was started with " + CUDA_VISIBLE_DEVICES + "=" + v
                        + ", whose entry '" + entry + "' " + (named.isEmpty() ? "names no GPU" : "names more than "
                        + "one GPU") + " of this machine; the GPUs are " + list(all) + " (from " + source.describe()
                        + "); fix or unset the variable (MIG devices are not supported)");
            }
            if (!visible.contains(named.get(0))) {
                visible.add(named.get(0));
            }
        }
        return visible.stream().sorted(Comparator.comparingInt(Device::index)).toList();
    }

    /** The usable device {@code uuid} names, if any. */
    Optional<Device> byUuid(String uuid) {
        return devices.stream().filter(d -> d.uuid().equals(uuid)).findFirst();
    }

    /** The usable devices of {@code type} (every device when the type is blank). */
    List<Device> ofType(String type) {
        return devices.stream().filter(d -> ModelMatch.matches(type, d.name())).toList();
    }

    /** The distinct model names, for messages: {@code NVIDIA H100 80GB HBM3 (2), NVIDIA A100 (1)}. */
    String models() {
        return devices.stream().collect(Collectors.groupingBy(Device::name, java.util.TreeMap::new,
                Collectors.counting())).entrySet().stream().map(e -> e.getKey() + " (" + e.getValue() + ")")
                .collect(Collectors.joining(", "));
    }

    static String list(List<Device> devices) {
        return devices.isEmpty() ? "none" : devices.stream().map(Device::describe).collect(Collectors.joining(", "));
    }
}
