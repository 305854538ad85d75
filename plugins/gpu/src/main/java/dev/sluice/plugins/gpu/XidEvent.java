package dev.sluice.plugins.gpu;

import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One XID error the NVIDIA driver wrote to the kernel log, e.g.
 * {@code NVRM: Xid (PCI:0000:3b:00): 79, pid=1234, name=python, GPU has fallen off the bus.}
 *
 * @param pciAddress the device's address as {@link PciAddress#normalize} writes it
 * @param code       the XID number
 * @param line       the whole log line, which also identifies the event (it carries the kernel's timestamp)
 */
record XidEvent(String pciAddress, int code, String line) {

    /**
     * The XIDs after which a device is not used again in this run, unless the operator's
     * {@code fatalXids} says otherwise. From NVIDIA's XID catalogue, the ones whose remedy is a GPU
     * reset, a node reboot or a hardware check rather than restarting the application:
     * 48 double-bit ECC error; 62 internal micro-controller halt; 63 ECC page retirement or row
     * remapping event; 64 ECC page retirement or row remapping failure; 74 NVLink error; 79 GPU has
     * fallen off the bus; 92 high single-bit ECC error rate; 94 contained ECC error; 95 uncontained
     * ECC error; 119 GSP RPC timeout; 120 GSP error.
     */
    static final Set<Integer> DEFAULT_FATAL = Set.of(48, 62, 63, 64, 74, 79, 92, 94, 95, 119, 120);

    private static final Pattern XID = Pattern.compile(
            "NVRM: Xid \\((?:PCI:)?([0-9a-fA-F]{1,8}:[0-9a-fA-F]{1,2}:[0-9a-fA-F]{1,2}(?:\\.[0-9a-fA-F])?)\\): (\\d+)");

    /** The XID event on {@code line}, if it is one. */
    static Optional<XidEvent> parse(String line) {
        Matcher m = XID.matcher(line);
        if (!m.find()) {
            return Optional.empty();
        }
        Optional<String> address = PciAddress.normalize(m.group(1));
        if (address.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new XidEvent(address.get(), Integer.parseInt(m.group(2)), line.strip()));
        } catch (NumberFormatException e) {
            return Optional.empty(); // a number too long for an int is no XID
        }
    }
}
