package dev.sluice.plugins.gpu;

import dev.sluice.kit.CommandRunner;
import dev.sluice.spi.Units;
import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;

/**
 * Looks at one device and says whether it is lost: nvidia-smi must answer for it within its timeout
 * and still list it, must not report it lost or needing a reset, its uncorrectable ECC count must not
 * have grown since the run first saw it, and the kernel log must hold no new fatal XID for its PCI
 * address.
 *
 * <p>What nvidia-smi <em>says</em> (lost, not listed, ECC errors) and a fatal XID count at once. That it
 * gives no answer (it fails without saying the device is lost, or does not answer in time) counts only
 * on the second probe of the device in a row: a driver hiccup must not take a healthy device out of the
 * run for good. The first only logs a warning; a probe that gets an answer starts the count again.
 *
 * <p>The baselines (ECC counts, XID lines already in the log) are taken once per run, when the
 * inventory is loaded and so before any task of the run has used a device; a device whose count could
 * not be read then gets its baseline from its first probe. Thread-safe: probes of different tasks run
 * at once.
 */
final class DeviceHealth {
    /** What nvidia-smi prints about a device that is gone or must be reset; compared ignoring case. */
    static final List<String> FATAL_MARKERS = List.of("GPU is lost", "fallen off the bus",
            "Unable to determine the device handle", "GPU requires reset");

    private final NvidiaSmi nvidiaSmi;
    private final KernelLog kernelLog;
    private final Set<Integer> fatalXids;
    private final Logger log;

    /** Uncorrectable volatile ECC errors per device UUID when the run first read them. */
    private final Map<String, Long> eccBaseline = new ConcurrentHashMap<>();
    /** XID lines already in the kernel log when the run first read it; {@code null} until read once. */
    private volatile Set<String> xidLinesBefore;
    private final AtomicBoolean warnedNoNvidiaSmi = new AtomicBoolean();
    /** Devices, by UUID, whose last probe got no answer from nvidia-smi; the next such probe finds them lost. */
    private final Set<String> unanswered = ConcurrentHashMap.newKeySet();

    DeviceHealth(NvidiaSmi nvidiaSmi, KernelLog kernelLog, Set<Integer> fatalXids, Logger log) {
        this.nvidiaSmi = nvidiaSmi;
        this.kernelLog = kernelLog;
        this.fatalXids = Set.copyOf(fatalXids);
        this.log = log;
    }

    /** Reads the baselines; problems only mean the first probe of each device reads them instead. */
    void takeBaseline() throws InterruptedException {
        try {
            CommandRunner.Result all = nvidiaSmi.readHealthOfAll();
            if (all.ok()) {
                for (String line : all.stdout().lines().toList()) {
                    Reading.parse(line).ifPresent(r -> r.ecc().ifPresent(ecc -> eccBaseline.putIfAbsent(r.uuid(), ecc)));
                }
            }
        } catch (IOException e) {
            // No nvidia-smi (the operator listed the devices): the ECC check is skipped, see check().
        }
        xidLines();
    }

    /** The device's problem, in words naming it; empty when it looks healthy. */
    Optional<String> check(Device device) throws InterruptedException {
        Optional<String> problem = askNvidiaSmi(device);
        return problem.isPresent() ? problem : newFatalXid(device);
    }

