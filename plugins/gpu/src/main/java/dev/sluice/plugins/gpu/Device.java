package dev.sluice.plugins.gpu;

import java.util.Objects;

/**
 * One GPU of this machine as the inventory lists it.
 *
 * @param index     nvidia-smi's index: the device's place in PCI bus order, the same whatever
 *                  {@code CUDA_VISIBLE_DEVICES} the host was started with
 * @param uuid      the device's UUID, e.g. {@code GPU-5e8c2f4a-...}; stable across reboots and renumbering
 * @param name      the model name, e.g. {@code NVIDIA H100 80GB HBM3}
 * @param memoryMiB total memory in MiB, or 0 when not known
 * @param pciBusId  the PCI bus id nvidia-smi reports, e.g. {@code 00000000:3B:00.0}, or empty when not known
 *                  (it links the device to kernel-log XID messages)
 */
record Device(int index, String uuid, String name, long memoryMiB, String pciBusId) {

    Device {
        Objects.requireNonNull(uuid, "uuid");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(pciBusId, "pciBusId");
        if (index < 0) {
            throw new IllegalArgumentException("a GPU index is not negative, got " + index);
        }
        if (uuid.isBlank()) {
            throw new IllegalArgumentException("a GPU needs a UUID");
        }
    }

    /** How messages name the device: {@code GPU 1 (GPU-5e8c..., NVIDIA H100 80GB HBM3)}. */
    String describe() {
        return "GPU " + index + " (" + uuid + (name.isBlank() ? "" : ", " + name) + ")";
    }

    /** Whether {@code id} names this device: its index, or its UUID or a unique-looking prefix of it. */
    boolean isNamedBy(String id) {
        String s = id.strip();
        if (s.isEmpty()) {
            return false;
        }
        if (s.chars().allMatch(Character::isDigit)) {
            return Integer.parseInt(s) == index;
        }
        // CUDA accepts a UUID prefix in CUDA_VISIBLE_DEVICES; the same spelling works here.
        return uuid.regionMatches(true, 0, s, 0, s.length());
    }
}
