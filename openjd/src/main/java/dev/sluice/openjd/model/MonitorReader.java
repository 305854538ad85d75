package dev.sluice.openjd.model;

import dev.sluice.openjd.format.Scope;
import dev.sluice.yaml.Fields;
import dev.sluice.yaml.Problems;
import dev.sluice.yaml.YamlNode;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads an environment's {@code onMonitor}, sluice's extension: the check (an action), how often it
 * runs, and what a failed check does.
 */
final class MonitorReader {
    static final List<String> FIELDS = List.of("command", "period", "onFailure", "failureThreshold");

    private final Problems problems;
    private final FormatStringReader formats;
    private final ActionReader actions;
    private final FieldValues values;
    private final Set<Extension> extensions;
    private final String envName;

    /**
     * @param envName    the environment's name, for messages
     * @param extensions the extensions it declares (already checked)
     */
    MonitorReader(Problems problems, FormatStringReader formats, ActionReader actions, FieldValues values,
            Set<Extension> extensions, String envName) {
        this.problems = problems;
        this.formats = formats;
        this.actions = actions;
        this.values = values;
        this.extensions = extensions;
        this.envName = envName;
    }

    /** The environment's {@code onMonitor}; empty with problems when it has any. */
    Optional<MonitorDef> read(Fields env) {
        int before = problems.size();
        String path = env.path("onMonitor");
        if (!extensions.contains(Extension.SLUICE_MONITOR)) {
            problems.add(env.keyLocation("onMonitor"), path, "onMonitor is a sluice extension; declare it with"
                    + " extensions: [SLUICE_MONITOR]");
        }
        if (Fields.mapping(env.node("onMonitor"), path, "monitor fields, e.g. {command: {command: ./check.sh},"
                + " period: 30}", problems) == null) {
            return Optional.empty();
        }
        Fields f = Fields.of(env.node("onMonitor"), path, "monitor fields", problems, FIELDS, Map.of());
        ActionDef action = null;
        if (!f.has("command")) {
            problems.add(f.location(), f.path("command"), "missing; write the check as an action, e.g."
                    + " command: {command: curl, args: [-fsS, \"http://localhost:8080/health\"]}");
        } else if (f.node("command") instanceof YamlNode.Scalar s && !s.isNull()) {
            problems.add(f.node("command"), f.path("command"), "onMonitor's command is an action, not a program"
                    + " name; write command: {command: " + s.text() + ", args: [...]}");
        } else {
            action = actions.action(f, "command", formats.narrow(Scope.ENVIRONMENT_ACTION, "onMonitor of environment '"
                    + envName + "'", Set.of()));
        }
        Duration period = null;
        if (!f.has("period")) {
            problems.add(f.location(), f.path("period"), "missing; write how often to check in seconds, e.g."
                    + " period: 30");
        } else {
            period = values.seconds(f, "period", 0, "period: 30");
        }
        MonitorDef.OnFailure onFailure = MonitorDef.OnFailure.LOG;
        if (f.has("onFailure")) {
            String s = f.string("onFailure");
            onFailure = s == null ? null : switch (s.toLowerCase(Locale.ROOT)) {
                case "log" -> MonitorDef.OnFailure.LOG;
                case "terminate" -> MonitorDef.OnFailure.TERMINATE;
                default -> {
                    problems.add(f.node("onFailure"), f.path("onFailure"), "'" + s + "' is not a failure action;"
                            + " write log or terminate");
                    yield null;
                }
            };
        }
        Integer threshold = f.has("failureThreshold") ? f.integer("failureThreshold", 1) : Integer.valueOf(1);
        if (problems.size() > before) {
            return Optional.empty();
        }
        return Optional.of(new MonitorDef(action, period, onFailure, threshold));
    }
}
