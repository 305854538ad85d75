package dev.sluice.openjd.model;

import dev.sluice.openjd.action.Cancelation;
import dev.sluice.openjd.format.FormatProblem;
import dev.sluice.openjd.format.FormatString;
import dev.sluice.openjd.format.FormatStringException;
import dev.sluice.openjd.format.Scope;
import dev.sluice.yaml.Location;
import dev.sluice.yaml.Fields;
import dev.sluice.yaml.Problems;
import dev.sluice.yaml.Suggestions;
import dev.sluice.yaml.YamlNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads and checks the body of one environment (the shape of OpenJD's {@code environment:} object
 * plus sluice's {@code onMonitor}), adding every problem to {@link Problems}. Shared by inline
 * definitions and template files.
 */
final class EnvironmentReader {
    /** An OpenJD {@code <EnvironmentVariableNameString>}. */
    static final Pattern VARIABLE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    /** An OpenJD {@code <Identifier>}: embedded file and parameter names. */
    static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    static final int MAX_IDENTIFIER = 64;
    static final int MAX_NOTIFY_PERIOD = (int) Cancelation.MAX_NOTIFY_PERIOD.toSeconds();

    static final List<String> ENVIRONMENT_FIELDS = List.of("name", "description", "script", "variables", "onMonitor");
    static final List<String> SCRIPT_FIELDS = List.of("actions", "embeddedFiles");
    static final List<String> HOOKS = List.of("onWrapEnvEnter", "onWrapTaskRun", "onWrapEnvExit");
    static final List<String> ACTIONS_FIELDS = List.of("onEnter", "onWrapEnvEnter", "onWrapTaskRun", "onWrapEnvExit",
            "onExit");
    static final List<String> ACTION_FIELDS = List.of("command", "args", "timeout", "cancelation");
    static final List<String> CANCELATION_FIELDS = List.of("mode", "notifyPeriodInSeconds");
    static final List<String> FILE_FIELDS = List.of("name", "type", "data", "filename", "runnable");
    static final List<String> MONITOR_FIELDS = List.of("command", "period", "onFailure", "failureThreshold");

    /** The WRAP_TASK_RUN draft's names for what WRAP_ACTIONS calls WrappedAction.*. */
    private static final Map<String, String> DRAFT_NAMES = Map.of(
            "Task.Command", "WrappedAction.Command",
            "Task.Args", "WrappedAction.Args",
            "Task.Environment", "WrappedAction.Environment",
            "Env.Action.Timeout", "WrappedAction.Timeout");
    private static final Set<String> WRAPPED_NAMES = Set.of("WrappedAction.Command", "WrappedAction.Args",
            "WrappedAction.Environment", "WrappedAction.Timeout", "WrappedAction.Cancelation.Mode",
            "WrappedAction.Cancelation.NotifyPeriodInSeconds", "WrappedStep.Name");

    /** What an environment's body says; the name and parameter values come from where it is used. */
    record Body(Optional<String> description, Map<String, FormatString> variables, Optional<ActionDef> onEnter,
            Optional<ActionDef> onExit, Optional<ActionDef> onWrapEnvEnter, Optional<ActionDef> onWrapTaskRun,
            Optional<ActionDef> onWrapEnvExit, List<EmbeddedFileDef> files, Optional<MonitorDef> monitor) {

        EnvironmentDef toDef(String name, Location location, Path templateFile, Set<Extension> extensions,
                Map<String, ParameterValue> parameters) {
            return new EnvironmentDef(name, description, location, Optional.ofNullable(templateFile), extensions,
                    parameters, variables, onEnter, onExit, onWrapEnvEnter, onWrapTaskRun, onWrapEnvExit, files,
                    monitor);
        }
    }

    private final Problems problems;
    private final String envName;
    private final Set<Extension> extensions;
    private final Set<String> params;
    private final boolean inline;
    private Set<String> fileNames = Set.of();

    /**
     * @param envName    the environment's name, for messages
     * @param extensions the extensions it declares (already checked)
     * @param params     the parameters it declares; format strings may use only these
     * @param inline     whether it is an inline definition, which has no parameters
     */
    EnvironmentReader(Problems problems, String envName, Set<Extension> extensions, Set<String> params,
            boolean inline) {
        this.problems = problems;
        this.envName = envName;
        this.extensions = extensions;
        this.params = params;
        this.inline = inline;
    }

    /** Reads an {@code extensions:} list: known names, each once, and EXPR with WRAP_ACTIONS. */
    static Set<Extension> extensions(Fields f, Problems problems) {
        if (!f.has("extensions")) {
            return Set.of();
        }
        String path = f.path("extensions");
        List<String> names = f.strings("extensions", "[WRAP_ACTIONS, EXPR]");
        if (names == null) {
            return Set.of();
        }
        YamlNode node = f.node("extensions");
        if (names.isEmpty()) {
            problems.add(node, path, "the list is empty; name at least one extension, e.g. [EXPR], or remove"
                    + " the field");
            return Set.of();
        }
        List<YamlNode> items = ((YamlNode.Sequence) node).items();
        Set<Extension> found = EnumSet.noneOf(Extension.class);
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i);
            YamlNode at = items.get(i);
            String p = path + "[" + i + "]";
            Optional<Extension> e = Extension.named(name);
            if (e.isEmpty()) {
                String message = Extension.UNSUPPORTED.contains(name)
                        ? "'" + name + "' is an OpenJD extension sluice does not support; remove it"
                        : "unknown extension '" + name + "'" + Suggestions.didYouMean(name, Extension.names());
                problems.add(at, p, message + "; sluice knows " + String.join(", ", Extension.names()));
            } else if (!found.add(e.get())) {
                problems.add(at, p, "'" + name + "' is listed twice; list each extension once");
            }
        }
        if (found.contains(Extension.WRAP_ACTIONS) && !found.contains(Extension.EXPR)) {
            problems.add(node, path, "WRAP_ACTIONS needs EXPR as well (OpenJD RFC 0008); write e.g."
                    + " extensions: [WRAP_ACTIONS, EXPR]");
        }
        if (found.contains(Extension.WRAP_ACTIONS) && found.contains(Extension.WRAP_TASK_RUN)) {
            problems.add(node, path, "WRAP_ACTIONS and WRAP_TASK_RUN are two spellings of wrapping; declare one:"
                    + " WRAP_ACTIONS for the three hooks onWrapEnvEnter, onWrapTaskRun and onWrapEnvExit,"
                    + " WRAP_TASK_RUN for onWrapTaskRun alone");
        }
        return found;
    }

    /**
     * Reads the environment's fields (already checked against the allowed field names by the caller).
     *
     * @return the body, or {@code null} when it has problems
     */
    Body read(Fields env) {
        int before = problems.size();
        Optional<String> description = Optional.empty();
        if (env.has("description")) {
            String d = env.string("description");
            if (d != null && d.isEmpty()) {
                problems.add(env.node("description"), env.path("description"),
                        "the description is empty; write one or remove the field");
            } else if (d != null && d.length() > 2048) {
                problems.add(env.node("description"), env.path("description"), "the description has " + d.length()
                        + " characters, more than the 2048 OpenJD allows; shorten it");
            }
            description = Optional.ofNullable(d);
        }
        if (!env.has("script") && !env.has("variables") && !env.has("onMonitor")) {
            problems.add(env.location(), pathOf(env), "environment '" + envName + "' does nothing; give it a"
                    + " script (script: {actions: {onEnter: ...}}), variables, or an onMonitor");
        }
        Map<String, FormatString> variables = env.has("variables") ? variables(env) : Map.of();

        Fields script = env.has("script") ? env.nested("script", "script fields (actions, embeddedFiles)",
                SCRIPT_FIELDS, Map.of()) : null;
        List<EmbeddedFileDef> files = List.of();
        Map<String, Optional<ActionDef>> actions = new HashMap<>();
        if (script != null) {
            if (script.has("embeddedFiles")) {
                fileNames = fileNames(script.node("embeddedFiles"));
            }
            if (!script.has("actions")) {
                problems.add(script.location(), script.path("actions"), "missing; a script needs actions, e.g."
                        + " actions: {onEnter: {command: ./setup.sh}}");
            } else {
                actions = actions(script.nested("actions", "actions (onEnter, onExit, ...)", ACTIONS_FIELDS,
                        Map.of("onRun", "onRun belongs to a step's script; an environment has onEnter and onExit",
                                "onMonitor", "onMonitor belongs to the environment itself, next to script")));
            }
            if (script.has("embeddedFiles")) {
                files = embeddedFiles(script);
            }
        }
        Optional<MonitorDef> monitor = env.has("onMonitor") ? monitor(env) : Optional.empty();
        if (problems.size() > before) {
            return null;
        }
        return new Body(description, variables, act(actions, "onEnter"), act(actions, "onExit"),
                act(actions, "onWrapEnvEnter"), act(actions, "onWrapTaskRun"), act(actions, "onWrapEnvExit"), files,
                monitor);
    }

    /** The dotted path of the mapping {@code f} itself. */
    static String pathOf(Fields f) {
        String child = f.path("x");
        return child.equals("x") ? "" : child.substring(0, child.length() - 2);
    }

    private static Optional<ActionDef> act(Map<String, Optional<ActionDef>> actions, String key) {
        return actions.getOrDefault(key, Optional.empty());
    }

    private Map<String, FormatString> variables(Fields env) {
        String path = env.path("variables");
        YamlNode.Mapping m = Fields.mapping(env.node("variables"), path, "variable names to values, e.g."
                + " {PATH_EXTRA: /opt/tool/bin}", problems);
        if (m == null) {
            return Map.of();
        }
        if (m.entries().isEmpty()) {
            problems.add(m, path, "no variables; set at least one, e.g. variables: {LANG: C.UTF-8}, or remove"
                    + " the field");
        }
        Scope scope = narrow(Scope.ENVIRONMENT_ACTION, "the variables of environment '" + envName + "'",
                Set.of("Env.File.*"));
        Map<String, FormatString> out = new LinkedHashMap<>();
        for (YamlNode.Entry e : m.entries().values()) {
            String p = Fields.child(path, e.key());
            if (!VARIABLE_NAME.matcher(e.key()).matches() || e.key().length() > 256) {
                problems.add(e.keyLocation(), p, "'" + e.key() + "' is not a variable name; use letters, digits"
                        + " and '_', not starting with a digit, at most 256 characters");
                continue;
            }
            FormatString value = format(e.value(), p, scope, true, false);
            if (value != null) {
                out.put(e.key(), value);
            }
        }
        return out;
    }

    /** The names of the embedded files, read ahead so that every format string can be checked against them. */
    private Set<String> fileNames(YamlNode node) {
        Set<String> names = new LinkedHashSet<>();
        if (node instanceof YamlNode.Sequence s) {
            for (YamlNode item : s.items()) {
                if (item instanceof YamlNode.Mapping m && m.entries().get("name") != null
                        && m.entries().get("name").value() instanceof YamlNode.Scalar n && !n.isNull()) {
                    names.add(n.text());
                }
            }
        }
        return names;
    }

    private List<EmbeddedFileDef> embeddedFiles(Fields script) {
        String path = script.path("embeddedFiles");
        List<YamlNode> items = Fields.sequence(script.node("embeddedFiles"), path,
                "[{name: Setup, type: TEXT, data: \"echo hi\"}]", problems);
        if (items == null) {
            return List.of();
        }
        if (items.isEmpty()) {
            problems.add(script.node("embeddedFiles"), path, "the list is empty; add a file or remove the field");
        }
        Scope scope = narrow(Scope.ENVIRONMENT_EMBEDDED_FILE, "an embedded file of environment '" + envName + "'",
                Set.of());
        List<EmbeddedFileDef> files = new ArrayList<>();
        Map<String, Location> seen = new HashMap<>();
        for (int i = 0; i < items.size(); i++) {
            String p = path + "[" + i + "]";
            YamlNode item = items.get(i);
            if (Fields.mapping(item, p, "embedded file fields, e.g. {name: Setup, type: TEXT, data: ...}",
                    problems) == null) {
                continue;
            }
            Fields f = Fields.of(item, p, "embedded file fields", problems, FILE_FIELDS,
                    Map.of("endOfLine", "endOfLine needs the FEATURE_BUNDLE_1 extension, which sluice does not"
                            + " support; remove it"));
            String name = required(f, "name", "Setup");
            if (name != null) {
                checkIdentifier(name, f.node("name"), f.path("name"), "an embedded file name");
                Location first = seen.putIfAbsent(name, f.node("name").location());
                if (first != null) {
                    problems.add(f.node("name"), f.path("name"), "embedded file '" + name
                            + "' is already defined at line " + first.line() + "; give each file its own name");
                }
            }
            String type = required(f, "type", "TEXT");
            if (type != null && !type.equals("TEXT")) {
                problems.add(f.node("type"), f.path("type"), "'" + type + "' is not an embedded file type; the"
                        + " only type is TEXT");
            }
            FormatString data = null;
            if (!f.has("data")) {
                problems.add(item, f.path("data"), "missing; write the file's text, e.g. data: |\n  echo hello");
            } else {
                data = format(f.node("data"), f.path("data"), scope, false, false);
            }
            String filename = f.string("filename");
            if (filename != null && (filename.isEmpty() || filename.length() > 64 || filename.contains("/")
                    || filename.contains("\\"))) {
                problems.add(f.node("filename"), f.path("filename"), "'" + filename + "' is not a file name; write"
                        + " a name without directories, 1 to 64 characters, e.g. setup.sh");
                filename = null;
            }
            Boolean runnable = f.has("runnable") ? bool(f, "runnable") : Boolean.FALSE;
            if (name != null && data != null && runnable != null) {
                files.add(new EmbeddedFileDef(name, data, Optional.ofNullable(filename), runnable, item.location()));
            }
        }
        return files;
    }

    private Boolean bool(Fields f, String key) {
        String s = f.string(key);
        if (s == null) {
            return null;
        }
        return switch (s) {
            case "true" -> Boolean.TRUE;
            case "false" -> Boolean.FALSE;
            default -> {
                problems.add(f.node(key), f.path(key), "'" + s + "' is not a boolean; write true or false");
                yield null;
            }
        };
    }

    private Map<String, Optional<ActionDef>> actions(Fields a) {
        Map<String, Optional<ActionDef>> out = new HashMap<>();
        boolean wrapActions = extensions.contains(Extension.WRAP_ACTIONS);
        boolean wrapTaskRun = extensions.contains(Extension.WRAP_TASK_RUN);
        for (String hook : HOOKS) {
            if (!a.has(hook)) {
                continue;
            }
            boolean allowed = wrapActions || (wrapTaskRun && hook.equals("onWrapTaskRun"));
            if (!allowed) {
                String message = hook.equals("onWrapTaskRun")
                        ? "onWrapTaskRun needs an extension; declare extensions: [WRAP_ACTIONS, EXPR] (and define"
                                + " onWrapEnvEnter and onWrapEnvExit too) or extensions: [WRAP_TASK_RUN]"
                        : wrapTaskRun
                                ? hook + " is part of WRAP_ACTIONS, not WRAP_TASK_RUN; declare"
                                        + " extensions: [WRAP_ACTIONS, EXPR] instead of WRAP_TASK_RUN"
                                : hook + " needs the WRAP_ACTIONS extension; declare extensions: [WRAP_ACTIONS, EXPR]";
                problems.add(a.keyLocation(hook), a.path(hook), message);
            }
        }
        if (wrapActions) {
            List<String> present = HOOKS.stream().filter(a::has).toList();
            if (!present.isEmpty() && present.size() < HOOKS.size()) {
                List<String> missing = HOOKS.stream().filter(h -> !a.has(h)).toList();
                problems.add(a.location(), pathOf(a), "WRAP_ACTIONS hooks come all three or none: "
                        + String.join(", ", present) + " " + (present.size() == 1 ? "is" : "are")
                        + " defined but " + String.join(" and ", missing) + " " + (missing.size() == 1 ? "is" : "are")
                        + " not; define " + String.join(" and ", missing)
                        + " (they may pass the wrapped action through unchanged)");
            }
        }
        if (ACTIONS_FIELDS.stream().noneMatch(a::has)) {
            problems.add(a.location(), pathOf(a), "no actions; define onEnter or onExit (or wrap hooks), e.g."
                    + " onEnter: {command: ./setup.sh}");
        }
        String where = "of environment '" + envName + "'";
        for (String key : List.of("onEnter", "onExit")) {
            if (a.has(key)) {
                out.put(key, Optional.ofNullable(action(a, key, narrow(Scope.ENVIRONMENT_ACTION, key + " " + where,
                        Set.of()))));
            }
        }
        for (String key : List.of("onWrapEnvEnter", "onWrapEnvExit")) {
            if (a.has(key)) {
                out.put(key, Optional.ofNullable(action(a, key, narrow(Scope.WRAP_ENV_HOOK, key + " " + where,
                        Set.of()))));
            }
        }
        if (a.has("onWrapTaskRun")) {
            // Each spelling has its own names: WrappedAction.* under WRAP_ACTIONS, Task.* under the draft.
            Set<String> drop = wrapActions ? DRAFT_NAMES.keySet() : wrapTaskRun ? WRAPPED_NAMES : Set.of();
            out.put("onWrapTaskRun", Optional.ofNullable(action(a, "onWrapTaskRun",
                    narrow(Scope.WRAP_TASK_HOOK, "onWrapTaskRun " + where, drop))));
        }
        return out;
    }

    /** An OpenJD {@code <Action>}; {@code null} with problems when it has any. */
    ActionDef action(Fields parent, String key, Scope scope) {
        int before = problems.size();
        String path = parent.path(key);
        YamlNode node = parent.node(key);
        if (Fields.mapping(node, path, "action fields, e.g. {command: bash, args: [setup.sh]}", problems) == null) {
            return null;
        }
        Fields f = Fields.of(node, path, "action fields", problems, ACTION_FIELDS, Map.of());
        FormatString command = null;
        if (!f.has("command")) {
            problems.add(node, f.path("command"), "missing; an action needs the program to run, e.g. command: bash");
        } else {
            command = format(f.node("command"), f.path("command"), scope, false, true);
        }
        List<FormatString> args = new ArrayList<>();
        if (f.has("args")) {
            List<YamlNode> items = Fields.sequence(f.node("args"), f.path("args"), "[-c, \"echo hi\"]", problems);
            if (items != null && items.isEmpty()) {
                problems.add(f.node("args"), f.path("args"), "the list is empty; give at least one argument or"
                        + " remove the field");
            }
            for (int i = 0; items != null && i < items.size(); i++) {
                args.add(format(items.get(i), f.path("args") + "[" + i + "]", scope, true, false));
            }
        }
        Duration timeout = f.has("timeout") ? seconds(f, "timeout", 0, "timeout: 300") : null;
        CancelationDef cancelation = f.has("cancelation") ? cancelation(f) : null;
        if (problems.size() > before) {
            return null;
        }
        return new ActionDef(command, args, Optional.ofNullable(timeout), Optional.ofNullable(cancelation),
                node.location());
    }

    private CancelationDef cancelation(Fields action) {
        int before = problems.size();
        Fields f = action.nested("cancelation", "cancelation fields, e.g. {mode: NOTIFY_THEN_TERMINATE,"
                + " notifyPeriodInSeconds: 60}", CANCELATION_FIELDS, Map.of());
        if (!f.has("mode")) {
            problems.add(f.location(), f.path("mode"), "missing; write mode: TERMINATE or mode: NOTIFY_THEN_TERMINATE");
            return null;
        }
        String text = f.string("mode");
        if (text == null) {
            return null;
        }
        Cancelation.Mode mode;
        try {
            mode = Cancelation.Mode.valueOf(text);
        } catch (IllegalArgumentException e) {
            problems.add(f.node("mode"), f.path("mode"), "'" + text + "' is not a cancelation mode; write TERMINATE"
                    + " or NOTIFY_THEN_TERMINATE" + (text.toUpperCase(Locale.ROOT).equals(text) ? ""
                            : " (upper case)"));
            return null;
        }
        Duration period = null;
        if (f.has("notifyPeriodInSeconds")) {
            if (mode == Cancelation.Mode.TERMINATE) {
                problems.add(f.keyLocation("notifyPeriodInSeconds"), f.path("notifyPeriodInSeconds"),
                        "TERMINATE kills at once and has no notify period; remove notifyPeriodInSeconds, or use"
                                + " mode: NOTIFY_THEN_TERMINATE");
            } else {
                period = seconds(f, "notifyPeriodInSeconds", MAX_NOTIFY_PERIOD, "notifyPeriodInSeconds: 30");
            }
        }
        if (problems.size() > before) {
            return null;
        }
        return new CancelationDef(mode, Optional.ofNullable(period));
    }

    /** Whole seconds from 1 to {@code max} (no limit when 0). */
    private Duration seconds(Fields f, String key, int max, String example) {
        String s = f.string(key);
        if (s == null) {
            return null;
        }
        long value;
        try {
            value = Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            problems.add(f.node(key), f.path(key), "'" + s + "' is not a whole number of seconds; write e.g. "
                    + example);
            return null;
        }
        if (value < 1 || (max > 0 && value > max)) {
            problems.add(f.node(key), f.path(key), key + " must be " + (max > 0 ? "1 to " + max : "at least 1")
                    + " seconds, got " + value + "; write e.g. " + example);
            return null;
        }
        return Duration.ofSeconds(value);
    }

    private Optional<MonitorDef> monitor(Fields env) {
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
        Fields f = Fields.of(env.node("onMonitor"), path, "monitor fields", problems, MONITOR_FIELDS, Map.of());
        ActionDef action = null;
        if (!f.has("command")) {
            problems.add(f.location(), f.path("command"), "missing; write the check as an action, e.g."
                    + " command: {command: curl, args: [-fsS, \"http://localhost:8080/health\"]}");
        } else if (f.node("command") instanceof YamlNode.Scalar s && !s.isNull()) {
            problems.add(f.node("command"), f.path("command"), "onMonitor's command is an action, not a program"
                    + " name; write command: {command: " + s.text() + ", args: [...]}");
        } else {
            action = action(f, "command", narrow(Scope.ENVIRONMENT_ACTION, "onMonitor of environment '"
                    + envName + "'", Set.of()));
        }
        Duration period = null;
        if (!f.has("period")) {
            problems.add(f.location(), f.path("period"), "missing; write how often to check in seconds, e.g."
                    + " period: 30");
        } else {
            period = seconds(f, "period", 0, "period: 30");
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

    private String required(Fields f, String key, String example) {
        if (!f.has(key)) {
            problems.add(f.location(), f.path(key), "missing; write e.g. " + key + ": " + example);
            return null;
        }
        return f.string(key);
    }

    void checkIdentifier(String name, YamlNode node, String path, String what) {
        if (!IDENTIFIER.matcher(name).matches() || name.length() > MAX_IDENTIFIER) {
            problems.add(node, path, "'" + name + "' is not " + what + "; use letters, digits and '_', not"
                    + " starting with a digit, at most " + MAX_IDENTIFIER + " characters");
        }
    }

    /**
     * {@code base} with its open families narrowed to what this environment declares
     * ({@code Param.*} to its parameters, {@code Env.File.*} to its files) and {@code drop} removed.
     */
    Scope narrow(Scope base, String where, Set<String> drop) {
        Set<String> names = new LinkedHashSet<>();
        for (String n : base.names()) {
            switch (n) {
                case "Param.*" -> params.forEach(p -> names.add("Param." + p));
                case "RawParam.*" -> params.forEach(p -> names.add("RawParam." + p));
                case "Env.File.*" -> {
                    if (!drop.contains(n)) {
                        fileNames.forEach(file -> names.add("Env.File." + file));
                    }
                }
                default -> {
                    if (!drop.contains(n)) {
                        names.add(n);
                    }
                }
            }
        }
        return Scope.of(where, names);
    }

    /**
     * A format string, parsed and checked for {@code scope}; {@code null} with a problem per error,
     * each message giving the column inside the string.
     */
    private FormatString format(YamlNode node, String path, Scope scope, boolean emptyAllowed, boolean command) {
        String text = Fields.text(node, path, "a text value", problems);
        if (text == null) {
            return null;
        }
        if (!emptyAllowed && text.isBlank()) {
            problems.add(node, path, command ? "the command is blank; write the program to run, e.g. bash"
                    : "the text is blank; write the content or remove the field");
            return null;
        }
        FormatString parsed;
        try {
            parsed = FormatString.parse(text);
        } catch (FormatStringException e) {
            e.problems().forEach(p -> problems.add(node, path, p.message()));
            return null;
        }
        List<FormatProblem> wrong = parsed.validate(scope);
        wrong.forEach(p -> problems.add(node, path, explain(p, scope).message()));
        return wrong.isEmpty() ? parsed : null;
    }

    /** Replaces the format package's message where this environment knows a more useful one. */
    private FormatProblem explain(FormatProblem p, Scope scope) {
        String var = variableAt(p.text(), p.offset());
        if (var == null) {
            return p;
        }
        String detail = null;
        if ((var.startsWith("Param.") || var.startsWith("RawParam.")) && params.isEmpty()) {
            detail = "variable '" + var + "' is not defined: " + (inline
                    ? "an inline environment has no parameters; write the value itself, or move environment '"
                            + envName + "' to a template file with parameterDefinitions"
                    : "the template declares no parameters; add it under parameterDefinitions");
        } else if (var.startsWith("Env.File.") && fileNames.isEmpty() && !scope.where().startsWith("the variables")) {
            detail = "variable '" + var + "' is not defined: environment '" + envName + "' has no embedded files;"
                    + " add one under script.embeddedFiles";
        } else if (DRAFT_NAMES.containsKey(var) && scope.where().startsWith("onWrapTaskRun")
                && extensions.contains(Extension.WRAP_ACTIONS)) {
            detail = "'" + var + "' is the WRAP_TASK_RUN draft's name; under WRAP_ACTIONS write "
                    + DRAFT_NAMES.get(var);
        } else if (WRAPPED_NAMES.contains(var) && scope.where().startsWith("onWrapTaskRun")
                && extensions.contains(Extension.WRAP_TASK_RUN)) {
            detail = "'" + var + "' is a WRAP_ACTIONS name; under WRAP_TASK_RUN write "
                    + DRAFT_NAMES.entrySet().stream().filter(e -> e.getValue().equals(var)).map(Map.Entry::getKey)
                            .findFirst().orElse("Task.Command, Task.Args, Task.Environment or Env.Action.Timeout")
                    + ", or declare WRAP_ACTIONS instead";
        }
        return detail == null ? p : new FormatProblem(p.text(), p.offset(), p.line(), p.column(), detail);
    }

    /** The dotted name starting at {@code offset}, or {@code null} when none starts there. */
    private static String variableAt(String text, int offset) {
        int end = offset;
        while (end < text.length() && (Character.isLetterOrDigit(text.charAt(end)) || text.charAt(end) == '_'
                || text.charAt(end) == '.')) {
            end++;
        }
        return end > offset ? text.substring(offset, end) : null;
    }
}
