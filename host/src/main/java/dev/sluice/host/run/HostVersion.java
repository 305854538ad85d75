package dev.sluice.host.run;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The host's version, and the version it announces to plugins (PF4J's system version). */
public final class HostVersion {
    private static final Properties PROPS = load();

    private HostVersion() {
    }

    /** The build's version, e.g. {@code 0.1.0-SNAPSHOT}. */
    public static String version() {
        return PROPS.getProperty("version", "unknown");
    }

    /** The version plugins' {@code plugin.requires} is checked against, e.g. {@code 0.1.0}. */
    public static String systemVersion() {
        return PROPS.getProperty("system.version", "0.0.0");
    }

    private static Properties load() {
        Properties p = new Properties();
        try (InputStream in = HostVersion.class.getResourceAsStream("/dev/sluice/host/version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // Only the version string is lost.
        }
        return p;
    }
}
