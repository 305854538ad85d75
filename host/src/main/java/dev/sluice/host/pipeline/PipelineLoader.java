package dev.sluice.host.pipeline;

import dev.sluice.yaml.Location;
import dev.sluice.yaml.Problem;
import dev.sluice.yaml.InvalidInputException;

import dev.sluice.openjd.model.EnvironmentDef;
import dev.sluice.openjd.model.EnvironmentLoader;
import dev.sluice.yaml.Fields;
import dev.sluice.yaml.Problems;
import dev.sluice.host.pipeline.SettingsReader;
import dev.sluice.yaml.Suggestions;
import dev.sluice.yaml.YamlNode;
import dev.sluice.yaml.YamlReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.pf4j.DefaultVersionManager;

/**
 * Loads and checks a pipeline file. Every problem of the file is collected and thrown together in an
 * {@link InvalidInputException}, each with its place, field and fix. The format is described in
 * {@code docs/user-guide/pipelines.md}.
 */
public final class PipelineLoader {
    /** A process name. */
    public static final Pattern PROCESS_NAME = Pattern.compile("[A-Za-z0-9_-]+");
    /** A param name, as matrix and each keys and templates write it. */
    public static final Pattern PARAM_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    /** A label. */
    public static final Pattern LABEL = Pattern.compile("[A-Za-z0-9_.-]+");
    /** The param a list of plain values in {@code each} sets. */
    public static final String ITEM_PARAM = "item";
    /** The most tasks one process may fan out to; more is nearly always a mistake in a matrix. */
    public static final int MAX_TASKS_PER_PROCESS = 100_000;

    static final List<String> TOP_FIELDS = List.of("name", "plugins", "environments", "processes");
    static final List<String> PROCESS_FIELDS = Stream.concat(
            Stream.of("command", "script", "matrix", "each", "dependsOn", "labels", "inputs", "environment"),
            SettingsReader.FIELDS.stream().filter(f -> !f.equals("pollInterval"))).toList();
    private static final Map<String, String> PROCESS_NOTES = Map.of("pollInterval",
            "pollInterval is the operator's setting: set it in the config under process.withName.<process>"
                    + " or executors.<executor>");
    private static final String PROCESS_EXAMPLE = "processes:\n  hello:\n    command: [echo, hello]";

    private final Path file;
    private final Problems problems = new Problems();
    private final ParamSets paramSets = new ParamSets(problems);
    private final EnvironmentLoader environmentLoader;

    private PipelineLoader(Path file) {
        this.file = file;
        this.environmentLoader = new EnvironmentLoader(file, problems);
    }

    /**
     * Loads the pipeline in {@code file}.
     *
     * @throws InvalidInputException listing every problem found, each with file, line, column, field
     *                               and fix
     */
    public static Pipeline load(Path file) throws InvalidInputException {
        return new PipelineLoader(file).load();
    }

    private Pipeline load() throws InvalidInputException {
        YamlNode root = YamlReader.read(file, "pipeline file", problems);
        problems.throwIfAny();
        if (root == null) {
            throw new InvalidInputException(new Problem(Location.ofFile(file), "",
                    "the pipeline file is empty; it needs at least one process, e.g.\n" + PROCESS_EXAMPLE));
        }
        if (Fields.mapping(root, "", "pipeline fields (name, plugins, environments, processes)", problems) == null) {
            throw new InvalidInputException(problems.list());
        }
        Fields top = Fields.of(root, "", "pipeline fields", problems, TOP_FIELDS, Map.of());
        String name = top.has("name") ? top.string("name") : defaultName();
        if (name != null && name.isBlank()) {
            problems.add(top.node("name"), "name", "the name is blank; write a name or remove the field");
        }
        List<PluginRequirement> plugins = plugins(top);
        // Before the processes, whose environment: stacks name these.
        Map<String, EnvironmentDef> environments = top.has("environments")
                ? environmentLoader.read(top.node("environments"), "environments") : Map.of();
        Map<String, ProcessDef> processes = processes(top);
        problems.throwIfAny();
        return new Pipeline(file, name, plugins, processes, environments);
    }

    private String defaultName() {
        String fileName = file.getFileName().toString();
        int dot = fileName.lastIndexOf('.');
        return dot > 0 ? fileName.substring(0, dot) : fileName;
    }

