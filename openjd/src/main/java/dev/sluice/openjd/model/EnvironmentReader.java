package dev.sluice.openjd.model;

import dev.sluice.openjd.format.FormatProblem;
import dev.sluice.openjd.format.FormatStringException;
import dev.sluice.openjd.format.LetBinding;
import dev.sluice.openjd.format.FormatString;
import dev.sluice.openjd.format.Scope;
import dev.sluice.yaml.Location;
import dev.sluice.yaml.Fields;
import dev.sluice.yaml.Problems;
import dev.sluice.yaml.Suggestions;
import dev.sluice.yaml.YamlNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads and checks the body of one environment (the shape of OpenJD's {@code environment:} object
 * plus sluice's {@code onMonitor}), adding every problem to {@link Problems}. Shared by inline
 * definitions and template files. The sections with rules of their own are read by their own readers
 * ({@link ActionReader}, {@link EmbeddedFileReader}, {@link MonitorReader}), the format strings of all
 * of them by one {@link FormatStringReader}.
 */
final class EnvironmentReader {
    /** An OpenJD {@code <EnvironmentVariableNameString>}. */
    static final Pattern VARIABLE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    static final List<String> ENVIRONMENT_FIELDS = List.of("name", "description", "script", "variables", "onMonitor");
    static final List<String> SCRIPT_FIELDS = List.of("actions", "embeddedFiles", "let");

    /** What an environment's body says; the name and parameter values come from where it is used. */
    record Body(Optional<String> description, Map<String, FormatString> variables, Optional<ActionDef> onEnter,
            Optional<ActionDef> onExit, Optional<ActionDef> onWrapEnvEnter, Optional<ActionDef> onWrapTaskRun,
            Optional<ActionDef> onWrapEnvExit, List<EmbeddedFileDef> files, Optional<MonitorDef> monitor,
            List<LetBinding> let) {

        EnvironmentDef toDef(String name, Location location, Path templateFile, Set<Extension> extensions,
                Map<String, ParameterValue> parameters) {
            return new EnvironmentDef(name, description, location, Optional.ofNullable(templateFile), extensions,
                    parameters, variables, onEnter, onExit, onWrapEnvEnter, onWrapTaskRun, onWrapEnvExit, files,
                    monitor, let);
        }

        /** The definition of a template's environment, which keeps the template's own name for OpenJD's sake. */
        EnvironmentDef toDef(String name, Location location, Path templateFile, Set<Extension> extensions,
                Map<String, ParameterValue> parameters, String templateName) {
            return new EnvironmentDef(name, description, location, Optional.ofNullable(templateFile), extensions,
                    parameters, variables, onEnter, onExit, onWrapEnvEnter, onWrapTaskRun, onWrapEnvExit, files,
                    monitor, let, templateName);
        }
    }

    private final Problems problems;
    private final String envName;
    private final FormatStringReader formats;
    private final ActionReader actionReader;
    private final EmbeddedFileReader fileReader;
    private final MonitorReader monitorReader;
    private final Set<Extension> extensions;

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
        // One format reader for all sections: the embedded files' names, once read, narrow every scope.
        this.formats = new FormatStringReader(problems, envName, extensions, params, inline);
        FieldValues values = new FieldValues(problems);
        this.actionReader = new ActionReader(problems, formats, values, extensions, envName);
        this.fileReader = new EmbeddedFileReader(problems, formats, values, envName);
        this.monitorReader = new MonitorReader(problems, formats, actionReader, values, extensions, envName);
    }

    /** The declared types of the template's parameters, for the load-time type check; before {@link #read}. */
    EnvironmentReader parameterTypes(List<ParameterDef> parameters) {
        formats.parameterTypes(parameters);
        return this;
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
            problems.add(env.location(), FieldValues.pathOf(env), "environment '" + envName + "' does nothing;"
                    + " give it a script (script: {actions: {onEnter: ...}}), variables, or an onMonitor");
        }
        Map<String, FormatString> variables = env.has("variables") ? variables(env) : Map.of();

        Fields script = env.has("script") ? env.nested("script", "script fields (actions, embeddedFiles, let)",
                SCRIPT_FIELDS, Map.of()) : null;
        List<EmbeddedFileDef> files = List.of();
        Map<String, Optional<ActionDef>> actions = new HashMap<>();
        List<LetBinding> let = List.of();
        if (script != null) {
            if (script.has("embeddedFiles")) {
                formats.fileNames(EmbeddedFileReader.names(script.node("embeddedFiles")));
            }
            if (script.has("let")) {
                let = let(script);
                formats.bindingTypes(LetBinding.types(let, formats.narrow(Scope.ENVIRONMENT_ACTION,
                        "the let bindings of environment '" + envName + "'", Set.of())));
                formats.bindings(let.stream().map(LetBinding::name).toList());
            }
            if (!script.has("actions")) {
                problems.add(script.location(), script.path("actions"), "missing; a script needs actions, e.g."
                        + " actions: {onEnter: {command: ./setup.sh}}");
            } else {
                actions = actionReader.read(script);
            }
            if (script.has("embeddedFiles")) {
                files = fileReader.read(script);
            }
        }
        Optional<MonitorDef> monitor = env.has("onMonitor") ? monitorReader.read(env) : Optional.empty();
        if (problems.size() > before) {
            return null;
        }
        return new Body(description, variables, act(actions, "onEnter"), act(actions, "onExit"),
                act(actions, "onWrapEnvEnter"), act(actions, "onWrapTaskRun"), act(actions, "onWrapEnvExit"), files,
                monitor, let);
    }

    /**
     * The script's {@code let} bindings (OpenJD RFC 0005, EXPR extension): each {@code name = expression},
     * checked in order against what an action may use plus the bindings before it.
     */
    private List<LetBinding> let(Fields script) {
        String path = script.path("let");
        if (!extensions.contains(Extension.EXPR)) {
            problems.add(script.node("let"), path, "let bindings belong to the EXPR extension; declare it, e.g."
                    + " extensions: [EXPR]");
            return List.of();
        }
        List<String> texts = script.strings("let", "[\"work_dir = Param.OutputDir / 'work'\"]");
        if (texts == null) {
            return List.of();
        }
        YamlNode node = script.node("let");
        List<YamlNode> items = node instanceof YamlNode.Sequence s ? s.items() : List.of();
        List<LetBinding> out = new ArrayList<>();
        List<YamlNode> outNodes = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            YamlNode item = i < items.size() ? items.get(i) : node;
            try {
                out.add(LetBinding.parse(texts.get(i)));
                outNodes.add(item);
            } catch (FormatStringException e) {
                String p = path + "[" + i + "]";
                e.problems().forEach(problem -> problems.add(item, p, problem.message()));
            }
        }
        Scope scope = formats.narrow(Scope.ENVIRONMENT_ACTION, "the let bindings of environment '" + envName + "'",
                Set.of());
        for (FormatProblem problem : LetBinding.validateAll(out, scope)) {
            int i = 0;
            while (i < out.size() - 1 && !out.get(i).text().equals(problem.text())) {
                i++;
            }
            problems.add(outNodes.get(i), path + "[" + texts.indexOf(out.get(i).text()) + "]",
                    formats.explain(problem, scope).message());
        }
        return out;
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
        Scope scope = formats.narrow(Scope.ENVIRONMENT_ACTION, "the variables of environment '" + envName + "'",
                Set.of("Env.File.*"));
        Map<String, FormatString> out = new LinkedHashMap<>();
        for (YamlNode.Entry e : m.entries().values()) {
            String p = Fields.child(path, e.key());
            if (!VARIABLE_NAME.matcher(e.key()).matches() || e.key().length() > 256) {
                problems.add(e.keyLocation(), p, "'" + e.key() + "' is not a variable name; use letters, digits"
                        + " and '_', not starting with a digit, at most 256 characters");
                continue;
            }
            FormatString value = formats.format(e.value(), p, scope, true, false);
            if (value != null) {
                out.put(e.key(), value);
            }
        }
        return out;
    }
}
