package dev.sluice.kit;

import dev.sluice.spi.InvalidSettingException;
import dev.sluice.spi.Settings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The host paths a pipeline's own mounts may reach into a container, from the operator's
 * {@value #SETTING} (absolute folders): a task's bind of a host path is refused unless the path is one of
 * them or inside one. The operator's own mounts are the operator's choice and are not checked. Paths
 * are compared as they really are, symbolic links followed, so a link inside an allowed folder that
 * points out of it is refused.
 */
public final class HostPathAllowList {
    /** The setting, the same for every plugin that mounts host paths. */
    public static final String SETTING = "allowedHostPaths";

    private final List<Path> allowed;

    private HostPathAllowList(List<Path> allowed) {
        this.allowed = List.copyOf(allowed);
    }

    /**
     * Reads {@value #SETTING} (a YAML list or comma-separated); unset: no host path may be mounted by a
     * task.
     *
     * @throws InvalidSettingException for a path that is not absolute
     */
    public static HostPathAllowList from(Settings settings) {
        List<Path> paths = new ArrayList<>();
        for (String item : settings.list(SETTING)) {
            String path = item.trim();
            if (!path.startsWith("/")) {
                throw settings.invalid(SETTING, item, "'" + path + "' is not an absolute path; list the folders"
                        + " tasks may mount, e.g. [/data/refs, /scratch]");
            }
            Path real = real(Path.of(path).normalize());
            paths.add(real == null ? Path.of(path).normalize() : real);
        }
        return new HostPathAllowList(paths);
    }

    /**
     * Why a task may not mount {@code source}, or {@code null} when it may.
     *
     * @param setting where the operator's list is, e.g. {@code plugins.docker.allowedHostPaths}
     */
    public String refusal(Path source, String setting) {
        Path real = real(source.toAbsolutePath().normalize());
        if (real == null) {
            return source + " is a symbolic link that leads nowhere (or cannot be followed); mount what it should"
                    + " lead to";
        }
        for (Path root : allowed) {
            if (real.startsWith(root)) {
                return null;
            }
        }
        String was = real.equals(source.normalize()) ? "" : " (really " + real + ")";
        return source + was + " is not among the host paths the operator lets tasks mount (" + setting + ": "
                + (allowed.isEmpty() ? "none" : String.join(", ", allowed.stream().map(Path::toString).toList()))
                + "); ask the operator to add it or a folder above it, or have the operator mount it for every"
                + " task";
    }

    /**
     * The path with symbolic links followed, as far as it exists; {@code null} when a link in it leads
     * nowhere, since where it will lead when mounted cannot be told.
     */
    private static Path real(Path path) {
        Path existing = path;
        Path rest = null;
        while (existing != null && !Files.exists(existing, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            rest = rest == null ? existing.getFileName() : existing.getFileName().resolve(rest);
            existing = existing.getParent();
        }
        if (existing == null) {
            return path;
        }
        try {
            Path real = existing.toRealPath();
            return rest == null ? real : real.resolve(rest).normalize();
        } catch (IOException e) {
            return null;
        }
    }
}
