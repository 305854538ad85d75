package dev.sluice.host.config;

import dev.sluice.host.pipeline.Backoff;
import dev.sluice.host.pipeline.CacheMode;
import dev.sluice.host.pipeline.ErrorStrategy;
import dev.sluice.host.pipeline.OrderedMaps;
import dev.sluice.host.pipeline.ProcessDef;
import dev.sluice.host.pipeline.RateLimit;
import dev.sluice.host.pipeline.Templates;
import dev.sluice.spi.Hints;
import dev.sluice.spi.Resources;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A process with the operator's config applied: every setting decided. Made by
 * {@link OperatorConfig#resolve}.
 *
 * @param def             the process as the pipeline declares it
 * @param executor        the executor that runs its tasks
 * @param resources       what each task asks for
 * @param hints           namespaced hints for plugins, templates not yet substituted
 * @param env             environment variables, templates not yet substituted
 * @param errorStrategy   what a failed task does to the run
 * @param maxRetries      retries after the first attempt; 0 unless {@code errorStrategy} is
 *                        {@link ErrorStrategy#RETRY}
 * @param retryBackoff    the wait before each retry
 * @param queueSize       at most this many of the process's tasks at once, or {@code null} for no limit
 * @param submitRateLimit at most this many submissions per period, or {@code null} for no limit
 * @param pollInterval    how often running tasks are polled, or {@code null} for the monitor's default
 * @param cache           what {@code --resume} checks of its tasks' inputs
 * @param origin          where the settings come from, for messages:
 *                        {@code process 'align' (hello.yaml:12:3; config.yaml process.withName.align)}
 */
public record EffectiveProcess(ProcessDef def, String executor, Resources resources, Map<String, String> hints,
        Map<String, String> env, ErrorStrategy errorStrategy, int maxRetries, Backoff retryBackoff, Integer queueSize,
        RateLimit submitRateLimit, Duration pollInterval, CacheMode cache, String origin) {

    public EffectiveProcess {
        Objects.requireNonNull(def, "def");
        Objects.requireNonNull(executor, "executor");
        Objects.requireNonNull(resources, "resources");
        Objects.requireNonNull(errorStrategy, "errorStrategy");
        Objects.requireNonNull(retryBackoff, "retryBackoff");
        Objects.requireNonNull(cache, "cache");
        hints = OrderedMaps.copyOf(hints);
        env = OrderedMaps.copyOf(env);
    }

    /** The process's name. */
    public String name() {
        return def.name();
    }

    /** The hints of a task of this process as the SPI's {@link Hints}, with this process as origin. */
    public Hints hintsOf(TaskSpec task) {
        return Hints.of(task.hints(), origin);
    }

    /**
     * The process's tasks: one per fan-out combination in order, or a single one when the process does
     * not fan out. {@code {{ Task.Param.<name> }}} is substituted in argv, script, env and hint values
     * and inputs; other {@code {{ ... }}} expressions stay as written.
     *
     * @param baseDir the directory relative inputs are resolved against, normally
     *                {@link dev.sluice.host.pipeline.Pipeline#baseDir()}
     */
    public List<TaskSpec> expand(Path baseDir) {
        List<Map<String, String>> combos = def.fanOut().isEmpty() ? List.of(Map.of()) : def.fanOut();
        Path base = baseDir.toAbsolutePath();
        List<TaskSpec> tasks = new ArrayList<>(combos.size());
        // Loops, not streams: this runs for every task of a pipeline as it loads, and a stream's pipeline is
        // dozens of calls a task until compiled (a tenth of the load of 2,000 tasks).
        for (int i = 0; i < combos.size(); i++) {
            Map<String, String> params = combos.get(i);
            List<String> argv = null;
            if (def.argv() != null) {
                String[] words = new String[def.argv().size()];
                for (int w = 0; w < words.length; w++) {
                    words[w] = Templates.substituteParams(def.argv().get(w), params);
                }
                argv = List.of(words);
            }
            String script = Templates.substituteParams(def.script(), params);
            Map<String, String> taskEnv = substituteValues(env, params);
            Map<String, String> taskHints = substituteValues(hints, params);
            Path[] in = new Path[def.inputs().size()];
            for (int n = 0; n < in.length; n++) {
                in[n] = base.resolve(Templates.substituteParams(def.inputs().get(n), params)).normalize();
            }
            List<Path> inputs = List.of(in);
            String name = params.isEmpty() ? def.name() : nameWith(def.name(), params);
            String key = TaskSpec.keyOf(def.name(), params, argv, script, taskEnv, inputs);
            tasks.add(new TaskSpec(def.name(), name, i, params, argv, script, taskEnv, taskHints, resources, inputs,
                    key));
        }
        return tasks;
    }

    /** {@code name (k1=v1, k2=v2)}: a task's name from its process's and its params. */
    private static String nameWith(String process, Map<String, String> params) {
        StringBuilder name = new StringBuilder(process).append(" (");
        boolean first = true;
        for (Map.Entry<String, String> e : params.entrySet()) {
            if (!first) {
                name.append(", ");
            }
            first = false;
            name.append(e.getKey()).append('=').append(e.getValue());
        }
        return name.append(')').toString();
    }

    /** The map with params substituted in its values; the map itself (shared by every task) when none has any. */
    private static Map<String, String> substituteValues(Map<String, String> map, Map<String, String> params) {
        Map<String, String> out = new LinkedHashMap<>();
        boolean changed = false;
        for (Map.Entry<String, String> e : map.entrySet()) {
            String value = Templates.substituteParams(e.getValue(), params);
            changed |= !value.equals(e.getValue());
            out.put(e.getKey(), value);
        }
        return changed ? out : map;
    }

}
