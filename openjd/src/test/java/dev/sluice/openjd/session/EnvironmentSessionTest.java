package dev.sluice.openjd.session;

import static dev.sluice.openjd.session.SessionRig.PATIENCE;
import static dev.sluice.openjd.session.SessionRig.await;
import static dev.sluice.openjd.session.SessionRig.awaitUntil;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sluice.spi.WrappedTask;
import dev.sluice.spi.Hints;
import dev.sluice.spi.TaskException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Entering, variables, instances and exiting, with real bash actions. Actions append to files in the
 * session directory (where they run), so the test sees what ran, how often and in which order.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class EnvironmentSessionTest {
    @TempDir
    Path dir;

    /** An environment whose onExit appends its name to exits.txt. */
    private static String exiting(String name) {
        return """
                  %1$s:
                    script:
                      actions:
                        onExit: {command: bash, args: [-c, "echo %1$s >> exits.txt"]}
                """.formatted(name);
    }

    // ---- entering ---------------------------------------------------------------------------------

    @Test
    void environmentIsEnteredOnceForAllTasksAndProcessesThatUseItAndTheGateWaitsForIt() throws Exception {
        try (SessionRig rig = SessionRig.open(dir, """
                environments:
                  a:
                    script:
                      actions:
                        onEnter:
                          command: bash
                          args:
                            - -c
                            - |
                              echo entered >> enters.txt
                              while [ ! -e go ]; do sleep 0.02; done
                processes:
                  p: {command: [x], environment: a}
                  q: {command: [y], environment: [a]}
                  r: {command: [z]}
                """)) {
            CompletableFuture<Void> p1 = rig.enterInBackground("p");
            CompletableFuture<Void> p2 = rig.enterInBackground("p");
            CompletableFuture<Void> q1 = rig.enterInBackground("q");
            awaitUntil("onEnter started", () -> !rig.lines("enters.txt").isEmpty());

            Thread.sleep(200);
            assertThat(List.of(p1, p2, q1)).as("every gate waits until the environment is entered")
                    .noneMatch(CompletableFuture::isDone);

            Files.writeString(rig.file("go"), "");
            await(CompletableFuture.allOf(p1, p2, q1));
            rig.enter("q");
            rig.enter("r");

            assertThat(rig.lines("enters.txt")).as("onEnter ran once for three waiting tasks and a later one")
                    .containsExactly("entered");
            assertThat(rig.session.holds("p")).isTrue();
            assertThat(rig.session.holds("r")).as("r runs in no environment").isFalse();
            assertThat(rig.launch("r", List.of("z"), Map.of())).isNull();
        }
    }

    @Test
    void gateIsTheEnvironmentGateWithoutHints() throws Exception {
        try (SessionRig rig = SessionRig.open(dir, """
                environments:
                  a: {variables: {A: "1"}}
                processes:
                  p: {command: [x], environment: a}
                """)) {
            var gate = rig.session.gate();
            assertThat(gate.id()).isEqualTo(EnvironmentGate.ID).isEqualTo("environment");
            gate.validateHints(Hints.empty());
            gate.prepare(rig.task("p"));
            assertThat(rig.launch("p", List.of("x"), Map.of()).command().environment()).containsEntry("A", "1");
        }
    }

    @Test
    void launchBeforeTheGatePassedFails() throws Exception {
        try (SessionRig rig = SessionRig.open(dir, """
                environments:
                  a: {variables: {A: "1"}}
                processes:
                  p: {command: [x], environment: a}
                """)) {
            TaskException e = catchThrowableOfType(TaskException.class,
                    () -> rig.launch("p", List.of("x"), Map.of()));

            assertThat(e).isNotNull();
            assertThat(e.getMessage()).contains("environment 'a'").contains("is not entered");
        }
    }

    // ---- variables --------------------------------------------------------------------------------

    @Test
    void variablesAndOpenjdEnvReachTheTaskAndInnerEnvironmentsSeeOuterOnes() throws Exception {
        try (SessionRig rig = SessionRig.open(dir, """
                environments:
                  outer:
                    variables: {OUTER_VAR: outer-value, SHARED: from-outer, DROP_ME: soon-gone}
                    script:
                      actions:
                        onEnter:
                          command: bash
                          args:
                            - -c
                            - |
                              echo "openjd_env: OUTER_ENTERED=saw $OUTER_VAR"
                              echo "openjd_unset_env: DROP_ME"
                  inner:
                    variables: {SHARED: from-inner}
                    script:
                      actions:
                        onEnter:
                          command: bash
                          args: [-c, 'echo "openjd_env: INNER_SAW=$OUTER_VAR|$OUTER_ENTERED|$SHARED|${DROP_ME-unset}"']
                processes:
                  p: {command: [x], environment: [outer, inner]}
                """)) {
            rig.enter("p");
            WrappedTask run = rig.launch("p", List.of("python", "fit.py"), Map.of("TASK_VAR", "t"));

            assertThat(run.command().environment()).containsOnly(
                    Map.entry("OUTER_VAR", "outer-value"),
                    Map.entry("OUTER_ENTERED", "saw outer-value"),
                    Map.entry("SHARED", "from-inner"),
                    Map.entry("INNER_SAW", "outer-value|saw outer-value|from-inner|unset"),
                    Map.entry("TASK_VAR", "t"), rig.sessionDirectoryVariable());
            assertThat(run.command().argv()).as("DROP_ME is not the host's: nothing to unset")
                    .containsExactly("python", "fit.py");
            assertThat(run.timeLimit()).isEmpty();
            assertThat(run.killGrace()).isEmpty();
        }
    }

    @Test
    void unsettingAHostVariableMakesTheTaskRunUnderEnvMinusU() throws Exception {
        try (SessionRig rig = SessionRig.open(dir, """
                environments:
                  a:
                    script:
                      actions:
                        onEnter: {command: bash, args: [-c, "echo 'openjd_unset_env: HOST_ONLY'; echo 'openjd_unset_env: NOT_ON_HOST'"]}
                  b:
                    script:
                      actions:
                        onEnter: {command: bash, args: [-c, 'echo "openjd_env: B_SAW=${HOST_ONLY-unset}"']}
                processes:
                  p: {command: [x], environment: [a, b]}
                """)) {
            rig.enter("p");
            WrappedTask run = rig.launch("p", List.of("prog", "arg"), Map.of());

            assertThat(run.command().argv()).containsExactly("env", "-u", "HOST_ONLY", "prog", "arg");
            assertThat(run.command().environment()).as("later actions did not see it either")
                    .containsOnly(Map.entry("B_SAW", "unset"), rig.sessionDirectoryVariable());
        }
    }

    @Test
    void processOwnVariablesWinOverTheSessionsAndOverItsUnsets() throws Exception {
        try (SessionRig rig = SessionRig.open(dir, """
                environments:
                  a:
                    variables: {MODE: session}
                    script:
                      actions:
                        onEnter: {command: bash, args: [-c, "echo 'openjd_env: LEVEL=3'; echo 'openjd_unset_env: HOST_ONLY'"]}
                processes:
                  p: {command: [x], environment: a}
                """)) {
            rig.enter("p");
            WrappedTask run = rig.launch("p", List.of("prog"),
                    Map.of("MODE", "mine", "LEVEL", "9", "HOST_ONLY", "task-sets-it"));

            assertThat(run.command().environment()).containsOnly(Map.entry("MODE", "mine"), Map.entry("LEVEL", "9"),
                    Map.entry("HOST_ONLY", "task-sets-it"), rig.sessionDirectoryVariable());
            assertThat(run.command().argv()).as("the task sets HOST_ONLY itself: it is not unset")
                    .containsExactly("prog");
        }
    }

    @Test
    void sameEnvironmentInTwoStacksIsTwoInstancesEachWithItsOwnVariables() throws Exception {
        try (SessionRig rig = SessionRig.open(dir, """
                environments:
                  w: {variables: {PLACE: inside-w}}
                  a:
                    script:
                      actions:
                        onEnter:
                          command: bash
                          args:
                            - -c
                            - |
                              echo "a ${PLACE-alone}" >> enters.txt
                              echo "openjd_env: A_PLACE=${PLACE-alone}"
                        onExit: {command: bash, args: [-c, 'echo "exit ${PLACE-alone}" >> exits.txt']}
                processes:
                  p: {command: [x], environment: [a]}
                  q: {command: [y], environment: [w, a]}
                  q2: {command: [y], environment: [w, a]}
                """)) {
            rig.enter("p");
            rig.enter("q");
            rig.enter("q2");
            rig.enter("p");

            assertThat(rig.lines("enters.txt")).containsExactly("a alone", "a inside-w");
            assertThat(rig.launch("p", List.of("x"), Map.of()).command().environment())
                    .containsOnly(Map.entry("A_PLACE", "alone"), rig.sessionDirectoryVariable());
            assertThat(rig.launch("q", List.of("y"), Map.of()).command().environment())
                    .containsOnly(Map.entry("PLACE", "inside-w"), Map.entry("A_PLACE", "inside-w"),
                            rig.sessionDirectoryVariable());

            assertThat(rig.session.exitAll()).isEmpty();
            assertThat(rig.lines("exits.txt")).as("both instances exit, the later first")
                    .containsExactly("exit inside-w", "exit alone");
        }
    }

    // ---- failing enters and exiting ---------------------------------------------------------------

    @Test
    void failingOnEnterFailsEveryWaitingGateAndIsStillExited() throws Exception {
        try (SessionRig rig = SessionRig.open(dir, """
                environments:
                  a:
                    script:
                      actions:
                        onEnter:
                          command: bash
                          args:
                            - -c
                            - |
                              while [ ! -e go ]; do sleep 0.02; done
                              echo 'openjd_fail: license server unreachable'
                              exit 3
                        onExit: {command: bash, args: [-c, "echo a >> exits.txt"]}
                %s
                processes:
                  p: {command: [x], environment: [a, b]}
                  q: {command: [y], environment: [a]}
                """.formatted(exiting("b")))) {
            CompletableFuture<Void> p = rig.enterInBackground("p");
            CompletableFuture<Void> q = rig.enterInBackground("q");
            awaitUntil("onEnter started", () -> Files.exists(rig.file("env-1-a/enter.log")));
            Files.writeString(rig.file("go"), "");

            Path log = rig.envDir("a").resolve("enter.log");
            for (CompletableFuture<Void> gate : List.of(p, q)) {
                ExecutionException e = catchThrowableOfType(ExecutionException.class, () -> await(gate));
                assertThat(e.getCause()).isInstanceOf(TaskException.class);
                assertThat(e.getCause().getMessage()).contains("environment 'a'").contains("could not be entered")
                        .contains("license server unreachable").contains(log.toString());
            }
            assertThat(Files.readString(log)).contains("openjd_fail: license server unreachable");
            TaskException later = catchThrowableOfType(TaskException.class, () -> rig.enter("q"));
            assertThat(later).as("a later task fails the same way, without entering again").isNotNull()
                    .hasMessageContaining("license server unreachable");
            assertThat(catchThrowableOfType(TaskException.class, () -> rig.launch("q", List.of("y"), Map.of())))
                    .hasMessageContaining("is not entered");

            assertThat(rig.session.exitAll()).isEmpty();
            assertThat(rig.lines("exits.txt")).as("a's enter was attempted, b's never").containsExactly("a");
        }
    }

    @Test
    void exitsRunInnermostAndLatestFirst() throws Exception {
        try (SessionRig rig = SessionRig.open(dir, """
                environments:
                %s%s%s%s
                processes:
                  p: {command: [x], environment: [a, b]}
                  q: {command: [y], environment: [c]}
                  r: {command: [z], environment: [d]}
                """.formatted(exiting("a"), exiting("b"), exiting("c"), exiting("d")))) {
            rig.enter("p");
            rig.enter("q");

            assertThat(rig.session.exitAll()).isEmpty();
            assertThat(rig.lines("exits.txt")).as("d was never entered").containsExactly("c", "b", "a");

            assertThat(rig.session.exitAll()).as("a second call does nothing").isEmpty();
            assertThat(rig.lines("exits.txt")).hasSize(3);
            TaskException e = catchThrowableOfType(TaskException.class, () -> rig.enter("r"));
            assertThat(e).as("nothing is entered once the session exits").isNotNull()
                    .hasMessageContaining("environment 'd'").hasMessageContaining("the run is ending");
            assertThat(rig.lines("exits.txt")).hasSize(3);
        }
    }

    @Test
    void failingOnExitIsReportedAndDoesNotStopTheOtherExits() throws Exception {
        try (SessionRig rig = SessionRig.open(dir, """
                environments:
                %s
                  b:
                    script:
                      actions:
                        onExit:
                          command: bash
                          args: [-c, "echo b >> exits.txt; echo 'openjd_fail: could not unmount /scratch'; exit 1"]
                %s
                processes:
                  p: {command: [x], environment: [a, b, c]}
                """.formatted(exiting("a"), exiting("c")))) {
            rig.enter("p");

            List<String> problems = rig.session.exitAll();

            assertThat(rig.lines("exits.txt")).containsExactly("c", "b", "a");
            assertThat(problems).singleElement().asString().contains("environment 'b'").contains("onExit failed")
                    .contains("could not unmount /scratch").contains(rig.envDir("b").resolve("exit.log").toString());
        }
    }

    @Test
    void exitAllCancelsAnEnterThatStillRunsAndThenRunsItsOnExit() throws Exception {
        try (SessionRig rig = SessionRig.open(dir, """
                environments:
                  a:
                    script:
                      actions:
                        onEnter: {command: bash, args: [-c, "echo $$ > enter.pid; exec sleep 600"]}
                        onExit: {command: bash, args: [-c, "echo a >> exits.txt"]}
                processes:
                  p: {command: [x], environment: a}
                """)) {
            CompletableFuture<Void> gate = rig.enterInBackground("p");
            awaitUntil("onEnter runs", () -> rig.lines("enter.pid").size() == 1);
            long pid = Long.parseLong(rig.lines("enter.pid").getFirst());

            long started = System.nanoTime();
            List<String> problems = rig.session.exitAll();

            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(20));
            assertThat(problems).isEmpty();
            ExecutionException e = catchThrowableOfType(ExecutionException.class, () -> await(gate));
            assertThat(e.getCause()).isInstanceOf(TaskException.class);
            assertThat(e.getCause().getMessage()).contains("environment 'a'").contains("the run is ending");
            assertThat(rig.lines("exits.txt")).containsExactly("a");
            Optional<ProcessHandle> sleeper = ProcessHandle.of(pid);
            if (sleeper.isPresent()) {
                sleeper.get().onExit().get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
            }
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).as("onEnter's process was killed")
                    .isNotEqualTo(Optional.of(true));
        }
    }

    @Test
    void exitAllCancelsAnEnterWhoseActionStartsAfterTheRunBeganEnding() throws Exception {
        // Regression: exitAll() canceled only the enter actions already running when it looked; an enter
        // attempted before but whose action started just after ran to its end while exitAll() waited.
        // The enter's log is a named pipe, so the enter stops right before its action starts (opening the
        // log for writing) until the test reads the pipe.
        Path envDir = dir.resolve("session/env-1-a");
        Files.createDirectories(envDir);
        Process mkfifo = new ProcessBuilder("mkfifo", envDir.resolve("enter.log").toString()).inheritIO().start();
        assertThat(mkfifo.waitFor()).isZero();
        try (SessionRig rig = SessionRig.open(dir, """
                environments:
                  a:
                    script:
                      actions:
                        onEnter: {command: bash, args: [-c, "exec sleep 600"]}
                        onExit: {command: bash, args: [-c, "echo a >> exits.txt"]}
                      embeddedFiles:
                        - {name: First, type: TEXT, filename: first, data: "written"}
                processes:
                  p: {command: [x], environment: a}
                """)) {
            CompletableFuture<Void> gate = rig.enterInBackground("p");
            awaitUntil("a's enter was attempted and writes its files",
                    () -> rig.lines("env-1-a/first").equals(List.of("written")));
            CompletableFuture<List<String>> exit = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> exit.complete(rig.session.exitAll()));
            // exitAll() has looked for running enters long before this; a's action has not started yet.
            Thread.sleep(300);
            assertThat(exit).as("exitAll() waits for the enter it could not cancel yet").isNotDone();

            // Read to its end: the action started, found the run ending and was canceled at once.
            assertThat(Files.readString(envDir.resolve("enter.log"), StandardCharsets.UTF_8))
                    .contains("canceling (the run is ending before environment 'a' was entered)");

            assertThat(await(exit)).isEmpty();
            ExecutionException e = catchThrowableOfType(ExecutionException.class, () -> await(gate));
            assertThat(e.getCause()).isInstanceOf(TaskException.class);
            assertThat(e.getCause().getMessage()).contains("environment 'a'").contains("the run is ending");
            assertThat(rig.lines("exits.txt")).containsExactly("a");
        }
    }

    // ---- redaction and the session directory -------------------------------------------------------

    @Test
    void redactedVariableWithoutTheExtensionIsMaskedButNotSetAsOpenJdSays() throws Exception {
        try (SessionRig rig = SessionRig.open(dir, """
                environments:
                  a:
                    script:
                      actions:
                        onEnter: {command: bash, args: [-c, "echo 'openjd_redacted_env: TOKEN=hunter2-secret'"]}
                processes:
                  p: {command: [x], environment: a}
                """)) {
            rig.enter("p");

            assertThat(rig.launch("p", List.of("x"), Map.of()).command().environment()).doesNotContainKey("TOKEN");
            assertThat(rig.lines("env-1-a/enter.log")).containsExactly("openjd_redacted_env: TOKEN=********");
            assertThat(rig.session.secrets().redact("a hunter2-secret b")).isEqualTo("a ******** b");
        }
    }

    @Test
    void redactedVariableIsSetWhenAnEnvironmentOfTheSessionDeclaresTheExtension() throws Exception {
        try (SessionRig rig = SessionRig.open(dir, """
                environments:
                  declares: {extensions: [REDACTED_ENV_VARS], variables: {D: "1"}}
                  a:
                    script:
                      actions:
                        onEnter: {command: bash, args: [-c, "echo 'openjd_redacted_env: TOKEN=hunter2-secret'"]}
                processes:
                  p: {command: [x], environment: a}
                  q: {command: [x], environment: declares}
                """)) {
            rig.enter("p");

            assertThat(rig.launch("p", List.of("x"), Map.of()).command().environment())
                    .as("OpenJD enables an extension for the whole session").containsEntry("TOKEN", "hunter2-secret");
            assertThat(rig.lines("env-1-a/enter.log")).containsExactly("openjd_redacted_env: TOKEN=********");
        }
    }

    @Test
    void environmentActionsAndTasksGetTheSessionDirectoryAsOpenjdSessionWorkingDir() throws Exception {
        try (SessionRig rig = SessionRig.open(dir, """
                environments:
                  a:
                    script:
                      actions:
                        onEnter: {command: bash, args: [-c, 'echo "$OPENJD_SESSION_WORKING_DIR|$PWD" >> where.txt']}
                processes:
                  p: {command: [x], environment: a}
                """)) {
            rig.enter("p");
            String sessionDir = rig.session.directory().toString();

            assertThat(rig.lines("where.txt")).containsExactly(sessionDir + "|" + sessionDir);
            assertThat(rig.launch("p", List.of("x"), Map.of()).command().environment())
                    .containsEntry("OPENJD_SESSION_WORKING_DIR", sessionDir);
            assertThat(rig.launch("p", List.of("x"), Map.of("OPENJD_SESSION_WORKING_DIR", "/mine")).command()
                    .environment()).as("a process that sets it keeps its own")
                    .containsEntry("OPENJD_SESSION_WORKING_DIR", "/mine");
        }
    }

    // ---- embedded files ---------------------------------------------------------------------------

    @Test
    void embeddedFilesAreWrittenAgainBeforeEveryActionSoAnEarlierActionCannotChangeThemForALaterOne()
            throws Exception {
        try (SessionRig rig = SessionRig.open(dir, """
                environments:
                  a:
                    script:
                      actions:
                        onEnter: {command: bash, args: [-c, 'cat "$0" >> seen.txt; echo tampered > "$0"', "{{ Env.File.Note }}"]}
                        onExit: {command: bash, args: [-c, 'cat "$0" >> seen.txt', "{{ Env.File.Note }}"]}
                      embeddedFiles:
                        - {name: Note, type: TEXT, filename: note.txt, data: "as written\\n"}
                processes:
                  p: {command: [x], environment: a}
                """)) {
            rig.enter("p");
            assertThat(rig.lines("env-1-a/note.txt")).as("onEnter changed it").containsExactly("tampered");

            assertThat(rig.session.exitAll()).isEmpty();

            assertThat(rig.lines("seen.txt")).containsExactly("as written", "as written");
        }
    }

    @Test
    void embeddedFilesAreWrittenWithTheirDataEvaluatedAndRunnableOnesExecutable() throws Exception {
        SessionRig.write(dir, "envs/files.yaml", """
                specificationVersion: environment-2023-09
                parameterDefinitions:
                  - {name: Greeting, type: STRING, default: hello}
                  - {name: Count, type: INT, default: 1}
                environment:
                  name: Files
                  variables: {GREETING: "{{ Param.Greeting }}"}
                  script:
                    actions:
                      onEnter: {command: "{{ Env.File.Run }}", args: ["{{ Param.Count }}"]}
                    embeddedFiles:
                      - name: Run
                        type: TEXT
                        runnable: true
                        filename: run.sh
                        data: |
                          #!/bin/bash
                          echo "openjd_env: FROM_FILE={{ Param.Greeting }} x$1 $GREETING"
                          echo "openjd_env: DATA=$(cat '{{ Env.File.Data }}')"
                      - name: Data
                        type: TEXT
                        data: "greeting={{ Param.Greeting }} count={{ Param.Count + 1 }} in {{ Session.WorkingDirectory }}"
                """);
        try (SessionRig rig = SessionRig.open(dir, """
                environments:
                  files: {template: envs/files.yaml, parameters: {Greeting: bonjour, Count: "04"}}
                processes:
                  p: {command: [x], environment: files}
                """)) {
            rig.enter("p");

            Path envDir = rig.envDir("files");
            Path run = envDir.resolve("run.sh");
            // Without a filename the name is random, as in OpenJD: no action can depend on it.
            Path data;
            try (var files = Files.list(envDir)) {
                data = files.filter(f -> f.getFileName().toString().matches("file-[0-9a-f]{16}")).findFirst()
                        .orElseThrow(() -> new AssertionError("no file-<random> in " + envDir));
            }
            assertThat(Files.readString(run)).startsWith("#!/bin/bash\n").contains("FROM_FILE=bonjour x$1");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(run))).as("owner only")
                    .isEqualTo("rwx------");
            String sessionDir = rig.session.directory().toString();
            assertThat(Files.readString(data)).isEqualTo("greeting=bonjour count=5 in " + sessionDir);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(data))).isEqualTo("rw-------");
            assertThat(rig.launch("p", List.of("x"), Map.of()).command().environment()).containsOnly(
                    Map.entry("GREETING", "bonjour"),
                    Map.entry("FROM_FILE", "bonjour x4 bonjour"),
                    Map.entry("DATA", "greeting=bonjour count=5 in " + sessionDir), rig.sessionDirectoryVariable());
        }
    }

    @Test
    void sessionDirectoryHoldsThePathMappingRulesAndIsWhereActionsRun() throws Exception {
        try (SessionRig rig = SessionRig.open(dir, """
                environments:
                  a:
                    script:
                      actions:
                        onEnter:
                          command: bash
                          args: [-c, 'echo "openjd_env: WHERE=$PWD"; echo "openjd_env: RULES={{ Session.PathMappingRulesFile }}"']
                processes:
                  p: {command: [x], environment: a}
                """)) {
            rig.enter("p");

            Path sessionDir = rig.session.directory();
            assertThat(sessionDir).isEqualTo(dir.resolve("session"));
            assertThat(rig.launch("p", List.of("x"), Map.of()).command().environment())
                    .containsEntry("WHERE", sessionDir.toRealPath().toString())
                    .containsEntry("RULES", sessionDir.resolve("path-mapping.json").toString());
            assertThat(Files.readString(sessionDir.resolve("path-mapping.json"))).contains("\"path_mapping_rules\": []");
        }
    }
}
