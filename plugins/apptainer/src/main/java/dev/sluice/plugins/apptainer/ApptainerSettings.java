package dev.sluice.plugins.apptainer;

import dev.sluice.kit.HostPathAllowList;
import dev.sluice.kit.ImageAllowList;
import dev.sluice.spi.InvalidSettingException;
import dev.sluice.spi.Settings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The operator's settings of the plugin, from the config section {@code plugins: apptainer: {...}}.
 *
 * @param program            the {@code apptainer} program, when the operator named one; else it is looked up on
 *                           the {@code PATH}
 * @param cacheDir           where pulled images are kept as SIF files, shared by every run on the machine
 * @param pullTimeout        how long one {@code apptainer pull} may take before it is killed and tried again
 * @param pullRetries        how many times a pull that failed for a passing reason is tried again
 * @param pullBackoff        the wait before the first retry; it doubles for each next one, up to 5 minutes
 * @param maxConcurrentPulls how many pulls this run makes at once
 * @param allowedImages      the images tasks may use; empty: any image
 * @param binds              bind mounts of every task, before the process's own ({@code apptainer/binds})
 * @param options            further {@code apptainer exec} options of every task, before the process's own
 * @param maxWait            the default of {@code apptainer/maxWait}; {@code null}: no limit
 * @param monitorPeriod      how often a running task is checked
 * @param allowedHostPaths   the host folders a process's {@code apptainer/binds} may reach
 * @param allowedOptions     the options beyond {@link ExecOptions#HARMLESS} a process may give
 */
record ApptainerSettings(Optional<Path> program, Path cacheDir, Duration pullTimeout, int pullRetries,
        Duration pullBackoff, int maxConcurrentPulls, ImageAllowList allowedImages, List<BindSpec> binds,
        List<String> options, Duration maxWait, Duration monitorPeriod, HostPathAllowList allowedHostPaths,
        Set<String> allowedOptions) {

    static final String PROGRAM = "apptainer";
    static final String CACHE_DIR = "cacheDir";
    static final String PULL_TIMEOUT = "pullTimeout";
    static final String PULL_RETRIES = "pullRetries";
    static final String PULL_BACKOFF = "pullBackoff";
    static final String MAX_CONCURRENT_PULLS = "maxConcurrentPulls";
    static final String ALLOWED_IMAGES = "allowedImages";
    static final String BINDS = "binds";
    static final String OPTIONS = "options";
    static final String MAX_WAIT = "maxWait";
    static final String MONITOR_PERIOD = "monitorPeriod";
    static final String ALLOWED_OPTIONS = "allowedOptions";
    private static final Set<String> KEYS = new TreeSet<>(List.of(PROGRAM, CACHE_DIR, PULL_TIMEOUT, PULL_RETRIES,
            PULL_BACKOFF, MAX_CONCURRENT_PULLS, ALLOWED_IMAGES, BINDS, OPTIONS, MAX_WAIT, MONITOR_PERIOD,
            HostPathAllowList.SETTING, ALLOWED_OPTIONS));

    static final Duration DEFAULT_PULL_TIMEOUT = Duration.ofMinutes(30);
    static final int DEFAULT_PULL_RETRIES = 3;
    static final Duration DEFAULT_PULL_BACKOFF = Duration.ofSeconds(10);
    static final int DEFAULT_MAX_CONCURRENT_PULLS = 2;
    static final Duration DEFAULT_MONITOR_PERIOD = Duration.ofSeconds(10);

    /**
     * Reads and checks the settings.
     *
     * @throws InvalidSettingException naming the key and the fix
     */
    static ApptainerSettings from(Settings config) {
        for (String key : config.keys()) {
            if (!KEYS.contains(key)) {
                throw new InvalidSettingException(key, config.origin() + ": unknown setting '" + key
                        + "'; the apptainer plugin knows " + String.join(", ", KEYS));
            }
        }
        Optional<Path> program = config.string(PROGRAM).map(String::trim).map(p -> {
            if (!p.startsWith("/")) {
                throw config.invalid(PROGRAM, p, "write the program's absolute path, e.g. /usr/bin/apptainer, or "
                        + "leave it out to use the apptainer on the PATH");
            }
            return Path.of(p);
        });
        Path cacheDir = config.string(CACHE_DIR).map(String::trim).map(d -> {
            if (!d.startsWith("/")) {
                throw config.invalid(CACHE_DIR, d, "write an absolute path, e.g. /shared/sluice/apptainer-cache");
            }
            return Path.of(d);
        }).orElseGet(ApptainerSettings::defaultCacheDir);
        Duration pullTimeout = positive(config, PULL_TIMEOUT, DEFAULT_PULL_TIMEOUT);
        int retries = config.integer(PULL_RETRIES, DEFAULT_PULL_RETRIES);
        if (retries < 0) {
            throw config.invalid(PULL_RETRIES, Integer.toString(retries), "write 0 (never retry) or more");
        }
        Duration backoff = config.duration(PULL_BACKOFF, DEFAULT_PULL_BACKOFF);
        if (backoff.isNegative()) {
            throw config.invalid(PULL_BACKOFF, config.string(PULL_BACKOFF, ""), "write 0s or more, e.g. 10s");
        }
        int concurrent = config.integer(MAX_CONCURRENT_PULLS, DEFAULT_MAX_CONCURRENT_PULLS);
        if (concurrent < 1) {
            throw config.invalid(MAX_CONCURRENT_PULLS, Integer.toString(concurrent), "write 1 or more");
        }
        ImageAllowList allowed = ImageAllowList.from(config, ALLOWED_IMAGES);
        List<BindSpec> binds = BindSpec.parseAll(config, BINDS);
        List<String> options = ExecOptions.parse(config, OPTIONS);
        Duration maxWait = config.duration(MAX_WAIT).orElse(null);
        if (maxWait != null && maxWait.isNegative()) {
            throw config.invalid(MAX_WAIT, config.string(MAX_WAIT, ""), "write a duration, e.g. 30m");
        }
        Duration period = config.duration(MONITOR_PERIOD, DEFAULT_MONITOR_PERIOD);
        if (period.compareTo(Duration.ofSeconds(1)) < 0) {
            throw config.invalid(MONITOR_PERIOD, config.string(MONITOR_PERIOD, ""), "write 1s or more");
        }
        HostPathAllowList hostPaths = HostPathAllowList.from(config);
        Set<String> allowedOptions = new TreeSet<>();
        for (String option : config.list(ALLOWED_OPTIONS)) {
            String name = option.trim();
            if (!name.startsWith("--") || name.contains("=")) {
                throw config.invalid(ALLOWED_OPTIONS, option, "write the long names of apptainer exec options"
                        + " processes may give, without values, e.g. [--fakeroot, --overlay]");
            }
            allowedOptions.add(name);
        }
        return new ApptainerSettings(program, cacheDir, pullTimeout, retries, backoff, concurrent, allowed,
                binds, options, maxWait, period, hostPaths, allowedOptions);
    }

    /**
     * {@code $XDG_CACHE_HOME/sluice/apptainer}, else {@code ~/.cache/sluice/apptainer}: per user, and on most
     * clusters in the home directory that the compute nodes share.
     */
    static Path defaultCacheDir() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && xdg.startsWith("/") ? Path.of(xdg)
                : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("sluice").resolve("apptainer");
    }

    private static Duration positive(Settings config, String key, Duration defaultValue) {
        Duration d = config.duration(key, defaultValue);
        if (d.isNegative() || d.isZero()) {
            throw config.invalid(key, config.string(key, ""), "write a positive duration, e.g. 30m");
        }
        return d;
    }
}
