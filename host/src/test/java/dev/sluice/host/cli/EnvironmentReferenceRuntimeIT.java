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

    /**
     * A task that reads what the environment's enter left in its working directory, by a relative path, as
     * templates written for the reference runtime do, and says where it started.
     */
    private Path sharedFiles(String referenceRuntime) throws IOException {
        return write("shared.yaml", """
                environments:
                  shared:
                    %s
                    script:
                      actions:
                        onEnter: {command: bash, args: ["-c", "echo from-enter > left-by-enter.txt"]}
                processes:
                  reader:
                    environment: shared
                    script: |
                      echo "started in $(pwd -P)"
                      echo "session is $(cd "$OPENJD_SESSION_WORKING_DIR" && pwd -P)"
                      cat left-by-enter.txt
                      echo from-task > left-by-task.txt
                """.formatted(referenceRuntime));
    }

    @Test
    void withSessionDirectoryATaskStartsInTheSessionDirectoryAndKeepsItsOutputInItsOwn() throws Exception {
        SluiceProcess.Result r = SluiceProcess.run(dir, "run", sharedFiles("referenceRuntime: sessionDirectory")
                .toString(), "-q");
        assertThat(r.exitCode()).as(r.all()).isZero();

        List<String[]> rows = traceRows(r.stdout());
        Path work = Path.of(rows.get(1)[column(rows, "workdir")]);
        List<String> out = Files.readAllLines(work.resolve(".command.out"));
        assertThat(out).hasSize(3);
        String session = out.get(1).substring("session is ".length());
        assertThat(out.get(0)).isEqualTo("started in " + session);
        assertThat(out.get(2)).as("it read the enter's file by its relative name").isEqualTo("from-enter");
        assertThat(Path.of(session, "left-by-task.txt")).content().isEqualTo("from-task\n");
        assertThat(work.resolve(".exitcode")).as("its own files stay in its own directory").content()
                .isEqualTo("0\n");
        assertThat(work.resolve(".command.err")).exists();
    }

    @Test
    void withoutSessionDirectoryATaskStartsInItsOwnDirectory() throws Exception {
        SluiceProcess.Result r = SluiceProcess.run(dir, "run", sharedFiles("").toString(), "-q");
        assertThat(r.exitCode()).as("cat finds no left-by-enter.txt in the task's own directory").isNotZero();

        List<String[]> rows = traceRows(r.stdout());
        Path work = Path.of(rows.get(1)[column(rows, "workdir")]);
        assertThat(Files.readAllLines(work.resolve(".command.out")).getFirst())
                .isEqualTo("started in " + work.toRealPath());
    }

    @Test
    void withFreshEmbeddedFilesEveryActionAndEveryTasksHookGetsAFileOfItsOwn() throws Exception {
        Path log = dir.resolve("files.log");
        Path p = write("fresh.yaml", """
                environments:
                  wrapper:
                    extensions: [WRAP_ACTIONS, EXPR]
                    referenceRuntime: [freshEmbeddedFiles]
                    script:
                      actions:
                        onEnter: {command: bash, args: ["-c", 'echo "enter $0 $(cat "$0")" >> %1$s', "{{ Env.File.Note }}"]}
                        onWrapEnvEnter: {command: env, args: ["{{ WrappedAction.Environment }}", "{{ WrappedAction.Command }}", "{{ WrappedAction.Args }}"]}
                        onWrapTaskRun: {command: bash, args: ["-c", 'echo "task $0 $(cat "$0")" >> %1$s; exec "$@"', "{{ Env.File.Note }}", "{{ WrappedAction.Command }}", "{{ WrappedAction.Args }}"]}
                        onWrapEnvExit: {command: env, args: ["{{ WrappedAction.Environment }}", "{{ WrappedAction.Command }}", "{{ WrappedAction.Args }}"]}
                        onExit: {command: bash, args: ["-c", 'echo "exit $0 $(cat "$0")" >> %1$s', "{{ Env.File.Note }}"]}
                      embeddedFiles:
                        - {name: Note, type: TEXT, data: "{{ Env.File.Note }}"}
                processes:
                  work:
                    environment: wrapper
                    matrix:
                      n: [1, 2]
                    script: echo done
                """.formatted(log));
        SluiceProcess.Result r = SluiceProcess.run(dir, "run", p.toString(), "-q");
        assertThat(r.exitCode()).as(r.all()).isZero();

        List<String[]> lines = Files.readAllLines(log).stream().map(l -> l.split(" ")).toList();
        assertThat(lines).extracting(l -> l[0]).containsExactly("enter", "task", "task", "exit");
        assertThat(lines).as("each file holds its own name: the action's Env.File.Note")
                .allMatch(l -> l[1].equals(l[2]));
        assertThat(lines).extracting(l -> l[1]).as("one name per action").doesNotHaveDuplicates();
    }
}
