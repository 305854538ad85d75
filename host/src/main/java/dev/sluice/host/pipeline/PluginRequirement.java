package dev.sluice.host.pipeline;

import dev.sluice.yaml.Location;

import java.util.Objects;

/**
 * A plugin a pipeline enables.
 *
 * @param id       the PF4J plugin id, e.g. {@code files}
 * @param version  a PF4J version constraint such as {@code >=0.1.0}, or {@code null} for any version
 * @param location where the pipeline names the plugin
 * @param sha256   the SHA-256 of the plugin's zip the pipeline pins, in hex, or {@code null}
 */
public record PluginRequirement(String id, String version, Location location, String sha256) {
    public PluginRequirement {
        Objects.requireNonNull(id, "id");
    }

    /** A requirement without a pinned digest. */
    public PluginRequirement(String id, String version, Location location) {
        this(id, version, location, null);
    }
}
