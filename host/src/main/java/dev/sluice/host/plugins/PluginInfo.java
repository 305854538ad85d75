package dev.sluice.host.plugins;

import java.nio.file.Path;

/**
 * A plugin found in the plugins directory, for {@code sluice plugins list} and error messages.
 *
 * @param state   PF4J's state: RESOLVED (loadable), STARTED, DISABLED (e.g. needs another host
 *                version), FAILED
 * @param problem why it cannot be used, or {@code null}
 */
public record PluginInfo(String id, String version, String requires, String description, Path path,
        String state, String problem) {
}
