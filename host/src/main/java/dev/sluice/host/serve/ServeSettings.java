package dev.sluice.host.serve;

import dev.sluice.host.pipeline.PipelineLoader;
import dev.sluice.host.pipeline.RateLimit;
import dev.sluice.yaml.Fields;
import dev.sluice.yaml.InvalidInputException;
import dev.sluice.yaml.Location;
import dev.sluice.yaml.Problems;
import dev.sluice.yaml.YamlNode;
import dev.sluice.yaml.YamlReader;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code serve:} section of the operator config, which only {@code sluice serve} reads: where the API
 * listens, its token, its limits, and the classes of task it takes. Each class is routed as a pipeline
 * process with that label is ({@code process.withLabel.<class>}: executor, resources, env, hints,
 * retries), so one config routes pipelines and submitted tasks alike.
 *
 * @param api          where the API listens and what it takes
 * @param classes      the classes, each with its limits and what its tasks may set themselves
 * @param drain        how long a stop lets running tasks end ({@code onStop: drain}), or {@code null}
 *                     ({@code onStop: end}: they are stopped at once)
 * @param limits       the bounds on what waits in all, per tenant, and on event streams
 * @param callbacks    how tasks' callbacks are sent
 * @param metricLabels what of a task's origin labels the service's task metrics: {@code tenant},
 *                     {@code workflow_id} (chosen by the operator: each value is a new time series)
 */
