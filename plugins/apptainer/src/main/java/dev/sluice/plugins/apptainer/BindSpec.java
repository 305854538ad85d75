package dev.sluice.plugins.apptainer;

import dev.sluice.spi.InvalidSettingException;
import dev.sluice.spi.Settings;
import java.nio.file.Path;
import java.util.List;

/**
 * One extra bind mount, as {@code apptainer exec --bind} takes it: {@code src[:dest[:ro|rw]]}, both
 * absolute; without {@code dest} the path is the same inside.
 *
 * @param source   the path on the machine that runs the task
 * @param target   the path inside the container
 * @param readOnly whether the container may only read it
 */
record BindSpec(Path source, Path target, boolean readOnly) {

    /** As {@code --bind} takes it. */
    String spec() {
        String s = source.equals(target) ? source.toString() : source + ":" + target;
        return readOnly ? (source.equals(target) ? s + ":" + target + ":ro" : s + ":ro") : s;
    }

    /**
     * Reads the binds of a list setting or hint (a YAML list or comma-separated).
     *
     * @throws InvalidSettingException naming the key and the fix
     */
    static List<BindSpec> parseAll(Settings settings, String key) {
        return settings.list(key).stream().map(item -> parse(settings, key, item)).toList();
    }

    static BindSpec parse(Settings settings, String key, String text) {
        String[] parts = text.trim().split(":", -1);
        String fix = "write /host/path, /host/path:/container/path or /host/path:/container/path:ro";
        if (parts.length > 3 || parts[0].isEmpty()) {
            throw settings.invalid(key, text, fix);
        }
        Path source = absolute(settings, key, text, parts[0], fix);
        Path target = parts.length >= 2 ? absolute(settings, key, text, parts[1], fix) : source;
        boolean readOnly = false;
        if (parts.length == 3) {
            switch (parts[2]) {
                case "ro" -> readOnly = true;
                case "rw" -> readOnly = false;
                default -> throw settings.invalid(key, text, "the mode after the second ':' is ro or rw; " + fix);
            }
        }
        return new BindSpec(source, target, readOnly);
    }

    private static Path absolute(Settings settings, String key, String text, String path, String fix) {
        if (!path.startsWith("/")) {
            throw settings.invalid(key, text, "'" + path + "' is not an absolute path; " + fix);
        }
        return Path.of(path).normalize();
    }
}