    private List<PluginRequirement> plugins(Fields top) {
        if (!top.has("plugins")) {
            return List.of();
        }
        List<YamlNode> items = Fields.sequence(top.node("plugins"), "plugins",
                "[{id: files, version: \">=0.1.0\"}]", problems);
        if (items == null) {
            return List.of();
        }
        List<PluginRequirement> plugins = new ArrayList<>();
        Map<String, Location> seen = new HashMap<>();
        for (int i = 0; i < items.size(); i++) {
            String path = "plugins[" + i + "]";
            YamlNode item = items.get(i);
            Fields f = Fields.of(item, path, "plugin fields, e.g. {id: files, version: \">=0.1.0\"}", problems,
                    List.of("id", "version", "sha256"), Map.of());
            if (!f.has("id")) {
                problems.add(item, path, "the plugin entry has no id; write e.g. - id: files");
                continue;
            }
            String id = f.string("id");
            String version = f.string("version");
            if (id == null) {
                continue;
            }
            if (id.isBlank()) {
                problems.add(f.node("id"), f.path("id"), "the plugin id is blank; write the plugin's id, e.g. files");
                continue;
            }
            if (version != null && !isVersionConstraint(version)) {
                problems.add(f.node("version"), f.path("version"), "'" + version
                        + "' is not a version constraint; write e.g. >=0.1.0, 1.2.3 or \">=1.0.0 & <2.0.0\"");
            }
            String sha256 = f.string("sha256");
            if (sha256 != null && !sha256.matches("[0-9a-fA-F]{64}")) {
                problems.add(f.node("sha256"), f.path("sha256"), "'" + sha256 + "' is not a SHA-256 digest; write the"
                        + " 64 hex digits of the plugin zip's digest, as sha256sum prints them");
                sha256 = null;
            }
            Location first = seen.putIfAbsent(id, f.node("id").location());
            if (first != null) {
                problems.add(f.node("id"), f.path("id"), "plugin '" + id + "' is already listed at line "
                        + first.line() + "; list each plugin once");
                continue;
            }
            plugins.add(new PluginRequirement(id, version, item.location(), sha256));
        }
        return plugins;
    }

