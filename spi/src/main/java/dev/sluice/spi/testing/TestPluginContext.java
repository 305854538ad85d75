package dev.sluice.spi.testing;

import dev.sluice.spi.PluginContext;
import dev.sluice.spi.PluginMetrics;
import dev.sluice.spi.Settings;
import dev.sluice.spi.TaskHandle;
import dev.sluice.spi.TimeSource;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.function.BiConsumer;
import java.util.function.DoubleSupplier;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

/**
 * A {@link PluginContext} for plugin tests, standing in for the host's: the plugin's config, a clock
 * (a {@link FakeTimeSource} unless the test gives one), and metrics, task statuses and log lines that
 * the test can read back.
 *
 * <pre>{@code
 * FakeTimeSource clock = new FakeTimeSource();
 * TestPluginContext context = TestPluginContext.of("files").withConfig(Map.of("maxWait", "30s")).withTime(clock);
 * FilesGate gate = new FilesGate(context);
 * ...
 * assertThat(context.metrics().counterTotal("tasks_waited")).isEqualTo(1);
 * assertThat(context.logger().at(Level.WARN)).isEmpty();
 * }</pre>
 *
 * <p>The {@code with...} methods return a new context with nothing recorded; configure it before handing
 * it to the plugin. A context is equal only to itself, and the host hands every extension of a plugin the
 * same one, so a plugin may key state shared by its extensions on it. Safe from any thread.
 */
public final class TestPluginContext implements PluginContext {
    private final String pluginId;
    private final Map<String, String> configValues;
    private final Settings config;
    private final TimeSource time;
    private final BiConsumer<TaskHandle, String> statusListener;
    private final Metrics metrics = new Metrics();
    private final List<ReportedStatus> statuses = new CopyOnWriteArrayList<>();
    private final RecordingLogger logger;

    private TestPluginContext(String pluginId, Map<String, String> configValues, TimeSource time,
            BiConsumer<TaskHandle, String> statusListener) {
        this.pluginId = pluginId;
        this.configValues = Map.copyOf(configValues);
        this.config = Settings.of(this.configValues, "plugins." + pluginId + " of the config");
        this.time = time;
        this.statusListener = statusListener;
        this.logger = new RecordingLogger("sluice.plugin." + pluginId);
    }

    /** The context of plugin {@code pluginId}: empty config, a new {@link FakeTimeSource}. */
    public static TestPluginContext of(String pluginId) {
        return new TestPluginContext(pluginId, Map.of(), new FakeTimeSource(), (task, status) -> { });
    }

    /**
     * A context whose {@link #config()} holds {@code values}, described as the host does
     * ({@code plugins.<id> of the config}), so setting errors read as they will for operators.
     */
    public TestPluginContext withConfig(Map<String, String> values) {
        return new TestPluginContext(pluginId, values, time, statusListener);
    }

    /** A context whose {@link #time()} is {@code clock} (e.g. {@link TimeSource#system()}). */
    public TestPluginContext withTime(TimeSource clock) {
        return new TestPluginContext(pluginId, configValues, clock, statusListener);
    }

    /**
     * A context that also hands each {@link #reportStatus reported status} to {@code listener}, on the
     * reporting thread, after recording it: e.g. to play a status display that takes its time.
     */
    public TestPluginContext withStatusListener(BiConsumer<TaskHandle, String> listener) {
        return new TestPluginContext(pluginId, configValues, time, listener);
    }

    @Override
    public String pluginId() {
        return pluginId;
    }

    @Override
    public Settings config() {
        return config;
    }

    @Override
    public TimeSource time() {
        return time;
    }

    @Override
    public Metrics metrics() {
        return metrics;
    }

    @Override
    public void reportStatus(TaskHandle task, String status) {
        statuses.add(new ReportedStatus(task.id(), status));
        statusListener.accept(task, status);
    }

    /** Every status reported, in order, as {@code <task id>: <status>}. */
    public List<String> statuses() {
        return statuses.stream().map(s -> s.taskId() + ": " + s.status()).toList();
    }

    /** The statuses reported for the task {@code taskId}, in order. */
    public List<String> statusesOf(String taskId) {
        return statuses.stream().filter(s -> s.taskId().equals(taskId)).map(ReportedStatus::status).toList();
    }

    @Override
    public RecordingLogger logger() {
        return logger;
    }

    private record ReportedStatus(String taskId, String status) {
    }

    /**
     * Metrics that keep each counter's total and each gauge, by name and tags, for the test to read. They
     * hold plugins to the host's rules, so that what passes here works there: names and tag keys of
     * lower-case letters, digits and {@code _}; tags as key, value pairs (their order does not matter);
     * counters that only go up, {@code x_total} and {@code x} being one counter; the first gauge
     * registered under a name and tags is the one read.
     */
    public static final class Metrics implements PluginMetrics {
        private static final java.util.regex.Pattern NAME = java.util.regex.Pattern.compile("[a-z][a-z0-9_]*");
        private final Map<Key, DoubleAdder> counters = new ConcurrentHashMap<>();
        private final Map<Key, DoubleSupplier> gauges = new ConcurrentHashMap<>();