    private Optional<String> askNvidiaSmi(Device device) throws InterruptedException {
        CommandRunner.Result result;
        try {
            result = nvidiaSmi.readHealth(device);
        } catch (IOException e) {
            if (warnedNoNvidiaSmi.compareAndSet(false, true)) {
                log.warn("cannot run {} to check the health of the GPUs; only the kernel log's XIDs are checked "
                        + "(set plugins.gpu.healthCheck: false to stop probing)", nvidiaSmi.describe());
            }
            return Optional.empty();
        }
        if (result.timedOut()) {
            String within = " did not answer about it within " + Units.formatDuration(nvidiaSmi.timeout());
            return noAnswer(device, nvidiaSmi.describe() + within, nvidiaSmi.describe() + within
                    + " in two probes in a row, a sign that the device or its driver hangs");
        }
        String said = result.said();
        String lower = said.toLowerCase(Locale.ROOT);
        for (String marker : FATAL_MARKERS) {
            if (lower.contains(marker.toLowerCase(Locale.ROOT))) {
                return Optional.of(device.describe() + " is lost: " + nvidiaSmi.describe() + " says '" + said + "'");
            }
        }
        if (lower.contains("no devices were found")) {
            return Optional.of(device.describe() + " is no longer present: " + nvidiaSmi.describe()
                    + " does not list it");
        }
        if (!result.ok()) {
            String exit = " (exit code " + result.exitCode() + ")" + (said.isEmpty() ? "" : ": " + said);
            return noAnswer(device, nvidiaSmi.describe() + " failed about it" + exit,
                    nvidiaSmi.describe() + " failed about it in two probes in a row" + exit);
        }
        unanswered.remove(device.uuid()); // it answered: a later failure to answer is a first one again
        Optional<Reading> reading = result.stdout().lines().map(Reading::parse).flatMap(Optional::stream)
                .filter(r -> r.uuid().equalsIgnoreCase(device.uuid())).findFirst();
        if (reading.isEmpty()) {
            return Optional.of(device.describe() + " is no longer present: " + nvidiaSmi.describe()
                    + " answered without it ('" + NvidiaSmi.cut(said) + "')");
        }
        Optional<Long> ecc = reading.get().ecc();
        if (ecc.isPresent()) {
            long before = eccBaseline.computeIfAbsent(device.uuid(), uuid -> ecc.get());
            if (ecc.get() > before) {
                return Optional.of(device.describe() + " reports " + ecc.get() + " uncorrectable ECC errors, "
                        + before + " when this run first looked: its memory is failing");
            }
        }
        return Optional.empty();
    }

    /**
     * nvidia-smi gave no answer about {@code device}: it is lost ({@code twice}) when its previous probe got
     * none either; otherwise this one ({@code once}) is only logged.
     */
    private Optional<String> noAnswer(Device device, String once, String twice) {
        if (unanswered.add(device.uuid())) {
            log.warn("{}: {}; it is taken out of the run if its next probe gets no answer either",
                    device.describe(), once);
            return Optional.empty();
        }
        unanswered.remove(device.uuid());
        return Optional.of(device.describe() + ": " + twice);
    }

    private Optional<String> newFatalXid(Device device) throws InterruptedException {
        Optional<String> address = PciAddress.normalize(device.pciBusId());
        if (address.isEmpty() || fatalXids.isEmpty()) {
            return Optional.empty();
        }
        Set<String> before = xidLinesBefore;
        Optional<List<String>> lines = kernelLog.lines();
        if (lines.isEmpty()) {
            return Optional.empty();
        }
        if (before == null) {
            xidLines(lines.get()); // first readable look: this becomes the baseline, nothing is judged
            return Optional.empty();
        }
        for (String line : lines.get()) {
            Optional<XidEvent> xid = XidEvent.parse(line);
            if (xid.isPresent() && xid.get().pciAddress().equals(address.get()) && fatalXids.contains(xid.get().code())
                    && !before.contains(xid.get().line())) {
                return Optional.of(device.describe() + ": the NVIDIA driver reported the fatal XID "
                        + xid.get().code() + " for it ('" + NvidiaSmi.cut(xid.get().line()) + "')");
            }
        }
        return Optional.empty();
    }

    private void xidLines() throws InterruptedException {
        Optional<List<String>> lines = kernelLog.lines();
        if (lines.isPresent()) {
            xidLines(lines.get());
        }
    }

    private synchronized void xidLines(List<String> lines) {
        if (xidLinesBefore == null) {
            Set<String> seen = new HashSet<>();
            for (String line : lines) {
                XidEvent.parse(line).ifPresent(x -> seen.add(x.line()));
            }
            xidLinesBefore = Set.copyOf(seen);
        }
    }

    /**
     * One line of the health query: {@code GPU-5e8c..., 00000000:3B:00.0, 0}; the ECC count is
     * {@code [N/A]} on devices without ECC, which skips that check.
     */
    record Reading(String uuid, String pciBusId, Optional<Long> ecc) {
        static Optional<Reading> parse(String line) {
            String[] f = line.strip().split("\\s*,\\s*");
            if (f.length != 3 || !f[0].toUpperCase(Locale.ROOT).startsWith("GPU-")) {
                return Optional.empty();
            }
            Optional<Long> ecc;
            try {
                ecc = Optional.of(Long.parseLong(f[2]));
            } catch (NumberFormatException e) {
                ecc = Optional.empty();
            }
            return Optional.of(new Reading(f[0], f[1], ecc));
        }
    }
}
