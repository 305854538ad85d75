package dev.sluice.host.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.host.pipeline.ProcessSettings;
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
    static final List<String> FIELDS = List.of("class", "execution", "hints", "inputs", "callback", "workflow_id",
            "tenant", "context");
    static final List<String> EXECUTION_FIELDS = List.of("command", "script", "env", "image", "mounts", "resources");
    static final List<String> CALLBACK_FIELDS = List.of("url", "token");
    /** The longest image reference, in characters (registries allow 255 for a name, and a tag and digest). */
    static final int MAX_IMAGE_CHARS = 512;
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
    static Submission read(String body, Set<String> classes, CallbackSettings callbacks) throws InvalidInputException {
        Problems problems = new Problems();
        YamlNode root = YamlReader.readJson(body, BODY, "request body", problems);
        problems.throwIfAny();
        if (root == null) {
            problems.add(new dev.sluice.yaml.Location(BODY, 1, 1), "", "the body is empty; send a JSON object such as"
                    + " {\"class\": \"cpu_short\", \"execution\": {\"command\": [\"echo\", \"hi\"]}}");
            problems.throwIfAny();
        }
        Fields f = Fields.of(root, "", "a task (" + String.join(", ", FIELDS) + ")", problems, FIELDS, Map.of());
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
        String image = null;
        List<String> mounts = List.of();
        Submission.Ask resources = Submission.Ask.NONE;
        if (!f.has("execution")) {
            problems.add(f.location(), "execution", "no execution: add e.g. \"execution\": {\"command\": [\"echo\","
                    + " \"hi\"]} or {\"script\": \"echo hi\"}");
        } else {
            Fields x = f.nested("execution", "execution settings (" + String.join(", ", EXECUTION_FIELDS) + ")",
                    EXECUTION_FIELDS, Map.of());
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
            image = image(x, problems);
            mounts = mounts(x, problems);
            if (x.has("resources")) {
                ProcessSettings.Builder b = ProcessSettings.builder();
                SettingsReader.readResources(x.nested("resources", "resources, e.g. {cpus: 2, memory: 4GiB, time: 1h}",
                        SettingsReader.RESOURCE_FIELDS, Map.of()), b);
                ProcessSettings r = b.build();
                resources = new Submission.Ask(r.cpus(), r.memoryBytes(), r.time(), r.accelerators(),
                        r.acceleratorType());
            }
        }
        Map<String, String> hints = f.stringMap("hints", "{\"files/maxWait\": \"10m\"}");
        if (hints != null) {
            for (String key : hints.keySet()) {
                if (!SettingsReader.HINT_KEY.matcher(key).matches()) {
                    problems.add(f.node("hints"), "hints." + key, "hint '" + key + "' has no plugin namespace; write"
                            + " <plugin>/<name>, e.g. files/maxWait");
                }
            }
        }
        Submission.Callback callback = callback(f, callbacks, problems);
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
        return new Submission(taskClass, new Submission.Execution(argv, script, env, image, mounts, resources),
                hints == null ? Map.of() : hints, inputs, callback, new Submission.Origin(workflowId, tenant,
                        f.has("context") ? context(body) : null));
    }

    private static String image(Fields x, Problems problems) {
        String image = x.string("image");
        if (image == null) {
            return null;
        }
        if (image.isBlank() || image.length() > MAX_IMAGE_CHARS || image.chars().anyMatch(c -> c <= ' ' || c == ',')) {
            problems.add(x.node("image"), "execution.image", "'" + abbreviate(image) + "' is not an image reference;"
                    + " write e.g. ghcr.io/lab/align:1.4 or one pinned by digest (name@sha256:...), without spaces or"
                    + " commas");
            return null;
        }
        return image;
    }

    /** Each mount {@code /host[:/container][:ro|:rw]}, both paths absolute. */
    private static List<String> mounts(Fields x, Problems problems) {
        List<String> given = x.strings("mounts", "[\"/data/refs:/refs:ro\"]");
        if (given == null) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (String m : given) {
            String[] parts = m.split(":", -1);
            int paths = parts.length > 1 && (parts[parts.length - 1].equals("ro") || parts[parts.length - 1].equals("rw"))
                    ? parts.length - 1 : parts.length;
            boolean ok = paths >= 1 && paths <= 2 && !m.contains(",");
            for (int i = 0; ok && i < paths; i++) {
                ok = parts[i].startsWith("/") && !parts[i].contains("\0");
            }
            if (!ok) {
                problems.add(x.node("mounts"), "execution.mounts", "'" + abbreviate(m) + "' is not a mount; write"
                        + " /host/path:/container/path, optionally with :ro, e.g. /data/refs:/refs:ro (both paths"
                        + " absolute, without commas)");
            } else {
                out.add(m);
            }
        }
        return out;
    }

    /** The callback: a URL, or {url, token}; http or https, to a host the operator allows. */
    private static Submission.Callback callback(Fields f, CallbackSettings settings, Problems problems) {
        if (!f.has("callback")) {
            return null;
        }
        String url;
        String token = null;
        dev.sluice.yaml.YamlNode node = f.node("callback");
        YamlNode at = node;
        if (node instanceof YamlNode.Mapping) {
            Fields c = f.nested("callback", "a callback (url, token)", CALLBACK_FIELDS, Map.of());
            url = c.string("url");
            token = c.string("token");
            if (!c.has("url")) {
                problems.add(f.keyLocation("callback"), "callback.url", "no url: add e.g. \"url\":"
                        + " \"https://orchestrator.lab/hooks/sluice\"");
                return null;
            }
            at = c.node("url");
            if (token != null && (token.isEmpty() || token.length() > 4096
                    || token.chars().anyMatch(ch -> ch < 0x21 || ch > 0x7e))) {
                problems.add(c.node("token"), "callback.token", "the token must be 1 to 4096 visible ASCII characters,"
                        + " without spaces (it is sent as Authorization: Bearer <token>)");
                token = null;
            }
        } else {
            url = f.string("callback");
        }
        if (url == null) {
            return null;
        }
        java.net.URI uri;
        try {
            uri = new java.net.URI(url);
        } catch (java.net.URISyntaxException e) {
            problems.add(at, "callback.url", "'" + abbreviate(url) + "' is not a URL: " + e.getReason()
                    + "; write e.g. https://orchestrator.lab/hooks/sluice");
            return null;
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
        if (uri.getHost() == null && uri.getRawAuthority() != null && uri.getRawAuthority().contains("_")) {
            problems.add(at, "callback.url", "'" + abbreviate(url) + "': a host name may not hold '_'; use a name"
                    + " with letters, digits, '-' and '.', or the host's address");
            return null;
        }
        if (uri.getPort() > 65535) {
            problems.add(at, "callback.url", "'" + abbreviate(url) + "': port " + uri.getPort() + " is past 65535");
            return null;
        }
        if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null || uri.getRawUserInfo() != null) {
            problems.add(at, "callback.url", "'" + abbreviate(url) + "' is not an http or https URL with a host (and"
                    + " no user:password in it; give a token instead); write e.g. https://orchestrator.lab/hooks/sluice");
            return null;
        }
        if (settings.allowedHosts().isEmpty()) {
            problems.add(at, "callback.url", "this service sends no callbacks: its operator has listed no host they"
                    + " may go to (serve.callbacks.allowedHosts); poll GET /v1/tasks/{id} or follow GET /v1/events");
            return null;
        }
        if (!settings.allows(uri.getHost())) {
            problems.add(at, "callback.url", "callbacks may not go to " + uri.getHost() + "; the operator allows "
                    + String.join(", ", settings.allowedHosts()) + " (serve.callbacks.allowedHosts)");
            return null;
        }
        return new Submission.Callback(uri, token);
    }

    private static String abbreviate(String text) {
        return text.length() <= 80 ? text : text.substring(0, 77) + "...";
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
