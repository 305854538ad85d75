package dev.sluice.openjd.model;

import dev.sluice.yaml.InvalidInputException;
import dev.sluice.yaml.Location;
import dev.sluice.yaml.Problem;
import dev.sluice.yaml.Fields;
import dev.sluice.yaml.Problems;
import dev.sluice.yaml.Suggestions;
import dev.sluice.yaml.YamlNode;
import dev.sluice.yaml.YamlReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Reads a pipeline's {@code environments:} map (inline definitions and references to OpenJD
 * environment template files) and checks each process's {@code environment:} stack against it. Every
 * problem goes to the pipeline loader's {@link Problems}, with file, line, column and field, so that
 * all are reported before anything runs. The format is described in
 * {@code docs/user-guide/environments.md}.
 *
 * <p>One loader serves one pipeline file: {@link #read} first, then {@link #stack} per process.
 */
public final class EnvironmentLoader {
    /** The name of an environment under {@code environments:}. */
    public static final Pattern ENVIRONMENT_NAME = Pattern.compile("[A-Za-z0-9_-]+");
    /** The only template version sluice reads. */
    public static final String SPECIFICATION_VERSION = "environment-2023-09";
    /** The ADR that explains why a process may have one wrapping environment only. */
    public static final String ONE_WRAPPING_LAYER_ADR = "docs/adr/2026-11-22-one-wrapping-layer.md";

    static final List<String> INLINE_FIELDS = List.of("name", "description", "extensions", "script", "variables",
            "onMonitor", ReferenceBehaviour.FIELD);
    static final List<String> REFERENCE_FIELDS = List.of("template", "parameters", ReferenceBehaviour.FIELD);
    /** Why {@code referenceRuntime} is not a template's field: a template stays portable to other runtimes. */
    private static final String REFERENCE_RUNTIME_NOTE = ReferenceBehaviour.FIELD + " says how sluice runs the"
            + " environment, not what it is, so it belongs in the pipeline, next to template: (a template file stays"
            + " as other OpenJD runtimes read it); move it there";
    static final List<String> TEMPLATE_FIELDS = List.of("specificationVersion", "extensions", "parameterDefinitions",
            "environment");
    private static final String INLINE_EXAMPLE = "environments:\n  tools:\n    variables: {PATH: \"/opt/tools/bin:"
            + "/usr/bin:/bin\"}";

    private final Path pipelineFile;
    private final Problems problems;
    private final Map<String, EnvironmentDef> defined = new LinkedHashMap<>();
    private final Set<String> declared = new LinkedHashSet<>();
    /** Parsed template files by absolute path; an empty value marks one whose problems are already reported. */
    private final Map<Path, Optional<Template>> templates = new HashMap<>();

    /** A template file's checked content, before parameter values are bound. */
    private record Template(Path file, Location location, String name, Set<Extension> extensions,
            List<ParameterDef> parameters, EnvironmentReader.Body body) {
    }

    /**
     * @param pipelineFile the pipeline file as given, against whose directory template paths resolve
     * @param problems     where problems go
     */
    public EnvironmentLoader(Path pipelineFile, Problems problems) {
        this.pipelineFile = pipelineFile;
        this.problems = problems;
    }

    /**
     * Reads the pipeline's {@code environments:} value.
     *
     * @param node the value
     * @param path its field path, {@code environments}
     * @return the environments without problems, by name in the order written
     */
    public Map<String, EnvironmentDef> read(YamlNode node, String path) {
        YamlNode.Mapping mapping = Fields.mapping(node, path, "environment names to environments, e.g.\n"
                + INLINE_EXAMPLE, problems);
        if (mapping == null) {
            return Map.of();
        }
        for (YamlNode.Entry entry : mapping.entries().values()) {
            String name = entry.key();
            String p = Fields.child(path, name);
            declared.add(name);
            if (!ENVIRONMENT_NAME.matcher(name).matches()) {
                problems.add(entry.keyLocation(), p, "'" + name + "' is not a valid environment name; use only"
                        + " letters, digits, '_' and '-'");
                continue;
            }
            YamlNode.Mapping fields = Fields.mapping(entry.value(), p, "environment fields, e.g. {template:"
                    + " envs/conda.yaml} or {script: {actions: {onEnter: {command: ./setup.sh}}}}", problems);
            if (fields == null) {
                continue;
            }
            // An empty value (helper:) is an empty map, whose missing fields are then named.
            boolean reference = fields.entries().containsKey("template");
            EnvironmentDef def = reference ? reference(name, entry, p) : inline(name, entry, p);
            Set<ReferenceBehaviour> asReference = referenceRuntime(fields, p, def);
            if (def != null && asReference != null) {
                defined.put(name, def.withReferenceRuntime(asReference));
            }
        }
        return Collections.unmodifiableMap(defined);
    }

    /**
     * Reads an entry's {@code referenceRuntime:}: a list of {@link ReferenceBehaviour} names, or one name.
     *
     * @param def the entry's definition, or {@code null} when it has problems (then only the names are checked)
     * @return the behaviours asked for, or {@code null} with problems
     */
    private Set<ReferenceBehaviour> referenceRuntime(YamlNode.Mapping fields, String entryPath, EnvironmentDef def) {
        YamlNode.Entry field = fields.entries().get(ReferenceBehaviour.FIELD);
        if (field == null) {
            return Set.of();
        }
        String path = Fields.child(entryPath, ReferenceBehaviour.FIELD);
        String example = "[" + String.join(", ", ReferenceBehaviour.keywords()) + "]";
        YamlNode node = field.value();
        List<YamlNode> items;
        List<String> paths = new ArrayList<>();
        if (node instanceof YamlNode.Scalar s && !s.isNull()) {
            items = List.of(node);
            paths.add(path);
        } else {
            items = Fields.sequence(node, path, example, problems);
            if (items == null) {
                return null;
            }
            if (items.isEmpty()) {
                problems.add(node, path, "the list is empty; name what to run as the reference runtime does, e.g. "
                        + ReferenceBehaviour.FIELD + ": [" + ReferenceBehaviour.MASK_TASK_OUTPUT.keyword()
                        + "], or remove the field");
                return null;
            }
            for (int i = 0; i < items.size(); i++) {
                paths.add(path + "[" + i + "]");
            }
        }
        int before = problems.size();
        Set<ReferenceBehaviour> found = EnumSet.noneOf(ReferenceBehaviour.class);
        for (int i = 0; i < items.size(); i++) {
            String name = Fields.text(items.get(i), paths.get(i), "a name, one of " + example, problems);
            if (name == null) {
                continue;
            }
            Optional<ReferenceBehaviour> b = ReferenceBehaviour.named(name);
            if (b.isEmpty()) {
                problems.add(items.get(i), paths.get(i), "unknown behaviour '" + name + "'"
                        + Suggestions.didYouMean(name, ReferenceBehaviour.keywords()) + "; sluice can run as the"
                        + " reference runtime does for " + String.join(", ", ReferenceBehaviour.keywords())
                        + " (see docs/user-guide/environments.md, Differences from the reference runtime)");
            } else if (!found.add(b.get())) {
                problems.add(items.get(i), paths.get(i), "'" + name + "' is listed twice; list each behaviour once");
            } else if (b.get() == ReferenceBehaviour.TASK_VARIABLES && def != null && !def.wraps()) {
                problems.add(items.get(i), paths.get(i), "taskVariables is about tasks run through a wrapping"
                        + " environment's onWrapTaskRun, and this environment does not wrap: give it the wrap hooks,"
                        + " or list taskVariables on the wrapping environment its tasks run in");
            } else if (b.get() == ReferenceBehaviour.FRESH_EMBEDDED_FILES && def != null
                    && def.embeddedFiles().stream().allMatch(f -> f.filename().isPresent())) {
                // Only a file without a filename has a random name to renew; the others are rewritten before
                // every action already, so the opt-in would change nothing and suggest it does.
                problems.add(items.get(i), paths.get(i), "freshEmbeddedFiles gives new random names to embedded"
                        + " files without a filename, and this environment has "
                        + (def.embeddedFiles().isEmpty() ? "no embedded files"
                                : "none without one (a file with a filename is rewritten at the same path before"
                                        + " every action as it is)")
                        + ": remove freshEmbeddedFiles, or remove the filename of the files that should get"
                        + " new names");
            }
        }
        return problems.size() > before ? null : found;
    }

    private EnvironmentDef inline(String name, YamlNode.Entry entry, String path) {
        int before = problems.size();
        Fields f = Fields.of(entry.value(), path, "environment fields", problems, INLINE_FIELDS, Map.of(
                "parameters", "parameters go with a template file (template: ..., parameters: ...); an inline"
                        + " environment has none",
                "specificationVersion", "a whole template belongs in a file of its own; refer to it with"
                        + " template: <path>",
                "environment", "a whole template belongs in a file of its own; refer to it with template: <path>"));
        if (f.has("name")) {
            String written = f.string("name");
            if (written != null && !written.equals(name)) {
                problems.add(f.node("name"), f.path("name"), "the name '" + written + "' differs from the key '"
                        + name + "'; processes refer to an environment by its key: remove name or write name: "
                        + name);
            }
        }
        Set<Extension> extensions = EnvironmentReader.extensions(f, problems);
        EnvironmentReader.Body body = new EnvironmentReader(problems, name, extensions, Set.of(), true).read(f);
        if (body == null || problems.size() > before) {
            return null;
        }
        return body.toDef(name, entry.keyLocation(), null, extensions, Map.of());
    }

    private EnvironmentDef reference(String name, YamlNode.Entry entry, String path) {
        int before = problems.size();
        Fields f = Fields.of(entry.value(), path, "template reference fields", problems, REFERENCE_FIELDS,
                Map.of("script", "an environment is a template reference (template, parameters) or an inline"
                        + " definition (script, variables, ...), not both"));
        String given = f.string("template");
        if (given == null) {
            return null;
        }
        if (given.isBlank()) {
            problems.add(f.node("template"), f.path("template"), "the template path is blank; write the path of"
                    + " an environment template file, relative to the pipeline file");
            return null;
        }
        Path file = pipelineFile.resolveSibling(given);
        if (!Files.isRegularFile(file)) {
            problems.add(f.node("template"), f.path("template"), (Files.isDirectory(file) ? file + " is a directory"
                    : "no such file: " + file + " (" + file.toAbsolutePath().normalize() + ")")
                    + "; the template path is relative to the pipeline file's directory");
            return null;
        }
        Map<String, String> values = f.has("parameters") ? f.stringMap("parameters", "{CondaEnv: base}") : Map.of();
        Optional<Template> template = templates.computeIfAbsent(file.toAbsolutePath().normalize(),
                k -> Optional.ofNullable(readTemplate(file)));
        if (template.isEmpty() || values == null || problems.size() > before) {
            return null;
        }
        Map<String, ParameterValue> bound = bind(template.get(), values, f, entry.keyLocation());
        if (bound == null) {
            return null;
        }
        Template t = template.get();
        return t.body().toDef(name, entry.keyLocation(), t.file(), t.extensions(), bound, t.name());
    }

    /**
     * Values for every parameter of {@code template}: the given one, else the default.
     *
     * @param ref   the reference's fields, for the places of problems; {@code null} for a template loaded alone
     * @param where the place to report a missing value at
     * @return the values, or {@code null} with problems
     */
    private Map<String, ParameterValue> bind(Template template, Map<String, String> values, Fields ref,
            Location where) {
        int before = problems.size();
        Set<String> defined = template.parameters().stream().map(ParameterDef::name)
                .collect(Collectors.toCollection(LinkedHashSet::new));
        for (String given : values.keySet()) {
            if (!defined.contains(given)) {
                problems.add(ref == null ? where : keyLocation(ref, given), parameterPath(ref, given),
                        "template " + template.file() + " has no parameter '" + given + "'"
                                + (defined.isEmpty() ? "; it defines none: remove parameters"
                                        : Suggestions.closest(given, defined).map(s -> "; did you mean '" + s + "'?")
                                                .orElse("; its parameters are " + String.join(", ", defined))));
            }
        }
        Map<String, ParameterValue> out = new LinkedHashMap<>();
        for (ParameterDef def : template.parameters()) {
            String value = values.get(def.name());
            if (value == null && def.defaultValue().isEmpty()) {
                // A template loaded alone has no reference to point at: its definition is the place.
                problems.add(ref == null ? def.location() : where, parameterPath(ref, def.name()),
                        "parameter '" + def.name() + "' of template " + template.file() + " has no default and no value; give it one: parameters: {"
                        + def.name() + ": <value>}");
                continue;
            }
            if (value != null) {
                Optional<String> why = def.violation(value);
                if (why.isPresent()) {
                    problems.add(ref == null ? def.location() : valueNode(ref, def.name()).location(),
                            parameterPath(ref, def.name()), why.get() + "; give a value that fits");
                    continue;
                }
            }
            String v = value != null ? value : def.defaultValue().get();
            // An INT as the number ("04" is 4); a FLOAT as written, less spaces around it, since format
            // strings show it so (RFC 0005's pass-through: 3.500 stays 3.500).
            out.put(def.name(), new ParameterValue(def.name(), def.type(), switch (def.type()) {
                case INT -> Long.toString(Long.parseLong(v.trim()));
                case FLOAT -> v.strip();
                case STRING, PATH -> v;
            }));
        }
        return problems.size() > before ? null : out;
    }

    private static String parameterPath(Fields ref, String name) {
        return ref == null ? "parameters." + name : Fields.child(ref.path("parameters"), name);
    }

    private static Location keyLocation(Fields ref, String key) {
        YamlNode.Mapping m = (YamlNode.Mapping) ref.node("parameters");
        return m.entries().get(key).keyLocation();
    }

    private static YamlNode valueNode(Fields ref, String key) {
        YamlNode.Mapping m = (YamlNode.Mapping) ref.node("parameters");
        return m.entries().get(key).value();
    }

    /** Reads and checks a template file; {@code null} with problems. */
    private Template readTemplate(Path file) {
        int before = problems.size();
        // Anchors and aliases as in YAML 1.1, which the reference tools read templates with (issue 18);
        // pipelines and configs still refuse them.
        YamlNode root = YamlReader.readWithAliases(file, "environment template", problems);
        if (problems.size() > before) {
            return null;
        }
        if (root == null) {
            problems.add(Location.ofFile(file), "", "the environment template is empty; it needs at least"
                    + " specificationVersion: " + SPECIFICATION_VERSION + " and an environment");
            return null;
        }
        if (Fields.mapping(root, "", "template fields (specificationVersion, environment, ...)", problems) == null) {
            return null;
        }
        Fields top = Fields.of(root, "", "template fields", problems, TEMPLATE_FIELDS, Map.of(
                "steps", "steps belong to a job template; sluice reads environment templates",
                "jobEnvironments", "jobEnvironments belong to a job template; sluice reads environment templates",
                ReferenceBehaviour.FIELD, REFERENCE_RUNTIME_NOTE));
        if (!top.has("specificationVersion")) {
            problems.add(top.location(), "specificationVersion", "missing; an environment template starts with"
                    + " specificationVersion: " + SPECIFICATION_VERSION);
        } else {
            String version = top.string("specificationVersion");
            if (version != null && !version.equals(SPECIFICATION_VERSION)) {
                problems.add(top.node("specificationVersion"), "specificationVersion", "'" + version + "' is not"
                        + " an environment template version" + (version.startsWith("jobtemplate")
                                ? " (this is a job template)" : "") + "; sluice reads specificationVersion: "
                        + SPECIFICATION_VERSION);
            }
        }
        Set<Extension> extensions = EnvironmentReader.extensions(top, problems);
        ParameterReader parameterReader = new ParameterReader(problems);
        List<ParameterDef> parameters = top.has("parameterDefinitions") ? parameterReader.read(top) : List.of();
        if (!top.has("environment")) {
            problems.add(top.location(), "environment", "missing; write the environment, e.g. environment: {name:"
                    + " Tools, variables: {TOOL_HOME: /opt/tool}}");
            return null;
        }
        if (Fields.mapping(top.node("environment"), "environment", "environment fields (name, script, variables)",
                problems) == null) {
            return null;
        }
        Fields env = Fields.of(top.node("environment"), "environment", "environment fields", problems,
                EnvironmentReader.ENVIRONMENT_FIELDS, Map.of(
                        "extensions", "extensions belong at the top of the template, next to specificationVersion",
                        "parameterDefinitions", "parameterDefinitions belong at the top of the template",
                        ReferenceBehaviour.FIELD, REFERENCE_RUNTIME_NOTE));
        String name = null;
        if (!env.has("name")) {
            problems.add(env.location(), "environment.name", "missing; an OpenJD environment has a name, e.g."
                    + " name: Conda");
        } else {
            name = env.string("name");
            if (name != null && (name.isEmpty() || name.length() > 64 || name.chars().anyMatch(Character::isISOControl))) {
                problems.add(env.node("name"), "environment.name", "'" + name + "' is not an environment name;"
                        + " write 1 to 64 characters without control characters");
            }
        }
        Set<String> parameterNames = new HashSet<>(parameterReader.declaredNames());
        EnvironmentReader.Body body = new EnvironmentReader(problems, name == null ? "?" : name, extensions,
                parameterNames, false).parameterTypes(parameters).read(env);
        if (body == null || problems.size() > before) {
            return null;
        }
        return new Template(file, top.keyLocation("environment"), name, extensions, parameters, body);
    }

    /**
     * Reads a process's {@code environment:} field: one environment name, or a list of them outermost
     * first. Reports unknown names, names listed twice, and more than one wrapping environment.
     *
     * @return the names, empty when the field is absent, or {@code null} with problems
     */
    public List<String> stack(Fields process) {
        if (!process.has("environment")) {
            return List.of();
        }
        int before = problems.size();
        String path = process.path("environment");
        YamlNode node = process.node("environment");
        List<String> names;
        List<YamlNode> nodes;
        List<String> paths = new ArrayList<>();
        if (node instanceof YamlNode.Scalar s && !s.isNull()) {
            names = List.of(s.text());
            nodes = List.of(node);
            paths.add(path);
        } else if (node instanceof YamlNode.Mapping) {
            problems.add(node, path, "expected an environment name or a list of names, outermost first, e.g."
                    + " environment: [docker, conda], got a map; define environments under the top-level"
                    + " environments: and name them here");
            return null;
        } else {
            names = Fields.texts(node, path, "[docker, conda]", problems);
            if (names == null) {
                return null;
            }
            nodes = node instanceof YamlNode.Sequence q ? q.items() : List.of();
            for (int i = 0; i < names.size(); i++) {
                paths.add(path + "[" + i + "]");
            }
            if (names.isEmpty()) {
                problems.add(node, path, "no environment named; name one, e.g. environment: conda, or remove the"
                        + " field");
                return null;
            }
        }
        Set<String> seen = new HashSet<>();
        List<String> wrapping = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i);
            if (!declared.contains(name)) {
                problems.add(nodes.get(i), paths.get(i), "no environment is named '" + name + "'" + (declared.isEmpty()
                        ? "; the pipeline defines none: define it under the top-level environments:"
                        : Suggestions.closest(name, declared).map(s -> "; did you mean '" + s + "'?")
                                .orElse("; the environments are " + String.join(", ", declared))));
            } else if (!seen.add(name)) {
                problems.add(nodes.get(i), paths.get(i), "'" + name + "' is listed twice; a process enters each"
                        + " environment once");
            } else if (defined.containsKey(name) && defined.get(name).wraps()) {
                wrapping.add(name);
                if (wrapping.size() == 2) {
                    problems.add(nodes.get(i), paths.get(i), "environments '" + wrapping.get(0) + "' and '" + name
                            + "' both wrap the actions inside them; a process may have one wrapping environment"
                            + " (nested wrapping is not supported, see " + ONE_WRAPPING_LAYER_ADR + "): keep one"
                            + " of them, or make the other non-wrapping");
                }
            }
        }
        return problems.size() > before ? null : List.copyOf(names);
    }

    /**
     * What {@link #checkTemplate} found in a valid template.
     *
     * @param name       the environment's name
     * @param extensions the extensions declared
     * @param parameters the parameters defined, in order
     * @param wraps      whether the environment wraps the actions inside it
     */
    public record CheckedTemplate(String name, Set<Extension> extensions, List<ParameterDef> parameters,
            boolean wraps) {
    }

    /**
     * Checks one template file as OpenJD's {@code openjd check} does, without parameter values: its YAML,
     * schema, names, format strings and extensions. Parameters without a default are fine here; a
     * pipeline that uses the template gives them values.
     *
     * @throws InvalidInputException listing every problem, each with file, line, column and field
     */
    public static CheckedTemplate checkTemplate(Path file) throws InvalidInputException {
        Problems problems = new Problems();
        EnvironmentLoader loader = new EnvironmentLoader(file, problems);
        Template t = loader.readTemplate(file);
        problems.throwIfAny();
        return new CheckedTemplate(t.name(), t.extensions(), t.parameters(),
                t.body().toDef(t.name(), t.location(), file, t.extensions(), Map.of()).wraps());
    }

    /**
     * Loads one OpenJD environment template file on its own, for tools and tests. The environment is
     * named as the template names it.
     *
     * @param parameters values for the template's parameters; the others take their defaults
     * @throws InvalidInputException listing every problem, each with file, line, column and field
     */
    public static EnvironmentDef loadTemplate(Path file, Map<String, String> parameters) throws InvalidInputException {
        Problems problems = new Problems();
        EnvironmentLoader loader = new EnvironmentLoader(file, problems);
        if (!Files.isRegularFile(file)) {
            throw new InvalidInputException(new Problem(null, "", "no such file: " + file + " ("
                    + file.toAbsolutePath().normalize() + "); check the environment template's path"));
        }
        Template t = loader.readTemplate(file);
        problems.throwIfAny();
        // Values for parameters the template does not define are named at its environment.
        Map<String, ParameterValue> bound = loader.bind(t, parameters, null, t.location());
        problems.throwIfAny();
        return t.body().toDef(t.name(), t.location(), file, t.extensions(), bound);
    }
}
