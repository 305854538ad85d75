package dev.sluice.plugins.gpu;

import java.util.List;

/**
 * Where the list of this machine's GPUs comes from: nvidia-smi ({@link NvidiaSmi}), the operator's
 * config ({@link ConfiguredDevices}), or in tests a list written out by hand.
 */
@FunctionalInterface
interface DeviceSource {

    /**
     * Every device this source knows, before {@code CUDA_VISIBLE_DEVICES} and the operator's
     * {@code exclude} are applied; empty when the machine has none.
     *
     * @throws InventoryException when the list cannot be had; the message says why and what to do
     */
    List<Device> devices() throws InventoryException, InterruptedException;

    /** Where the devices come from, for messages, e.g. {@code nvidia-smi}. */
    default String describe() {
        return "the device list";
    }
}
