package dev.sluice.host.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.host.pipeline.OrderedMaps;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A task as an orchestrator submits it ({@code POST /v1/tasks}), checked by {@link SubmissionReader}.
 *
 * @param taskClass the class that routes it (operator config: {@code process.withLabel.<class>})
 * @param execution what runs, and what it asks for
 * @param hints     its own hints, over the class's: only those its class lets a task set
 *                  ({@code serve.classes.<class>.taskHints})
 * @param inputs    absolute input paths (the files gate waits for them, where installed)
 * @param callback  where its final state is sent, or {@code null}
 * @param origin    who sent it and why, for auditing
 */
public record Submission(String taskClass, Execution execution, Map<String, String> hints, List<Path> inputs,
        Callback callback, Origin origin) {
    public Submission {
        Objects.requireNonNull(taskClass, "taskClass");
        Objects.requireNonNull(execution, "execution");
        Objects.requireNonNull(origin, "origin");
        hints = OrderedMaps.copyOf(hints);
        inputs = List.copyOf(inputs);
    }

    /**
     * What runs.
     *
     * @param argv      the command, or {@code null} when it runs a script
     * @param script    the script for {@code /bin/sh -eu}, or {@code null}
     * @param env       its environment variables, over the class's
     * @param image     its container image, or {@code null} for the class's (the class's {@code container}
     *                  plugin takes it: {@code docker/image}, {@code apptainer/image})
     * @param mounts    its bind mounts, {@code /host:/container[:ro]}, after the class's
     * @param resources what it asks for, over the class's, field by field
     */
    public record Execution(List<String> argv, String script, Map<String, String> env, String image,
            List<String> mounts, Ask resources) {
        public Execution {
            argv = argv == null ? null : List.copyOf(argv);
            env = OrderedMaps.copyOf(env);
            mounts = List.copyOf(mounts);
            resources = resources == null ? Ask.NONE : resources;
        }
    }

    /**
     * Resources a task asks for itself; {@code null} fields are the class's.
     */
    public record Ask(Integer cpus, Long memoryBytes, Duration time, Integer accelerators, String acceleratorType) {
        public static final Ask NONE = new Ask(null, null, null, null, null);

        public boolean isEmpty() {
            return equals(NONE);
        }

        /** {@code base} with what this asks for in its place. */
        public dev.sluice.spi.Resources over(dev.sluice.spi.Resources base) {
            return new dev.sluice.spi.Resources(cpus != null ? cpus : base.cpus(),
                    memoryBytes != null ? memoryBytes : base.memoryBytes(), time != null ? time : base.time(),
                    accelerators != null ? accelerators : base.accelerators(),
                    acceleratorType != null ? acceleratorType : base.acceleratorType());
        }
    }

    /**
     * Where the task's final state goes: a {@code POST} of its view to {@code url}, with {@code token} as its
     * bearer token when one is given.
     */
    public record Callback(URI url, String token) {
        public Callback {
            Objects.requireNonNull(url, "url");
        }

        @Override
        public String toString() {
            // Never the token: views and logs show where, not with what.
            return url.toString();
        }
    }

    /**
     * Who sent the task and why, kept for auditing and given back in every view.
     *
     * @param workflowId the orchestrator's workflow, or {@code null}
     * @param tenant     who submitted it, or {@code null}
     * @param context    anything else the orchestrator wants back, or {@code null}; stored, never read
     */
    public record Origin(String workflowId, String tenant, JsonNode context) {
        public static final Origin NONE = new Origin(null, null, null);
    }

    /** A command of {@code argv} in {@code taskClass}, nothing else set: for tests and tools. */
    static Submission command(String taskClass, List<String> argv) {
        return new Submission(taskClass, new Execution(argv, null, Map.of(), null, List.of(), Ask.NONE), Map.of(),
                List.of(), null, Origin.NONE);
    }
}