        /** A metric's identity: its name and its tags sorted by key. */
        private record Key(String name, Map<String, String> tags) {
            static Key of(String name, String... tags) {
                if (name == null || !NAME.matcher(name).matches()) {
                    throw new IllegalArgumentException("metric name '" + name + "' is not allowed; use lower-case "
                            + "letters, digits and '_', starting with a letter (e.g. commands_total)");
                }
                if (tags.length % 2 != 0) {
                    throw new IllegalArgumentException("metric " + name + " has " + tags.length
                            + " tag strings; give them as key, value pairs");
                }
                Map<String, String> sorted = new java.util.TreeMap<>();
                for (int i = 0; i < tags.length; i += 2) {
                    if (tags[i] == null || !NAME.matcher(tags[i]).matches() || tags[i + 1] == null) {
                        throw new IllegalArgumentException("metric " + name + " has tag " + tags[i] + "="
                                + tags[i + 1] + "; keys are lower-case letters, digits and '_', values are not null");
                    }
                    sorted.put(tags[i], tags[i + 1]);
                }
                return new Key(name, java.util.Collections.unmodifiableMap(sorted));
            }

            /** The counter's key: Prometheus adds {@code _total} to every counter, so it is one name either way. */
            static Key counter(String name, String... tags) {
                Key key = of(name, tags);
                return name.endsWith("_total") ? new Key(name.substring(0, name.length() - 6), key.tags()) : key;
            }
        }

        @Override
        public Counter counter(String name, String description, String... tags) {
            DoubleAdder total = counters.computeIfAbsent(Key.counter(name, tags), k -> new DoubleAdder());
            return amount -> {
                if (amount < 0 || Double.isNaN(amount)) {
                    throw new IllegalArgumentException("counter " + name + " was given " + amount
                            + "; counters only go up, use a gauge for a value that goes down");
                }
                total.add(amount);
            };
        }

        @Override
        public void gauge(String name, String description, DoubleSupplier value, String... tags) {
            gauges.putIfAbsent(Key.of(name, tags), value);
        }

        /**
         * The total of the counter with that name (with or without {@code _total}) and those tags (key, value
         * pairs, in any order); 0 when never created.
         */
        public double counterTotal(String name, String... tags) {
            DoubleAdder total = counters.get(Key.counter(name, tags));
            return total == null ? 0 : total.sum();
        }

        /**
         * The value the gauge with that name and those tags (in any order) reads now.
         *
         * @throws AssertionError when the plugin registered no such gauge
         */
        public double gaugeValue(String name, String... tags) {
            DoubleSupplier gauge = gauges.get(Key.of(name, tags));
            if (gauge == null) {
                throw new AssertionError("no gauge " + name + " " + List.of(tags) + "; registered: " + gauges.keySet());
            }
            return gauge.getAsDouble();
        }

        /** The names of the counters created so far. */
        public Set<String> counterNames() {
            return names(counters.keySet());
        }

        /** The names of the gauges registered so far. */
        public Set<String> gaugeNames() {
            return names(gauges.keySet());
        }

        private static Set<String> names(Set<Key> keys) {
            Set<String> names = new TreeSet<>();
            keys.forEach(k -> names.add(k.name()));
            return Set.copyOf(names);
        }
    }

    /**
     * A logger that keeps every message, at every level, formatted, as {@code LEVEL message} (a throwable
     * logged with it is not kept), so that tests can say what was logged.
     */
    public static final class RecordingLogger extends LegacyAbstractLogger {
        private static final long serialVersionUID = 1L;
        private final transient List<String> lines = new CopyOnWriteArrayList<>();

        RecordingLogger(String name) {
            this.name = name;
        }

        /** Everything logged, in order, as {@code LEVEL message}, e.g. {@code WARN device 0 is lost}. */
        public List<String> lines() {
            return List.copyOf(lines);
        }

        /** The messages logged at {@code level}, formatted, in order. */
        public List<String> at(Level level) {
            String prefix = level + " ";
            return lines.stream().filter(l -> l.startsWith(prefix)).map(l -> l.substring(prefix.length())).toList();
        }

        @Override
        protected String getFullyQualifiedCallerName() {
            return null;
        }

        @Override
        protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] arguments,
                Throwable throwable) {
            lines.add(level + " " + MessageFormatter.basicArrayFormat(pattern, arguments));
        }

        @Override
        public boolean isTraceEnabled() {
            return true;
        }

        @Override
        public boolean isDebugEnabled() {
            return true;
        }

        @Override
        public boolean isInfoEnabled() {
            return true;
        }

        @Override
        public boolean isWarnEnabled() {
            return true;
        }

        @Override
        public boolean isErrorEnabled() {
            return true;
        }
    }
}