    private static boolean isVersionConstraint(String constraint) {
        try {
            new DefaultVersionManager().checkVersionConstraint("0.0.0", constraint);
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    private Map<String, ProcessDef> processes(Fields top) {
        if (!top.has("processes")) {
            problems.add(top.location(), "processes",
                    "missing; a pipeline needs at least one process, e.g.\n" + PROCESS_EXAMPLE);
            return Map.of();
        }
        YamlNode.Mapping mapping = Fields.mapping(top.node("processes"), "processes",
                "process names to processes", problems);
        if (mapping == null) {
            return Map.of();
        }
        if (mapping.entries().isEmpty()) {
            problems.add(mapping, "processes", "no processes; a pipeline needs at least one, e.g.\n" + PROCESS_EXAMPLE);
        }
        Map<String, ProcessDef> processes = new LinkedHashMap<>();
        Map<String, Dependencies> dependencies = new LinkedHashMap<>();
        for (YamlNode.Entry entry : mapping.entries().values()) {
            String name = entry.key();
            if (!PROCESS_NAME.matcher(name).matches()) {
                problems.add(entry.keyLocation(), "processes." + name, "'" + name
                        + "' is not a valid process name; use only letters, digits, '_' and '-'");
            }
            ProcessDef def = process(name, entry, dependencies);
            if (def != null) {
                processes.put(name, def);
            }
        }
        checkDependencies(mapping.entries().keySet(), dependencies);
        return processes;
    }

    /** A process's {@code dependsOn} as written, for the checks that need the whole pipeline. */
    private record Dependencies(Fields fields, List<String> names) {
    }

    private ProcessDef process(String name, YamlNode.Entry entry, Map<String, Dependencies> dependencies) {
        int before = problems.size();
        String p = "processes." + name;
        if (Fields.mapping(entry.value(), p, "process fields, e.g. {command: [echo, hello]}", problems) == null) {
            return null;
        }
        Fields f = Fields.of(entry.value(), p, "process fields", problems, PROCESS_FIELDS, PROCESS_NOTES);

        List<String> argv = null;
        String script = null;
        if (f.has("command") && f.has("script")) {
            problems.add(entry.keyLocation(), p, "has both command and script; keep one: command for an argument"
                    + " list, script for a shell script");
        } else if (!f.has("command") && !f.has("script")) {
            problems.add(entry.keyLocation(), p, "has neither command nor script; add one, e.g. command: [echo, hello]"
                    + " or script: echo hello");
        }
        if (f.has("command")) {
            argv = command(f);
        }
        if (f.has("script")) {
            script = f.string("script");
            if (script != null && script.isBlank()) {
                problems.add(f.node("script"), f.path("script"), "the script is blank; write the shell lines to run");
            }
        }

        List<Map<String, String>> fanOut = List.of();
        if (f.has("matrix") && f.has("each")) {
            problems.add(f.keyLocation("each"), f.path("each"), "matrix and each cannot be combined; use matrix"
                    + " for the cross product of value lists, or each for an explicit list of param sets");
            fanOut = null;
        } else if (f.has("matrix")) {
            fanOut = paramSets.matrix(f.node("matrix"), f.path("matrix"));
        } else if (f.has("each")) {
            fanOut = paramSets.each(f.node("each"), f.path("each"));
        }

        List<String> dependsOn = f.strings("dependsOn", "[fetch]");
        if (dependsOn != null) {
            dependencies.put(name, new Dependencies(f, dependsOn));
        }
        List<String> labels = f.strings("labels", "[big]");
        if (labels != null) {
            YamlNode.Sequence nodes = (YamlNode.Sequence) nodeOrEmptyList(f, "labels");
            for (int i = 0; i < labels.size(); i++) {
                if (!LABEL.matcher(labels.get(i)).matches()) {
                    problems.add(nodes.items().get(i), f.path("labels") + "[" + i + "]", "'" + labels.get(i)
                            + "' is not a valid label; use only letters, digits, '_', '-' and '.'");
                }
            }
        }
        List<String> inputs = f.strings("inputs", "[\"data/{{ Task.Param.sample }}.fq\"]");
        if (inputs != null) {
            YamlNode.Sequence nodes = (YamlNode.Sequence) nodeOrEmptyList(f, "inputs");
            for (int i = 0; i < inputs.size(); i++) {
                if (inputs.get(i).isBlank()) {
                    problems.add(nodes.items().get(i), f.path("inputs") + "[" + i + "]",
                            "the input path is blank; write a path relative to the pipeline file");
                }
            }
        }
        ProcessSettings settings = SettingsReader.read(f, problems);
        List<String> environments = environmentLoader.stack(f);

        if (fanOut != null) {
            Set<String> params = fanOut.isEmpty() ? Set.of() : fanOut.get(0).keySet();
            for (String field : List.of("command", "script", "env", "hints", "inputs")) {
                if (f.has(field)) {
                    checkTemplates(f.node(field), f.path(field), name, params);
                }
            }
        }
        if (problems.size() > before || fanOut == null) {
            return null;
        }
        return new ProcessDef(name, entry.keyLocation(), labels, argv, script, dependsOn, fanOut, inputs, settings,
                environments);
    }

    private static YamlNode nodeOrEmptyList(Fields f, String key) {
        YamlNode n = f.node(key);
        return n instanceof YamlNode.Sequence ? n : new YamlNode.Sequence(List.of(), n.location());
    }

    private List<String> command(Fields f) {
        YamlNode node = f.node("command");
        if (node instanceof YamlNode.Scalar s && !s.isNull()) {
            problems.add(node, f.path("command"), "command is an argument list, e.g. command: [echo, hello];"
                    + " to run a shell line, write script: instead");
            return null;
        }
        List<String> argv = f.strings("command", "[echo, hello]");
        if (argv == null) {
            return null;
        }
        if (argv.isEmpty()) {
            problems.add(node, f.path("command"), "the argument list is empty; write at least the program to run,"
                    + " e.g. command: [echo, hello]");
            return null;
        }
        if (argv.get(0).isBlank()) {
            problems.add(((YamlNode.Sequence) node).items().get(0), f.path("command") + "[0]",
                    "the program name is blank; the first element names the program to run");
            return null;
        }
        return argv;
    }

    /** Reports templates in {@code node} that name a param the process does not have. */
    private void checkTemplates(YamlNode node, String path, String process, Set<String> params) {
        // Tests of type rather than a switch on patterns, whose class the JDK would generate at every start.
        if (node instanceof YamlNode.Scalar s && !s.isNull()) {
            for (String used : Templates.paramNames(s.text())) {
                if (!params.contains(used)) {
                    problems.add(s, path, "{{ Task.Param." + used + " }} names no param of process '" + process
                            + "'; " + (params.isEmpty()
                            ? "the process has no params: define them with matrix: or each:"
                            : "its params are " + String.join(", ", params)
                                    + Suggestions.didYouMean(used, params)));
                }
            }
        } else if (node instanceof YamlNode.Mapping m) {
            m.entries().values().forEach(e -> checkTemplates(e.value(), Fields.child(path, e.key()), process, params));
        } else if (node instanceof YamlNode.Sequence q) {
            for (int i = 0; i < q.items().size(); i++) {
                checkTemplates(q.items().get(i), path + "[" + i + "]", process, params);
            }
        }
    }

    /** Unknown names in {@code dependsOn}, then cycles among the known ones. */
    private void checkDependencies(Set<String> declared, Map<String, Dependencies> dependencies) {
        Map<String, List<String>> graph = new LinkedHashMap<>();
        for (String name : declared) {
            graph.put(name, new ArrayList<>());
        }
        dependencies.forEach((name, deps) -> {
            YamlNode.Sequence nodes = (YamlNode.Sequence) nodeOrEmptyList(deps.fields(), "dependsOn");
            Set<String> distinct = new HashSet<>();
            for (int i = 0; i < deps.names().size(); i++) {
                String dep = deps.names().get(i);
                YamlNode at = nodes.items().get(i);
                String p = deps.fields().path("dependsOn") + "[" + i + "]";
                if (!declared.contains(dep)) {
                    problems.add(at, p, "no process is named '" + dep + "'"
                            + Suggestions.closest(dep, declared).map(s -> "; did you mean '" + s + "'?")
                                    .orElse("; the processes are " + String.join(", ", declared)));
                } else if (!distinct.add(dep)) {
                    problems.add(at, p, "'" + dep + "' is listed twice; list each dependency once");
                } else {
                    graph.get(name).add(dep);
                }
            }
        });
        for (List<String> cycle : cycles(graph)) {
            Dependencies deps = dependencies.get(cycle.get(0));
            problems.add(deps.fields().node("dependsOn"), deps.fields().path("dependsOn"),
                    "dependsOn forms a cycle: " + String.join(" -> ", cycle) + "; remove one of these dependencies");
        }
    }

    /**
     * Cycles found by a depth-first walk, each written from its earliest declared process and ending
     * where it started ({@code a -> b -> a}). Finds at least one cycle in every tangle of processes.
     */
    static List<List<String>> cycles(Map<String, List<String>> graph) {
        Map<String, Integer> order = new HashMap<>();
        for (String name : graph.keySet()) {
            order.put(name, order.size());
        }
        Map<String, Integer> state = new HashMap<>(); // absent: unvisited, 1: on the path, 2: done
        Set<List<String>> found = new LinkedHashSet<>();
        for (String start : graph.keySet()) {
            if (!state.containsKey(start)) {
                walk(start, graph, state, new ArrayList<>(), found, order);
            }
        }
        return new ArrayList<>(found);
    }

    /**
     * The depth-first walk from {@code start}, with a stack of its own rather than the thread's: a chain
     * of thousands of processes is as valid as a short one (issue 16).
     */
    private static void walk(String start, Map<String, List<String>> graph, Map<String, Integer> state,
            List<String> path, Set<List<String>> found, Map<String, Integer> order) {
        java.util.ArrayDeque<java.util.Iterator<String>> pending = new java.util.ArrayDeque<>();
        state.put(start, 1);
        path.add(start);
        pending.push(graph.get(start).iterator());
        while (!pending.isEmpty()) {
            java.util.Iterator<String> nexts = pending.peek();
            if (!nexts.hasNext()) {
                pending.pop();
                state.put(path.remove(path.size() - 1), 2);
                continue;
            }
            String next = nexts.next();
            Integer s = state.get(next);
            if (s == null) {
                state.put(next, 1);
                path.add(next);
                pending.push(graph.get(next).iterator());
            } else if (s == 1) {
                found.add(cycleFrom(path, next, order));
            }
        }
    }

    /** The cycle that closes at {@code next} on {@code path}, written from its earliest declared process. */
    private static List<String> cycleFrom(List<String> path, String next, Map<String, Integer> order) {
        List<String> cycle = new ArrayList<>(path.subList(path.lastIndexOf(next), path.size()));
        int first = 0;
        for (int i = 1; i < cycle.size(); i++) {
            if (order.get(cycle.get(i)) < order.get(cycle.get(first))) {
                first = i;
            }
        }
        List<String> rotated = new ArrayList<>(cycle.subList(first, cycle.size()));
        rotated.addAll(cycle.subList(0, first));
        rotated.add(rotated.get(0));
        return rotated;
    }
}
