package dev.sluice.plugins.docker;

import dev.sluice.kit.HostPathAllowList;
import dev.sluice.spi.InvalidSettingException;
import dev.sluice.spi.Settings;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * The operator's settings of the plugin, from the config section {@code plugins: docker: {...}}.
 *
 * @param host          the engine's address, e.g. {@code unix:///var/run/docker.sock}
 * @param pull          when images are pulled
 * @param allowedImages the images tasks may use (names, globs and pinned digests); empty: any image
 * @param network       the containers' network mode ({@code bridge}, {@code none}, {@code host}, a network name)
 * @param user          the user tasks run as inside containers ({@code uid:gid}), or {@code null} for the image's
 * @param mounts        extra bind mounts of every container
 * @param keepAlive     what a session container runs while it waits for tasks
 * @param isolation     the isolation of tasks that do not choose one with {@code docker/isolation}
 * @param monitorPeriod how often a running task's container is checked
 * @param daemonOutage  how long the engine may not answer before the tasks that need it fail
 * @param allowedHostPaths the host folders a task's own {@code docker/mounts} may reach
 */
record DockerSettings(String host, PullPolicy pull, ImageRules allowedImages, String network, String user,
        List<Mount> mounts, List<String> keepAlive, Isolation isolation, Duration monitorPeriod,
        Duration daemonOutage, HostPathAllowList allowedHostPaths) {

    static final String HOST = "host";
    static final String PULL = "pull";
    static final String ALLOWED_IMAGES = "allowedImages";
    static final String NETWORK = "network";
    static final String USER = "user";
    static final String MOUNTS = "mounts";
    static final String KEEP_ALIVE = "keepAlive";
    static final String ISOLATION = "isolation";
    static final String MONITOR_PERIOD = "monitorPeriod";
    static final String DAEMON_OUTAGE = "daemonOutage";
    /** Gate settings read by {@code GatePolicy}, allowed here too. */
    static final String MAX_WAIT = "maxWait";
    private static final Set<String> KEYS = new TreeSet<>(List.of(HOST, PULL, ALLOWED_IMAGES, NETWORK, USER, MOUNTS,
            KEEP_ALIVE, ISOLATION, MONITOR_PERIOD, DAEMON_OUTAGE, MAX_WAIT, HostPathAllowList.SETTING));

    /** {@value} for {@link #user}: run as the image's own user. */
    static final String IMAGE_USER = "image";
    static final String DEFAULT_HOST = "unix:///var/run/docker.sock";
    static final Duration DEFAULT_MONITOR_PERIOD = Duration.ofSeconds(5);
    /** Long enough for a daemon restart (a few seconds, more with many containers), short enough to notice one that died. */
    static final Duration DEFAULT_DAEMON_OUTAGE = Duration.ofMinutes(1);

    /** When images are pulled. */
    enum PullPolicy {
        /** Pull an image that is not on the machine. */
        MISSING,
        /** Pull every image once per run, to pick up a moved tag. */
        ALWAYS,
        /** Never pull: a missing image fails its tasks. */
        NEVER
    }

    /** How tasks share containers. */
    enum Isolation {
        /** Tasks of the same image and mounts run by {@code exec} in one container per run. */
        SESSION,
        /** Every task runs in a container of its own. */
        TASK;

        static Isolation parse(Settings settings, String key, String value) {
            return switch (value.trim().toLowerCase(Locale.ROOT)) {
                case "session" -> SESSION;
                case "task" -> TASK;
                default -> throw settings.invalid(key, value, "write session (tasks share a container, the default)"
                        + " or task (a container per task)");
            };
        }

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * Reads and checks the settings.
     *
     * @throws InvalidSettingException naming the key and the fix
     */
    static DockerSettings from(Settings config) {
        for (String key : config.keys()) {
            if (!KEYS.contains(key)) {
                throw new InvalidSettingException(key, config.origin() + ": unknown setting '" + key
                        + "'; the docker plugin knows " + String.join(", ", KEYS));
            }
        }
        String host = config.string(HOST).orElseGet(() -> {
            String env = System.getenv("DOCKER_HOST");
            return env == null || env.isBlank() ? DEFAULT_HOST : env;
        });
        if (!host.startsWith("unix://") && !host.startsWith("tcp://")) {
            throw config.invalid(HOST, host, "write unix:///path/to/docker.sock or tcp://127.0.0.1:2375");
        }
        PullPolicy pull = switch (config.string(PULL, "missing").trim().toLowerCase(Locale.ROOT)) {
            case "missing" -> PullPolicy.MISSING;
            case "always" -> PullPolicy.ALWAYS;
            case "never" -> PullPolicy.NEVER;
            default -> throw config.invalid(PULL, config.string(PULL, ""),
                    "write missing (pull images not on the machine), always or never");
        };
        ImageRules allowed = ImageRules.from(config, ALLOWED_IMAGES);
        String network = config.string(NETWORK, "bridge").trim();
        if (network.isEmpty()) {
            throw config.invalid(NETWORK, network, "write bridge, none, host or the name of a network");
        }
        String user = config.string(USER).map(String::trim).orElseGet(DockerSettings::currentUser);
        if (user.equals(IMAGE_USER)) {
            user = null;
        } else if (user.isEmpty() || user.contains(" ")) {
            throw config.invalid(USER, user, "write uid:gid (e.g. 1000:1000), a user name, or image for the image's user");
        }
        List<Mount> mounts = Mount.parseAll(config, MOUNTS, config.list(MOUNTS));
        List<String> keepAlive = config.list(KEEP_ALIVE);
        if (keepAlive.isEmpty()) {
            keepAlive = List.of("sleep", "infinity");
        }
        Isolation isolation = config.string(ISOLATION).map(v -> Isolation.parse(config, ISOLATION, v))
                .orElse(Isolation.SESSION);
        Duration period = config.duration(MONITOR_PERIOD, DEFAULT_MONITOR_PERIOD);
        if (period.compareTo(Duration.ofSeconds(1)) < 0) {
            throw config.invalid(MONITOR_PERIOD, config.string(MONITOR_PERIOD, ""), "write 1s or more");
        }
        Duration outage = config.duration(DAEMON_OUTAGE, DEFAULT_DAEMON_OUTAGE);
        if (outage.isNegative()) {
            throw config.invalid(DAEMON_OUTAGE, config.string(DAEMON_OUTAGE, ""), "write 0s or more, e.g. 1m");
        }
        return new DockerSettings(host, pull, allowed, network, user, mounts, keepAlive, isolation, period, outage,
                HostPathAllowList.from(config));
    }

    /** The uid:gid sluice runs as, so that what tasks write into work directories is the user's. */
    static String currentUser() {
        try {
            var self = java.nio.file.Path.of("/proc/self");
            Object uid = java.nio.file.Files.getAttribute(self, "unix:uid");
            Object gid = java.nio.file.Files.getAttribute(self, "unix:gid");
            return uid + ":" + gid;
        } catch (java.io.IOException | UnsupportedOperationException e) {
            return "0:0";
        }
    }
}
