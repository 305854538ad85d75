package dev.sluice.host.cli;

import static dev.sluice.host.cli.SluiceProcess.column;
import static dev.sluice.host.cli.SluiceProcess.traceRows;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An environment's {@code referenceRuntime:} opt-ins end to end: {@code sluice run} on the built
 * distribution, tasks as real processes on the local executor.
 */
class EnvironmentReferenceRuntimeIT {
    @TempDir
    Path dir;

    private Path write(String name, String text) throws IOException {
        Path file = dir.resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, text, StandardCharsets.UTF_8);
        return file;
    }

    /** A wrapper whose onWrapTaskRun runs the task under env(1) with WrappedAction.Environment, as a container would. */
    private static String wrapper(String referenceRuntime) {
        return """
                  wrapper:
                    extensions: [WRAP_ACTIONS, EXPR]
                    %s
                    script:
                      actions:
                        onWrapEnvEnter: {command: env, args: ["{{ WrappedAction.Environment }}", "{{ WrappedAction.Command }}", "{{ WrappedAction.Args }}"]}
                        onWrapTaskRun: {command: env, args: ["{{ WrappedAction.Environment }}", "{{ WrappedAction.Command }}", "{{ WrappedAction.Args }}"]}
                        onWrapEnvExit: {command: env, args: ["{{ WrappedAction.Environment }}", "{{ WrappedAction.Command }}", "{{ WrappedAction.Args }}"]}
                """.formatted(referenceRuntime);
    }

    /**
     * Three tasks that each log their start and end, say what LAST the task before them set, and set
     * LAST themselves.
     */
    private Path relay(String referenceRuntime) throws IOException {
        return write("relay.yaml", """
                environments:
                %s
                processes:
                  relay:
                    environment: wrapper
                    matrix:
                      n: [1, 2, 3]
                    script: |
                      echo "start {{ Task.Param.n }} saw ${LAST:-none}" >> %s
                      sleep 1
                      echo "end {{ Task.Param.n }}" >> %s
                      echo "openjd_env: LAST={{ Task.Param.n }}"
                """.formatted(wrapper(referenceRuntime), dir.resolve("relay.log"), dir.resolve("relay.log")));
    }

    @Test
    void withTaskVariablesTasksRunOneAtATimeAndEachSeesWhatTheOneBeforeSet() throws Exception {
        SluiceProcess.Result r = SluiceProcess.run(dir, "run", relay("referenceRuntime: [taskVariables]").toString(),
                "-q");
        assertThat(r.exitCode()).as(r.all()).isZero();

        List<String> lines = Files.readAllLines(dir.resolve("relay.log"));
        assertThat(lines).hasSize(6);
        List<String> order = new ArrayList<>();
        for (int i = 0; i < 6; i += 2) {
            String n = lines.get(i).split(" ")[1];
            assertThat(lines.get(i + 1)).as("no task starts before the one before it ended: %s", lines)
                    .isEqualTo("end " + n);
            String saw = lines.get(i).split(" ")[3];
            assertThat(saw).as("task %s sees LAST of the task before it: %s", n, lines)
                    .isEqualTo(order.isEmpty() ? "none" : order.getLast());
            order.add(n);
        }
    }

    @Test
    void withoutTheOptInTasksRunTogetherAndNoneSeesAnotherTasksVariable() throws Exception {
        SluiceProcess.Result r = SluiceProcess.run(dir, "run", relay("").toString(), "-q");
        assertThat(r.exitCode()).as(r.all()).isZero();

        List<String> lines = Files.readAllLines(dir.resolve("relay.log"));
        assertThat(lines.stream().filter(l -> l.startsWith("start"))).hasSize(3).allMatch(l -> l.endsWith("saw none"));
        assertThat(lines.get(1)).as("a second task started before the first ended: %s", lines).startsWith("start");
    }

    @Test
    void maskTaskOutputMasksTheTasksFilesAndResumeStillReusesTheTask() throws Exception {
        Path p = write("masked.yaml", """
                environments:
                  vault:
                    extensions: [REDACTED_ENV_VARS]
                    referenceRuntime: [maskTaskOutput]
                    script:
                      actions:
                        onEnter: {command: bash, args: ["-c", "echo 'openjd_redacted_env: TOKEN=hunter2-s3cret'"]}
                processes:
                  leak:
                    environment: vault
                    script: |
                      echo "out: $TOKEN"
                      echo "err: $TOKEN" >&2
                      echo "no secret here"
                """);
        SluiceProcess.Result r = SluiceProcess.run(dir, "run", p.toString(), "-q");
        assertThat(r.exitCode()).as(r.all()).isZero();
        List<String[]> rows = traceRows(r.stdout());
        Path work = Path.of(rows.get(1)[column(rows, "workdir")]);
        assertThat(work.resolve(".command.out")).content().isEqualTo("out: ********\nno secret here\n");
        assertThat(work.resolve(".command.err")).content().isEqualTo("err: ********\n");

        SluiceProcess.Result resumed = SluiceProcess.run(dir, "run", p.toString(), "-q", "--resume");
        assertThat(resumed.exitCode()).as(resumed.all()).isZero();
        assertThat(resumed.stdout()).as("the sizes recorded are the masked files'").contains("1 cached");
    }
}
