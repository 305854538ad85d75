package dev.sluice.openjd.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.spi.AttemptOutcome;
import dev.sluice.spi.TaskFiles;
import dev.sluice.spi.TaskReadinessGate;
import dev.sluice.spi.WrappedTask;
import dev.sluice.spi.testing.TestTaskHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The environment's {@code referenceRuntime:} opt-ins (issue 18): a wrapped task's own {@code openjd_env}
 * lines as RFC 0008 reads them, with the instance's tasks one at a time; secrets masked in a task's output
 * files; and an enter canceled with the reference's signals. The task's output files are written here as
 * its executor would write them.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ReferenceRuntimeSessionTest {
    @TempDir
    Path dir;

    /** A WRAP_ACTIONS wrapper {@code w} whose onWrapTaskRun prints WrappedAction.Environment, with extra entry fields. */
    private SessionRig wrapper(String entryFields) throws Exception {
        return SessionRig.open(dir, """
                environments:
                  w:
                    extensions: [WRAP_ACTIONS, EXPR, REDACTED_ENV_VARS]
                    %s
                    script:
                      actions:
                        onEnter: {command: bash, args: [-c, "echo 'openjd_env: FROM_ENTER=1'"]}
                        onWrapEnvEnter: {command: run, args: ["{{ WrappedAction.Command }}"]}
                        onWrapTaskRun: {command: wrap, args: ["{{ WrappedAction.Environment }}"]}
                        onWrapEnvExit: {command: run, args: ["{{ WrappedAction.Command }}"]}
                processes:
                  p: {command: [x], environment: w}
                """.formatted(entryFields));
    }

    /** Runs a launched task to its end as an executor would: its stdout file holds {@code output}. */
    private static void runs(TestTaskHandle task, WrappedTask run, String output) throws Exception {
        Files.writeString(TaskFiles.in(task.workDir()).stdout(), output, StandardCharsets.UTF_8);
        ends(run);
    }

    /** Launches and ends a task whose output files are written already. */
    private static void ends(WrappedTask run) {
        run.launched(new WrappedTask.Reports() {
            @Override
            public void status(String message) {
            }

            @Override
            public void fail(String reason) {
                throw new AssertionError("the task broke the protocol: " + reason);
            }
        });
        assertThat(run.ended().failure()).as("the task's protocol").isEmpty();
    }

    @Test
    void withTaskVariablesAWrappedTasksOpenjdEnvReachesTheNextTasksHookAndEnvironment() throws Exception {
        try (SessionRig rig = wrapper("referenceRuntime: [taskVariables]")) {
            rig.enter("p");
            TestTaskHandle first = rig.task("p");
            runs(first, rig.launch(first, List.of("x"), Map.of()),
                    "openjd_env: FROM_TASK=one\nopenjd_unset_env: FROM_ENTER\nopenjd_redacted_env: TOKEN=t0ken\n");

            WrappedTask next = rig.launch("p", List.of("x"), Map.of());

            assertThat(next.command().argv()).as("WrappedAction.Environment of the next task's hook")
                    .containsExactly("wrap", "FROM_TASK=one", "TOKEN=t0ken");
            assertThat(next.command().environment()).containsEntry("FROM_TASK", "one")
                    .doesNotContainKey("FROM_ENTER");
            assertThat(rig.session.secrets().redact("t0ken")).as("a task's secret is masked").isEqualTo("********");
        }
    }

    @Test
    void withoutTheOptInAWrappedTasksOpenjdEnvChangesNothing() throws Exception {
        try (SessionRig rig = wrapper("")) {
            rig.enter("p");
            TestTaskHandle first = rig.task("p");
            runs(first, rig.launch(first, List.of("x"), Map.of()), "openjd_env: FROM_TASK=one\n");

            WrappedTask next = rig.launch("p", List.of("x"), Map.of());

            assertThat(next.command().argv()).containsExactly("wrap", "FROM_ENTER=1");
        }
    }

    @Test
    void withTaskVariablesTheInstancesTasksPassTheGateOneAtATimeInOrder() throws Exception {
        try (SessionRig rig = wrapper("referenceRuntime: [taskVariables]")) {
            TaskReadinessGate gate = rig.session.gate();
            Semaphore turn = rig.session.taskTurn("p").orElseThrow();
            TestTaskHandle first = rig.task("p");
            gate.prepare(first);
            TestTaskHandle secondTask = rig.task("p");
            CompletableFuture<Void> second = prepare(gate, secondTask);
            // The turn is fair: the second must queue for it before the third does.
            SessionRig.awaitUntil("the second queues for the turn", () -> turn.getQueueLength() == 1);
            CompletableFuture<Void> third = prepare(gate, rig.task("p"));
            SessionRig.awaitUntil("the third queues behind it", () -> turn.getQueueLength() == 2);
            assertThat(second).as("the second waits while the first runs").isNotDone();

            gate.attemptEnded(first, AttemptOutcome.succeeded());
            SessionRig.await(second);
            Thread.sleep(300);
            assertThat(third).as("the third waits for the second, which came first").isNotDone();

            gate.attemptEnded(rig.task("p"), AttemptOutcome.succeeded());
            Thread.sleep(300);
            assertThat(third).as("an attempt the gate did not admit gives back no turn").isNotDone();

            gate.attemptEnded(secondTask, AttemptOutcome.succeeded());
            SessionRig.await(third);
            assertThat(third).isDone();
        }
    }

    @Test
    void withoutTheOptInTasksPassTheGateTogether() throws Exception {
        try (SessionRig rig = wrapper("")) {
            TaskReadinessGate gate = rig.session.gate();
            gate.prepare(rig.task("p"));
            CompletableFuture<Void> second = prepare(gate, rig.task("p"));

            SessionRig.await(second);
            assertThat(second).isDone();
        }
    }

    private static CompletableFuture<Void> prepare(TaskReadinessGate gate, TestTaskHandle task) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                gate.prepare(task);
                done.complete(null);
            } catch (Throwable e) {
                done.completeExceptionally(e);
            }
        });
        return done;
    }

    @Test
    void maskTaskOutputMasksSecretsInBothFilesWhenTheTaskEndsAndLeavesOtherFilesAlone() throws Exception {
        try (SessionRig rig = SessionRig.open(dir, """
                environments:
                  secrets:
                    extensions: [REDACTED_ENV_VARS]
                    referenceRuntime: [maskTaskOutput]
                    script:
                      actions:
                        onEnter: {command: bash, args: [-c, "echo 'openjd_redacted_env: TOKEN=hunter2-secret'"]}
                  plain:
                    variables: {A: "1"}
                processes:
                  p: {command: [x], environment: secrets}
                  q: {command: [x], environment: [secrets, plain]}
                """)) {
            rig.enter("p");
            rig.enter("q");
            TestTaskHandle task = rig.task("q");
            WrappedTask run = rig.launch(task, List.of("x"), Map.of());
            TaskFiles files = TaskFiles.in(task.workDir());
            // A byte that is not UTF-8 on a line of its own and on the secret's line.
            byte[] notUtf8 = {(byte) 0xff, 'x', '\n'};
            Files.write(files.stderr(), concat("token is hunter2-secret\n".getBytes(StandardCharsets.UTF_8),
                    notUtf8, "last line without newline".getBytes(StandardCharsets.UTF_8)));
            TestTaskHandle quiet = rig.task("p");
            WrappedTask quietRun = rig.launch(quiet, List.of("x"), Map.of());
            Path quietOut = TaskFiles.in(quiet.workDir()).stdout();
            Files.writeString(quietOut, "nothing secret\n");
            FileTime before = FileTime.fromMillis(1_000_000_000L);
            Files.setLastModifiedTime(quietOut, before);

            runs(task, run, "x=hunter2-secret; y=hunter2-secret\n");
            ends(quietRun);

            assertThat(Files.getLastModifiedTime(quietOut)).as("a file without a secret is not rewritten")
                    .isEqualTo(before);
            assertThat(Files.readString(files.stdout())).isEqualTo("x=********; y=********\n");
            assertThat(Files.readAllBytes(files.stderr())).isEqualTo(concat(
                    "token is ********\n".getBytes(StandardCharsets.UTF_8), notUtf8,
                    "last line without newline".getBytes(StandardCharsets.UTF_8)));
            assertThat(Files.readString(quietOut)).isEqualTo("nothing secret\n");
            try (var left = Files.list(task.workDir())) {
                assertThat(left.map(f -> f.getFileName().toString())).as("no temporary file is left")
                        .containsExactlyInAnyOrder(".command.out", ".command.err");
            }
        }
    }

    @Test
    void withoutMaskTaskOutputTheTasksFilesKeepTheirSecrets() throws Exception {
        try (SessionRig rig = SessionRig.open(dir, """
                environments:
                  secrets:
                    extensions: [REDACTED_ENV_VARS]
                    script:
                      actions:
                        onEnter: {command: bash, args: [-c, "echo 'openjd_redacted_env: TOKEN=hunter2-secret'"]}
                processes:
                  p: {command: [x], environment: secrets}
                """)) {
            rig.enter("p");
            TestTaskHandle task = rig.task("p");
            runs(task, rig.launch(task, List.of("x"), Map.of()), "x=hunter2-secret\n");

            assertThat(Files.readString(TaskFiles.in(task.workDir()).stdout())).isEqualTo("x=hunter2-secret\n");
        }
    }

    @Test
    void cancelSignalsCancelsAnEnterWithSigtermToItsMainProcessOnly() throws Exception {
        try (SessionRig rig = SessionRig.open(dir, """
                environments:
                  slow:
                    referenceRuntime: cancelSignals
                    script:
                      actions:
                        onEnter:
                          command: sh
                          args: [-c, "trap 'echo main got TERM; exit 3' TERM; echo started > started; while :; do sleep 0.1; done"]
                          cancelation: {mode: NOTIFY_THEN_TERMINATE, notifyPeriodInSeconds: 5}
                processes:
                  p: {command: [x], environment: slow}
                """)) {
            CompletableFuture<Void> entering = rig.enterInBackground("p");
            SessionRig.awaitUntil("the enter started", () -> Files.exists(rig.file("started")));

            rig.session.exitAll();

            assertThat(entering).failsWithin(SessionRig.PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
            String log = Files.readString(rig.envDir("slow").resolve("enter.log"));
            assertThat(log).contains("main got TERM").containsPattern("SIGTERM to process \\d+ only; SIGKILL to"
                    + " process group \\d+ and every process descended from \\d+");
        }
    }

    /** An environment {@code a} whose one embedded file without a filename holds its own path. */
    private SessionRig noteEnvironment(String entryFields) throws Exception {
        return SessionRig.open(dir, """
                environments:
                  a:
                    extensions: [EXPR, SLUICE_MONITOR]
                    %s
                    script:
                      let: ["note = Env.File.Note"]
                      actions:
                        onEnter: {command: bash, args: [-c, 'echo "enter $0 $1 $(cat "$0")" >> seen.txt; echo tampered > "$0"', "{{ Env.File.Note }}", "{{ note }}"]}
                        onExit: {command: bash, args: [-c, 'echo "exit $0 $1 $(cat "$0")" >> seen.txt', "{{ Env.File.Note }}", "{{ note }}"]}
                      embeddedFiles:
                        - {name: Note, type: TEXT, data: "{{ Env.File.Note }}"}
                        - {name: Fixed, type: TEXT, filename: fixed.txt, data: "{{ Env.File.Note }}"}
                    onMonitor:
                      command: {command: bash, args: [-c, 'echo "check $0 $1 $(cat "$0")" >> seen.txt', "{{ Env.File.Note }}", "{{ note }}"]}
                      period: 600
                      onFailure: terminate
                processes:
                  p: {command: [x], environment: a}
                """.formatted(entryFields));
    }

    @Test
    void freshEmbeddedFilesGivesTheEnterTheCheckAndTheExitEachAFileOfItsOwnThatTheyName() throws Exception {
        try (SessionRig rig = noteEnvironment("referenceRuntime: [freshEmbeddedFiles]")) {
            rig.enter("p");
            Path fixed = rig.envDir("a").resolve("fixed.txt");
            String fixedAfterEnter = Files.readString(fixed);
            assertThat(rig.session.healthMonitors().getFirst().probe(rig.task("p"), null).isHealthy()).isTrue();
            assertThat(rig.session.exitAll()).isEmpty();

            List<String[]> seen = rig.lines("seen.txt").stream().map(l -> l.split(" ")).toList();
            assertThat(seen).extracting(l -> l[0]).containsExactly("enter", "check", "exit");
            for (String[] line : seen) {
                assertThat(line[2]).as("%s: a let binding names the action's file", line[0]).isEqualTo(line[1]);
                assertThat(line[3]).as("%s: the file's data names the action's file", line[0]).isEqualTo(line[1]);
                assertThat(Path.of(line[1]).getParent()).isEqualTo(rig.envDir("a"));
            }
            assertThat(seen).extracting(l -> l[1]).as("a new name for every action").doesNotHaveDuplicates();
            assertThat(Path.of(seen.get(0)[1])).as("the enter's copy, changed by the enter, is left as the reference"
                    + " leaves it").content().isEqualTo("tampered\n");
            assertThat(Path.of(seen.get(1)[1])).as("a check's copy is removed when the check ends").doesNotExist();
            assertThat(Path.of(seen.get(2)[1])).content().isEqualTo(seen.get(2)[1]);
            assertThat(fixedAfterEnter).as("a file with a filename keeps its path, its data the action's")
                    .isEqualTo(seen.get(0)[1]);
            assertThat(fixed).content().isEqualTo(seen.get(2)[1]);
        }
    }

    @Test
    void withoutFreshEmbeddedFilesEveryActionNamesTheOneFileOfTheSession() throws Exception {
        try (SessionRig rig = noteEnvironment("")) {
            rig.enter("p");
            assertThat(rig.session.healthMonitors().getFirst().probe(rig.task("p"), null).isHealthy()).isTrue();
            assertThat(rig.session.exitAll()).isEmpty();

            List<String> seen = rig.lines("seen.txt");
            String note = seen.getFirst().split(" ")[1];
            assertThat(seen).containsExactly("enter " + note + " " + note + " " + note,
                    "check " + note + " " + note + " tampered", "exit " + note + " " + note + " " + note);
        }
    }

    @Test
    void freshEmbeddedFilesGivesEachWrapHookAFileOfItsOwn() throws Exception {
        try (SessionRig rig = SessionRig.open(dir, """
                environments:
                  w:
                    extensions: [WRAP_ACTIONS, EXPR]
                    referenceRuntime: freshEmbeddedFiles
                    script:
                      actions:
                        onWrapEnvEnter: {command: bash, args: [-c, 'echo "wrapped-enter $0 $(cat "$0")" >> seen.txt; exec "$@"', "{{ Env.File.Note }}", "{{ WrappedAction.Command }}", "{{ WrappedAction.Args }}"]}
                        onWrapTaskRun: {command: run, args: ["{{ Env.File.Note }}", "{{ WrappedAction.Command }}"]}
                        onWrapEnvExit: {command: bash, args: [-c, 'echo "wrapped-exit $0 $(cat "$0")" >> seen.txt; exec "$@"', "{{ Env.File.Note }}", "{{ WrappedAction.Command }}", "{{ WrappedAction.Args }}"]}
                      embeddedFiles:
                        - {name: Note, type: TEXT, data: "note {{ Env.File.Note }}"}
                  inner:
                    script:
                      actions:
                        onEnter: {command: bash, args: [-c, "echo inner >> seen.txt"]}
                        onExit: {command: bash, args: [-c, "echo inner >> seen.txt"]}
                processes:
                  p: {command: [x], environment: [w, inner]}
                """)) {
            rig.enter("p");
            List<String> taskFiles = List.of(rig.launch("p", List.of("x"), Map.of()).command().argv().get(1),
                    rig.launch("p", List.of("x"), Map.of()).command().argv().get(1));
            assertThat(rig.session.exitAll()).isEmpty();

            List<String> seen = rig.lines("seen.txt");
            assertThat(seen).hasSize(4);
            String enterFile = seen.get(0).split(" ")[1];
            String exitFile = seen.get(2).split(" ")[1];
            assertThat(seen).containsExactly("wrapped-enter " + enterFile + " note " + enterFile, "inner",
                    "wrapped-exit " + exitFile + " note " + exitFile, "inner");
            for (String file : taskFiles) {
                assertThat(Path.of(file)).as("each task's hook has its file written").content()
                        .isEqualTo("note " + file);
            }
            assertThat(List.of(enterFile, taskFiles.get(0), taskFiles.get(1), exitFile)).doesNotHaveDuplicates();
        }
    }

    @Test
    void sessionDirectoryStartsTheTasksInsideInTheSessionDirectoryWithTheirCancelNoticeThere() throws Exception {
        try (SessionRig rig = SessionRig.open(dir, """
                environments:
                  shared:
                    extensions: [WRAP_ACTIONS, EXPR]
                    referenceRuntime: [sessionDirectory]
                    script:
                      actions:
                        onWrapEnvEnter: {command: run, args: ["{{ WrappedAction.Command }}"]}
                        onWrapTaskRun:
                          command: run
                          args: ["{{ WrappedAction.Command }}"]
                          cancelation: {mode: NOTIFY_THEN_TERMINATE, notifyPeriodInSeconds: 5}
                        onWrapEnvExit: {command: run, args: ["{{ WrappedAction.Command }}"]}
                  plain:
                    variables: {A: "1"}
                processes:
                  inside: {command: [x], environment: [shared, plain]}
                  apart: {command: [x], environment: plain}
                """)) {
            rig.enter("inside");
            rig.enter("apart");
            TestTaskHandle task = rig.task("inside");
            WrappedTask run = rig.launch(task, List.of("x"), Map.of());
            TestTaskHandle other = rig.task("apart");
            WrappedTask otherRun = rig.launch(other, List.of("x"), Map.of());

            run.beforeCancel(Duration.ofSeconds(5));
            runs(task, run, "");
            ends(otherRun);

            assertThat(run.command().workDir()).as("an outer environment's opt-in holds for the tasks inside it")
                    .isEqualTo(rig.session.directory());
            assertThat(run.command().environment()).contains(rig.sessionDirectoryVariable());
            assertThat(rig.file("cancel_info.json")).as("read as cancel_info.json where the task starts").exists();
            assertThat(task.workDir().resolve("cancel_info.json")).doesNotExist();
            assertThat(otherRun.command().workDir()).as("without the opt-in, its own directory")
                    .isEqualTo(other.workDir());
        }
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
