package dev.sluice.host.plugins;

import dev.sluice.spi.InvalidSettingException;

/**
 * A plugin refused the operator's settings for it ({@code plugins.<id>} of the config): bad input, not a
 * broken plugin, so the host names the config's line.
 */
public final class PluginSettingsException extends PluginLoadException {
    private static final long serialVersionUID = 1L;
    private final String pluginId;
    private final String key;

    PluginSettingsException(String pluginId, InvalidSettingException refused) {
        super(refused.getMessage(), refused);
        this.pluginId = pluginId;
        this.key = refused.key();
    }

    public String pluginId() {
        return pluginId;
    }

    /** The setting refused, e.g. {@code pollInterval}; may name no key of the section when the plugin says so. */
    public String key() {
        return key;
    }
}