public record ServeSettings(Api api, Map<String, ClassSettings> classes, java.time.Duration drain, Limits limits,
        CallbackSettings callbacks, List<String> metricLabels) {

    /**
     * Where the API listens and what it takes.
     *
     * @param address      where it listens (loopback by default)
     * @param token        the bearer token every API call must carry, or {@code null}
     * @param tokenFile    a file holding it, or {@code null}; with neither, the service makes one
     * @param maxBodyBytes the largest request body taken
     */
    public record Api(String address, String token, Path tokenFile, long maxBodyBytes) {
    }

    /**
     * The service's bounds beyond a class's own.
     *
     * @param total      tasks waiting to start in all
     * @param perTenant  each tenant's
     * @param maxStreams event streams open at once
     * @param ended      how many ended tasks the service keeps answering for, and for how long
     */
    public record Limits(Limit total, Limit perTenant, int maxStreams, Retention ended) {
    }

    /**
     * Ended tasks kept: the service forgets one (its view, its ledger lines) once it ended longer than
     * {@code keep} ago, or once more than {@code max} ended after it; never one whose callback is still to send.
     */
    public record Retention(java.time.Duration keep, int max) {
        static final Retention DEFAULT = new Retention(java.time.Duration.ofDays(7), 100_000);
    }
    static final List<String> FIELDS = List.of("address", "auth", "maxBodyBytes", "onStop", "drainTimeout", "limits",
            "classes", "callbacks", "metricLabels");
    static final List<String> LIMIT_FIELDS = List.of("maxQueued", "rate");
    static final List<String> CLASS_FIELDS = List.of("maxQueued", "rate", "container", "maxResources", "taskHints");
    static final List<String> LIMITS_FIELDS = List.of("maxQueued", "perTenant", "maxStreams", "keepEnded", "maxEnded");
    static final int DEFAULT_MAX_STREAMS = 64;
    /** Waiting tasks in all, when the config sets no bound: a bound there must be. */
    static final int DEFAULT_MAX_QUEUED = 100_000;
    static final java.time.Duration DEFAULT_DRAIN = java.time.Duration.ofMinutes(10);
    static final List<String> AUTH_FIELDS = List.of("token", "tokenFile");
    static final String DEFAULT_ADDRESS = "127.0.0.1";
    static final long DEFAULT_MAX_BODY = 1024 * 1024;

    /** The fields of the task's origin that may label metrics. */
    static final List<String> METRIC_LABELS = List.of("tenant", "workflow_id");

    public ServeSettings {
        classes = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(classes));
        metricLabels = List.copyOf(metricLabels);
    }

    /**
     * The {@code serve} section of {@code configFile} ({@code null}: no config).
     *
     * @throws InvalidInputException naming file, line, field and fix for each problem, and when no class
     *                               is declared (a service that takes no task is a mistake)
     */
    public static ServeSettings load(Path configFile) throws InvalidInputException {
        Problems problems = new Problems();
        YamlNode root = configFile == null ? null : YamlReader.read(configFile, "config file", problems);
        problems.throwIfAny();
        YamlNode section = root instanceof YamlNode.Mapping m && m.entries().containsKey("serve")
                ? m.entries().get("serve").value() : null;
        if (section == null) {
            problems.add(configFile == null ? null : Location.ofFile(configFile), "serve.classes",
                    "sluice serve needs at least one class of task: add to the config (-c) e.g. serve: {classes:"
                            + " {cpu_short: {}}}, and route it with process.withLabel.cpu_short");
            problems.throwIfAny();
        }
        Fields f = Fields.of(section, "serve", "service settings (" + String.join(", ", FIELDS) + ")", problems, FIELDS,
                Map.of());
        String address = f.has("address") ? f.string("address") : DEFAULT_ADDRESS;
        String token = null;
        Path tokenFile = null;
        if (f.has("auth")) {
            Fields auth = f.nested("auth", "auth settings (token or tokenFile)", AUTH_FIELDS, Map.of());
            token = auth.string("token");
            String file = auth.string("tokenFile");
            if (token != null && file != null) {
                problems.add(f.keyLocation("auth"), "serve.auth", "give token or tokenFile, not both");
            }
            if (token != null && token.length() < 16) {
                problems.add(auth.node("token"), "serve.auth.token", "a token of " + token.length()
                        + " characters is too easy to guess; use at least 16 (e.g. openssl rand -hex 24)");
            }
            if (file != null) {
                Path base = configFile.toAbsolutePath().getParent();
                tokenFile = base.resolve(file).normalize();
            }
        }
        Long maxBody = f.size("maxBodyBytes");
        String onStop = f.has("onStop") ? f.string("onStop") : "drain";
        if (onStop != null && !onStop.equals("drain") && !onStop.equals("end")) {
            problems.add(f.node("onStop"), "serve.onStop", "'" + onStop + "' is not a way to stop; write drain (running"
                    + " tasks may end, for at most drainTimeout) or end (they are stopped at once)");
        }
        java.time.Duration drainTimeout = f.has("drainTimeout") ? f.duration("drainTimeout", true) : DEFAULT_DRAIN;
        if (f.has("drainTimeout") && "end".equals(onStop)) {
            problems.add(f.keyLocation("drainTimeout"), "serve.drainTimeout", "drainTimeout applies to onStop: drain;"
                    + " remove it, or set onStop: drain");
        }
        Limit total = new Limit(DEFAULT_MAX_QUEUED, null);
        Limit perTenant = Limit.NONE;
        int maxStreams = DEFAULT_MAX_STREAMS;
        Retention ended = Retention.DEFAULT;
        if (f.has("limits")) {
            Fields l = f.nested("limits", "limits (" + String.join(", ", LIMITS_FIELDS) + ")", LIMITS_FIELDS,
                    Map.of());
            java.time.Duration keep = l.has("keepEnded") ? l.duration("keepEnded", true) : null;
            Integer maxEnded = l.integer("maxEnded", 0);
            ended = new Retention(keep != null ? keep : Retention.DEFAULT.keep(),
                    maxEnded != null ? maxEnded : Retention.DEFAULT.max());
            Integer max = l.integer("maxQueued", 1);
            total = new Limit(max != null ? max : DEFAULT_MAX_QUEUED, null);
            Integer streams = l.integer("maxStreams", 1);
            maxStreams = streams != null ? streams : DEFAULT_MAX_STREAMS;
            if (l.has("perTenant")) {
                perTenant = limit(l.nested("perTenant", "limits per tenant (maxQueued, rate)", LIMIT_FIELDS, Map.of()));
            }
        }
        Map<String, ClassSettings> classes = new LinkedHashMap<>();
        if (!f.has("classes")) {
            problems.add(f.location(), "serve.classes", "no classes: add e.g. classes: {cpu_short: {}}, each routed by"
                    + " process.withLabel.<class>");
        } else {
            YamlNode.Mapping mapping = Fields.mapping(f.node("classes"), "serve.classes",
                    "class names to settings, e.g. {cpu_short: {}}", problems);
            if (mapping != null) {
                for (YamlNode.Entry e : mapping.entries().values()) {
                    String path = "serve.classes." + e.key();
                    if (!PipelineLoader.LABEL.matcher(e.key()).matches()) {
                        problems.add(e.keyLocation(), path, "'" + e.key() + "' is not a class name; use letters,"
                                + " digits, '_', '-' and '.', as for a label");
                        continue;
                    }
                    // How a class runs is process.withLabel.<class>'s; here are its limits and what its tasks
                    // may set themselves.
                    Map<String, String> routing = new LinkedHashMap<>();
                    for (String field : List.of("executor", "resources", "env", "hints", "errorStrategy", "maxRetries",
                            "queueSize")) {
                        routing.put(field, "how a class runs is set by process.withLabel." + e.key() + "." + field
                                + "; a class here has its limits and what its tasks may set ("
                                + String.join(", ", CLASS_FIELDS) + ")");
                    }
                    boolean empty = e.value() == null || e.value() instanceof YamlNode.Scalar sc
                            && (sc.text() == null || sc.text().isEmpty());
                    classes.put(e.key(), empty ? ClassSettings.NONE : ClassSettings.read(Fields.of(e.value(), path,
                            "class settings (" + String.join(", ", CLASS_FIELDS) + ")", problems, CLASS_FIELDS,
                            routing), problems));
                }
                if (mapping.entries().isEmpty()) {
                    problems.add(f.keyLocation("classes"), "serve.classes", "no classes: add e.g. {cpu_short: {}}");
                }
            }
        }
        CallbackSettings callbacks = f.has("callbacks") ? CallbackSettings.read(f.nested("callbacks",
                "callback settings (" + String.join(", ", CallbackSettings.FIELDS) + ")", CallbackSettings.FIELDS,
                Map.of()), problems) : CallbackSettings.DEFAULT;
        List<String> labels = f.has("metricLabels") ? f.strings("metricLabels", "[tenant]") : List.of();
        if (labels != null) {
            for (String label : labels) {
                if (!METRIC_LABELS.contains(label)) {
                    problems.add(f.node("metricLabels"), "serve.metricLabels", "'" + label + "' is not a field a task's"
                            + " metrics may be labelled with; write " + String.join(" or ", METRIC_LABELS));
                }
            }
        }
        problems.throwIfAny();
        return new ServeSettings(new Api(address, token, tokenFile, maxBody == null ? DEFAULT_MAX_BODY : maxBody),
                classes, "end".equals(onStop) ? null : drainTimeout, new Limits(total, perTenant, maxStreams, ended),
                callbacks, labels == null ? List.of() : labels);
    }

    /** The limits of each class. */
    Map<String, Limit> classLimits() {
        Map<String, Limit> out = new LinkedHashMap<>();
        classes.forEach((name, c) -> out.put(name, c.limit()));
        return out;
    }

    static Limit limit(Fields f) {
        return new Limit(f.integer("maxQueued", 1), f.parsed("rate", "a rate, " + RateLimit.EXAMPLES, RateLimit::parse));
    }
}
