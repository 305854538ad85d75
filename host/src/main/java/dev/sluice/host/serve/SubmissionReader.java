package dev.sluice.host.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.host.pipeline.SettingsReader;
import dev.sluice.yaml.Fields;
import dev.sluice.yaml.InvalidInputException;
import dev.sluice.yaml.Problems;
import dev.sluice.yaml.Suggestions;
import dev.sluice.yaml.YamlNode;
import dev.sluice.yaml.YamlReader;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a submission's JSON body with the loaders' checks and words: each problem names its place in the
 * body ({@code request body:1:23}), the field and the fix, as a pipeline's would. The body is read into
 * the loaders' located nodes by a JSON parser ({@link YamlReader#readJson}), which is what gives the places.
 */
final class SubmissionReader {
    static final java.nio.file.Path BODY = Path.of("request body");
    static final List<String> FIELDS = List.of("class", "execution", "inputs", "workflow_id", "tenant", "context");
    static final List<String> EXECUTION_FIELDS = List.of("command", "script", "env");
    /** Fields the API will take and does not yet: said as such rather than as unknown. */
    private static final Map<String, String> NOT_YET = Map.of(
            "hints", "per-task hints are not taken yet; set them for the class in the config's"
                    + " process.withLabel.<class>.hints",
            "callback", "callbacks are not sent yet; poll GET /v1/tasks/{id}");
    private static final Map<String, String> EXECUTION_NOT_YET = Map.of(
            "image", "a per-task image is not taken yet; route the task to a class whose config sets its image"
                    + " (process.withLabel.<class>.hints, e.g. docker/image)",
            "mounts", "per-task mounts are not taken yet; set them for the class in the config",
            "resources", "per-task resources are not taken yet; set them for the class in the config's"
                    + " process.withLabel.<class>.resources");
    private static final int MAX_CONTEXT_CHARS = 16 * 1024;
    /**
     * The longest tenant and workflow id, in characters: names, kept with every task, written to its record
     * and the event log and given back in every view; a tenant also keys the admission's counts.
     */
    static final int MAX_NAME_CHARS = 256;
    private static final ObjectMapper JSON = new ObjectMapper();

    private SubmissionReader() {
    }

    /**
     * The submission in {@code body}, for one of {@code classes}.
     *
     * @throws InvalidInputException listing every problem, each with place, field and fix
     */
    static Submission read(String body, Set<String> classes) throws InvalidInputException {
        Problems problems = new Problems();
        YamlNode root = YamlReader.readJson(body, BODY, "request body", problems);
        problems.throwIfAny();
        if (root == null) {
            problems.add(new dev.sluice.yaml.Location(BODY, 1, 1), "", "the body is empty; send a JSON object such as"
                    + " {\"class\": \"cpu_short\", \"execution\": {\"command\": [\"echo\", \"hi\"]}}");
            problems.throwIfAny();
        }
        Map<String, String> notes = new LinkedHashMap<>(NOT_YET);
        Fields f = Fields.of(root, "", "a task (" + String.join(", ", FIELDS) + ")", problems, FIELDS, notes);
        String taskClass = f.string("class");
        if (!f.has("class")) {
            problems.add(f.location(), "class", "no class: add \"class\": one of " + String.join(", ", classes));
        } else if (taskClass != null && !classes.contains(taskClass)) {
            problems.add(f.node("class"), "class", "unknown class '" + taskClass + "'"
                    + Suggestions.closest(taskClass, classes).map(s -> "; did you mean '" + s + "'?").orElse("")
                    + "; the classes are " + String.join(", ", classes));
        }
        List<String> argv = null;
        String script = null;
        Map<String, String> env = Map.of();
        if (!f.has("execution")) {
            problems.add(f.location(), "execution", "no execution: add e.g. \"execution\": {\"command\": [\"echo\","
                    + " \"hi\"]} or {\"script\": \"echo hi\"}");
        } else {
            Fields x = f.nested("execution", "execution settings (" + String.join(", ", EXECUTION_FIELDS) + ")",
                    EXECUTION_FIELDS, EXECUTION_NOT_YET);
            argv = x.strings("command", "[\"echo\", \"hi\"]");
            script = x.string("script");
            if (x.has("command") == x.has("script")) {
                problems.add(f.keyLocation("execution"), "execution", x.has("command")
                        ? "give command or script, not both" : "give command (a list) or script (a text)");
            } else if (argv != null && argv.isEmpty()) {
                problems.add(x.node("command"), "execution.command", "the command is empty; give the program and"
                        + " its arguments, e.g. [\"echo\", \"hi\"]");
            } else if (script != null && script.isBlank()) {
                problems.add(x.node("script"), "execution.script", "the script is empty");
            }
            Map<String, String> given = x.stringMap("env", "{\"LANG\": \"C\"}");
            if (given != null) {
                for (String name : given.keySet()) {
                    if (!SettingsReader.ENV_NAME.matcher(name).matches()) {
                        problems.add(x.node("env"), "execution.env." + name, "'" + name + "' is not an environment"
                                + " variable name; use letters, digits and '_', not starting with a digit");
                    }
                }
                env = given;
            }
        }
        List<Path> inputs = new ArrayList<>();
        List<String> given = f.strings("inputs", "[\"/data/in.txt\"]");
        if (given != null) {
            for (String in : given) {
                Path p = null;
                try {
                    p = Path.of(in);
                } catch (InvalidPathException e) {
                    // said below
                }
                if (p == null || !p.isAbsolute()) {
                    problems.add(f.node("inputs"), "inputs", "'" + in + "' is not an absolute path; the service has no"
                            + " directory of yours to resolve it against");
                } else {
                    inputs.add(p.normalize());
                }
            }
        }
        String workflowId = name(f, "workflow_id", problems);
        String tenant = name(f, "tenant", problems);
        problems.throwIfAny();
        return new Submission(taskClass, argv, script, env, inputs, workflowId, tenant, context(body));
    }

    /** {@code field}'s text, refused past {@link #MAX_NAME_CHARS}. */
    private static String name(Fields f, String field, Problems problems) {
        String value = f.string(field);
        if (value != null && value.codePointCount(0, value.length()) > MAX_NAME_CHARS) {
            problems.add(f.node(field), field, field + " is " + value.codePointCount(0, value.length())
                    + " characters; keep it within " + MAX_NAME_CHARS + " (it is a name, kept with every task and"
                    + " given back in every view)");
            return null;
        }
        return value;
    }

    /** The context as given, any JSON; the reading above has checked the body's syntax and bounds already. */
    private static JsonNode context(String body) throws InvalidInputException {
        try {
            // Past a byte-order mark, which the reading above allows and Jackson's tree reader does not.
            JsonNode context = JSON.readTree(body.startsWith("\uFEFF") ? body.substring(1) : body).get("context");
            if (context != null && context.toString().length() > MAX_CONTEXT_CHARS) {
                Problems problems = new Problems();
                problems.add(new dev.sluice.yaml.Location(BODY, 1, 1), "context", "the context is "
                        + context.toString().length() + " characters; keep it within " + MAX_CONTEXT_CHARS
                        + " (store large things elsewhere and pass their reference)");
                problems.throwIfAny();
            }
            return context == null || context.isNull() ? null : context;
        } catch (JsonProcessingException e) {
            Problems problems = new Problems();
            problems.add(new dev.sluice.yaml.Location(BODY, 1, 1), "", "the body is not JSON: send a JSON object");
            problems.throwIfAny();
            return null;
        }
    }
}
