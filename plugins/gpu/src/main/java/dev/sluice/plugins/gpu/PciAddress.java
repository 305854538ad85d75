package dev.sluice.plugins.gpu;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PCI addresses spelt the two ways that matter here, reduced to one form so they can be compared:
 * nvidia-smi writes {@code 00000000:3B:00.0}, the driver's kernel messages {@code 0000:3b:00}.
 */
final class PciAddress {
    private static final Pattern ADDRESS = Pattern.compile(
            "(?:PCI:)?([0-9a-fA-F]{1,8}):([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2})(?:\\.[0-9a-fA-F])?");

    private PciAddress() {
    }

    /** {@code domain:bus:device} in lower-case hex, 4, 2 and 2 digits (the function is dropped); empty when not one. */
    static Optional<String> normalize(String text) {
        if (text == null) {
            return Optional.empty();
        }
        Matcher m = ADDRESS.matcher(text.strip());
        if (!m.matches()) {
            return Optional.empty();
        }
        return Optional.of(String.format(Locale.ROOT, "%04x:%02x:%02x", Long.parseLong(m.group(1), 16),
                Integer.parseInt(m.group(2), 16), Integer.parseInt(m.group(3), 16)));
    }
}
