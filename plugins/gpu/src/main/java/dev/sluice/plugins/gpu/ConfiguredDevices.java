package dev.sluice.plugins.gpu;

import java.util.ArrayList;
import java.util.List;

/**
 * The operator's own device list, {@code plugins: gpu: devices:}, for machines where nvidia-smi
 * cannot be run by sluice or should not be trusted. One item per device,
 * {@code <index>|<uuid>|<name>[|<pci bus id>]}, e.g. {@code 0|GPU-5e8c...|NVIDIA H100 80GB HBM3|00000000:3B:00.0}.
 * Fields are separated by {@code |} because a one-item list may be written on one line, where commas
 * separate items. Without the PCI bus id the XID check cannot tell the device's messages apart and
 * skips it.
 */
final class ConfiguredDevices implements DeviceSource {
    private final List<String> items;

    ConfiguredDevices(List<String> items) {
        this.items = List.copyOf(items);
    }

    @Override
    public String describe() {
        return "plugins.gpu.devices";
    }

    @Override
    public List<Device> devices() throws InventoryException {
        List<Device> devices = new ArrayList<>();
        for (String item : items) {
            String[] f = item.split("\\s*\\|\\s*", -1);
            Device device = f.length == 3 || f.length == 4 ? device(f) : null;
            if (device == null) {
                throw new InventoryException("plugins.gpu.devices: '" + NvidiaSmi.cut(item) + "' is not a device; "
                        + "write index|uuid|name, optionally |pci bus id, e.g. "
                        + "'0|GPU-5e8c2f4a-0000-0000-0000-000000000000|NVIDIA H100 80GB HBM3|00000000:3B:00.0' "
                        + "(nvidia-smi --query-gpu=index,uuid,name,pci.bus_id --format=csv,noheader prints them)");
            }
            if (devices.stream().anyMatch(d -> d.index() == device.index() || d.uuid().equals(device.uuid()))) {
                throw new InventoryException("plugins.gpu.devices lists index " + device.index() + " or UUID "
                        + device.uuid() + " twice; list each device once");
            }
            devices.add(device);
        }
        return List.copyOf(devices);
    }

    private static Device device(String[] f) {
        try {
            String bus = f.length == 4 ? f[3].strip() : "";
            if (!bus.isEmpty() && PciAddress.normalize(bus).isEmpty()) {
                return null;
            }
            if (!f[1].strip().toUpperCase(java.util.Locale.ROOT).startsWith("GPU-") || f[2].isBlank()) {
                return null;
            }
            return new Device(Integer.parseInt(f[0].strip()), f[1].strip(), f[2].strip(), 0, bus);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
