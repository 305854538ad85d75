package dev.sluice.plugins.gpu;

import dev.sluice.kit.CommandRunner;
import dev.sluice.spi.Units;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * nvidia-smi, the one tool every NVIDIA driver installs: the machine's device list and, for the health
 * probe, one device's state. Every call goes through a {@link CommandRunner} with a timeout, because
 * nvidia-smi is known to hang when a device or the driver is in trouble, and a hung call must never
 * hang a run.
 */
final class NvidiaSmi implements DeviceSource {
    /** The fields of the device list, in the order the parser reads them. */
    static final String INVENTORY_QUERY = "index,uuid,name,memory.total,pci.bus_id";
    /** The fields of the health probe's reading of one device. */
    static final String HEALTH_QUERY = "uuid,pci.bus_id,ecc.errors.uncorrected.volatile.total";

    /** What nvidia-smi prints (exit code 6) on a machine with a driver but no device. */
    private static final String NO_DEVICES = "No devices were found";

    private final CommandRunner runner;
    private final String program;
    private final Duration timeout;

    NvidiaSmi(CommandRunner runner, String program, Duration timeout) {
        this.runner = runner;
        this.program = program;
        this.timeout = timeout;
    }

    @Override
    public String describe() {
        return program;
    }

    Duration timeout() {
        return timeout;
    }

    @Override
    public List<Device> devices() throws InventoryException, InterruptedException {
        CommandRunner.Result result;
        try {
            result = runner.run(List.of(program, "--query-gpu=" + INVENTORY_QUERY, "--format=csv,noheader,nounits"),
                    timeout);
        } catch (IOException e) {
            throw new InventoryException("cannot run " + program + " to list this machine's GPUs ("
                    + reason(e) + "); install the NVIDIA driver, set plugins.gpu.nvidiaSmi to its path, or list "
                    + "the devices yourself in plugins.gpu.devices");
        }
        if (result.timedOut()) {
            throw new InventoryException(program + " did not list this machine's GPUs within "
                    + Units.formatDuration(timeout) + " (a device or the driver may be hung); check the machine with "
                    + "nvidia-smi, raise plugins.gpu.nvidiaSmiTimeout, or list the devices in plugins.gpu.devices");
        }
        if (result.said().contains(NO_DEVICES)) {
            return List.of();
        }
        if (!result.ok()) {
            throw new InventoryException(program + " failed (exit code " + result.exitCode() + ") listing this "
                    + "machine's GPUs: " + result.said() + "; fix the driver, or list the devices in "
                    + "plugins.gpu.devices");
        }
        return parseInventory(result.stdout());
    }

    /**
     * Reads the device list nvidia-smi prints for {@link #INVENTORY_QUERY}, one device a line:
     * {@code 0, GPU-5e8c..., NVIDIA H100 80GB HBM3, 81559, 00000000:3B:00.0}.
     *
     * @throws InventoryException naming the first line that is not such a line
     */
    List<Device> parseInventory(String stdout) throws InventoryException {
        List<Device> devices = new ArrayList<>();
        List<String> lines = stdout.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            String[] f = line.split("\\s*,\\s*");
            Device device = f.length == 5 ? device(f) : null;
            if (device == null) {
                throw new InventoryException(program + " printed something other than its device list (line "
                        + (i + 1) + ": '" + cut(line) + "', expected index, uuid, name, memory, PCI bus id); "
                        + "check that plugins.gpu.nvidiaSmi is NVIDIA's nvidia-smi, or list the devices in "
                        + "plugins.gpu.devices");
            }
            if (devices.stream().anyMatch(d -> d.index() == device.index() || d.uuid().equals(device.uuid()))) {
                throw new InventoryException(program + " listed a device twice (line " + (i + 1) + ": '"
                        + cut(line) + "'); check the driver, or list the devices in plugins.gpu.devices");
            }
            devices.add(device);
        }
        return List.copyOf(devices);
    }

    /** Runs the health query for one device; the caller reads the answer. */
    CommandRunner.Result readHealth(Device device) throws IOException, InterruptedException {
        return runner.run(List.of(program, "--query-gpu=" + HEALTH_QUERY, "--format=csv,noheader,nounits",
                "-i", device.uuid()), timeout);
    }

    /** Runs the health query for every device, for the run's ECC baseline. */
    CommandRunner.Result readHealthOfAll() throws IOException, InterruptedException {
        return runner.run(List.of(program, "--query-gpu=" + HEALTH_QUERY, "--format=csv,noheader,nounits"),
                timeout);
    }

    private static Device device(String[] f) {
        try {
            int index = Integer.parseInt(f[0]);
            String uuid = f[1];
            if (!uuid.toUpperCase(Locale.ROOT).startsWith("GPU-") || uuid.length() < 8 || f[2].isEmpty()) {
                return null;
            }
            long memory = f[3].startsWith("[") ? 0 : Long.parseLong(f[3]);
            if (PciAddress.normalize(f[4]).isEmpty()) {
                return null;
            }
            return new Device(index, uuid, f[2], memory, f[4]);
        } catch (IllegalArgumentException e) {
            return null; // a field that is not a number: not a device line
        }
    }

    private static String reason(IOException e) {
        String m = e.getMessage() == null ? "" : e.getMessage();
        return m.contains("error=2") || m.contains("No such file") ? "not found" : m.contains("error=13")
                ? "permission denied" : "it could not be started";
    }

    static String cut(String text) {
        return text.length() > 120 ? text.substring(0, 120) + "..." : text;
    }
}
