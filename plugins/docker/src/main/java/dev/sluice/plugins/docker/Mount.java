package dev.sluice.plugins.docker;

import dev.sluice.spi.InvalidSettingException;
import dev.sluice.spi.Settings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A bind mount, written {@code /host/path:/container/path[:ro|:rw]} or {@code /path[:ro]} for the same path
 * on both sides.
 */
record Mount(Path source, Path target, boolean readOnly) {

    static List<Mount> parseAll(Settings settings, String key, List<String> specs) {
        List<Mount> mounts = new ArrayList<>();
        for (String spec : specs) {
            mounts.add(parse(settings, key, spec));
        }
        return List.copyOf(mounts);
    }

    /** @throws InvalidSettingException naming {@code key} and the fix */
    static Mount parse(Settings settings, String key, String spec) {
        String[] parts = spec.trim().split(":", -1);
        boolean readOnly = false;
        int n = parts.length;
        if (n >= 2 && (parts[n - 1].equals("ro") || parts[n - 1].equals("rw"))) {
            readOnly = parts[n - 1].equals("ro");
            n--;
        }
        if (n < 1 || n > 2 || parts[0].isEmpty() || parts[n - 1].isEmpty()) {
            throw settings.invalid(key, spec, "write /host/path:/container/path, optionally with :ro, e.g. "
                    + "/data/refs:/refs:ro");
        }
        Path source = Path.of(parts[0]);
        Path target = Path.of(parts[n - 1]);
        if (!source.isAbsolute() || !target.isAbsolute()) {
            throw settings.invalid(key, spec, "both paths of a mount must be absolute, e.g. /data/refs:/refs:ro");
        }
        return new Mount(source.normalize(), target.normalize(), readOnly);
    }

    /** Why the engine would refuse the mount, checked on this machine, or empty. */
    Optional<String> problemOnThisMachine() {
        if (!Files.exists(source)) {
            return Optional.of("mount " + this + ": " + source + " does not exist on this machine");
        }
        return Optional.empty();
    }

    /** The docker-java form, {@code source:target[:ro]}. */
    String bind() {
        return source + ":" + target + (readOnly ? ":ro" : "");
    }

    @Override
    public String toString() {
        return bind();
    }
}
