package dev.sluice.host.serve;

import dev.sluice.host.pipeline.ProcessSettings;
import dev.sluice.host.pipeline.SettingsReader;
import dev.sluice.yaml.Fields;
import dev.sluice.yaml.Problems;
import java.util.List;
import java.util.Map;

/**
 * A class's own settings under {@code serve.classes.<class>}: its limits, and what its tasks may set
 * themselves. How it runs (executor, resources, hints, env, retries) is {@code process.withLabel.<class>}'s.
 *
 * @param limit        how many of its tasks may wait, and how fast they may come
 * @param container    the plugin that takes a task's {@code execution.image} and {@code execution.mounts}
 *                     ({@code docker} or {@code apptainer}), or {@code null}: then a task of a class on the
 *                     docker executor gives them to docker, and one of any other class may not give them
 * @param maxResources the most a task may ask for, field by field; {@code null} fields are not bounded here
 * @param taskHints    the hints a task may set itself: names ({@code files/maxWait}) or a plugin's all
 *                     ({@code files/*}); none when empty
 */
public record ClassSettings(Limit limit, String container, Submission.Ask maxResources, List<String> taskHints) {
    static final ClassSettings NONE = new ClassSettings(Limit.NONE, null, Submission.Ask.NONE, List.of());
    /** The plugins whose image and mount hints a task's image and mounts become. */
    static final Map<String, List<String>> CONTAINERS = Map.of(
            "docker", List.of("docker/image", "docker/mounts"),
            "apptainer", List.of("apptainer/image", "apptainer/binds"));

    public ClassSettings {
        taskHints = List.copyOf(taskHints);
    }

    static ClassSettings read(Fields f, Problems problems) {
        Limit limit = ServeSettings.limit(f);
        String container = f.string("container");
        if (container != null && !CONTAINERS.containsKey(container)) {
            problems.add(f.node("container"), f.path("container"), "'" + container + "' is not a container plugin"
                    + " sluice serve knows; write docker or apptainer (another plugin's image is a hint: allow it in"
                    + " taskHints, e.g. [podman/image])");
            container = null;
        }
        Submission.Ask max = Submission.Ask.NONE;
        if (f.has("maxResources")) {
            ProcessSettings.Builder b = ProcessSettings.builder();
            SettingsReader.readResources(f.nested("maxResources", "the most a task may ask for, e.g. {cpus: 8,"
                    + " memory: 64GiB, time: 24h}", SettingsReader.RESOURCE_FIELDS, Map.of()), b);
            ProcessSettings s = b.build();
            if (s.acceleratorType() != null) {
                problems.add(f.node("maxResources"), f.path("maxResources") + ".acceleratorType", "acceleratorType"
                        + " is not a bound; remove it (a class's accelerator type is process.withLabel.<class>"
                        + ".resources.acceleratorType)");
            }
            max = new Submission.Ask(s.cpus(), s.memoryBytes(), s.time(), s.accelerators(), null);
        }
        List<String> hints = List.of();
        if (f.has("taskHints")) {
            hints = f.strings("taskHints", "[files/maxWait, gpu/*]");
            if (hints != null) {
                for (String h : hints) {
                    if (!TASK_HINT.matcher(h).matches()) {
                        problems.add(f.node("taskHints"), f.path("taskHints"), "'" + h + "' is not a hint or a"
                                + " plugin's hints; write <plugin>/<name> or <plugin>/*, e.g. files/maxWait");
                    }
                }
            } else {
                hints = List.of();
            }
        }
        return new ClassSettings(limit, container, max, hints);
    }

    private static final java.util.regex.Pattern TASK_HINT = java.util.regex.Pattern.compile(
            "[A-Za-z0-9_.-]+/([A-Za-z0-9_.-]+|\\*)");

    /** The container plugin of this class, given its executor: its own, or docker's on the docker executor. */
    String containerOn(String executor) {
        if (container != null) {
            return container;
        }
        return "docker".equals(executor) ? "docker" : null;
    }

    /**
     * Why this class's {@code container} cannot take images on executor {@code executor} with the plugins
     * {@code enabled}, or {@code null}: a task's image must never run without its container.
     */
    String containerProblem(String name, String executor, java.util.Set<String> enabled) {
        if (container == null) {
            return null;
        }
        String setting = "serve.classes." + name + ".container: " + container;
        if (container.equals("docker") && !executor.equals("docker")) {
            return setting + ": the class runs on the " + executor + " executor; route it to docker"
                    + " (process.withLabel." + name + ".executor: docker), or use apptainer";
        }
        if (!enabled.contains(container)) {
            return setting + ": the " + container + " plugin is not enabled; configure it (plugins." + container
                    + " in the config) so that it runs the tasks' images";
        }
        return null;
    }

    /** Whether a task of this class may set the hint {@code key} itself. */
    boolean allowsHint(String key) {
        for (String allowed : taskHints) {
            if (allowed.equals(key) || allowed.endsWith("/*")
                    && key.startsWith(allowed.substring(0, allowed.length() - 1))) {
                return true;
            }
        }
        return false;
    }
}
