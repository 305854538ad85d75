package dev.sluice.host.cli;

import static dev.sluice.host.cli.SluiceProcess.column;
import static dev.sluice.host.cli.SluiceProcess.traceRows;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Environments end to end: {@code sluice run} on the built distribution, with real processes as
 * helpers, wrappers and checks.
 */
class EnvironmentsIT {
    @TempDir
    Path dir;

    private Path write(String name, String text) throws IOException {
        Path file = dir.resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, text, StandardCharsets.UTF_8);
        return file;
    }

    /**
     * The helper environment of the issue: onEnter starts a helper and exports its pid, every task runs
     * through it, and (when {@code monitored}) a check every 2 s terminates the running task once the
     * helper is gone. Writes the helper's pid to helper.pid and "exited" to exited when onExit runs.
     */
    private Path helperPipeline(boolean monitored, String longTaskResources) throws IOException {
        String monitor = !monitored ? "" : """
                    onMonitor:
                      command:
                        command: bash
                        args: ["-c", "kill -0 \\"$HELPER_PID\\" 2>/dev/null || { echo \\"helper $HELPER_PID is gone\\"; exit 1; }"]
                        timeout: 5
                      period: 2
                      onFailure: terminate
                      failureThreshold: 1
                """;
        return write("helper.yaml", """
                name: helper-scenario
                environments:
                  helper:
                    extensions: [WRAP_TASK_RUN%s]
                    script:
                      actions:
                        onEnter:
                          command: bash
                          args: ["-c", "sleep 100000 >/dev/null 2>&1 & echo \\"openjd_env: HELPER_PID=$!\\"; echo $! > %s"]
                        onWrapTaskRun:
                          command: bash
                          args: ["-c", "kill -0 \\"$HELPER_PID\\" || exit 99; exec \\"$@\\"", "wrap", "{{ Task.Command }}", "{{ Task.Args }}"]
                        onExit:
                          command: bash
                          args: ["-c", "kill \\"$HELPER_PID\\" 2>/dev/null; echo exited > %s"]
                %s
                processes:
                  long:
                    environment: helper
                    errorStrategy: ignore
                    resources: {%s}
                    command: [bash, -c, "echo started > %s; exec sleep 600"]
                  others:
                    matrix:
                      n: [1, 2, 3]
                    command: [bash, -c, "sleep 3; echo other {{ Task.Param.n }}"]
                """.formatted(monitored ? ", SLUICE_MONITOR" : "", dir.resolve("helper.pid"), dir.resolve("exited"),
                monitor, longTaskResources, dir.resolve("long.started")));
    }

    /** Waits until the long task runs inside the helper; returns the helper's pid. */
    private long awaitLongTask(Process host) throws Exception {
        Path started = dir.resolve("long.started");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!Files.exists(started) && System.nanoTime() < deadline && host.isAlive()) {
            Thread.sleep(50);
        }
        assertThat(started).as("the long task started; host output:\n%s", output()).exists();
        return Long.parseLong(Files.readString(dir.resolve("helper.pid")).trim());
    }

    /** Waits until the long task runs inside the helper, and kills the helper. */
    private Instant startAndKillHelper(Process host) throws Exception {
        long helper = awaitLongTask(host);
        assertThat(ProcessHandle.of(helper)).as("helper %d runs", helper).isPresent();
        ProcessHandle.of(helper).orElseThrow().destroyForcibly();
        return Instant.now();
    }

    private String output() throws IOException {
        Path log = dir.resolve("host.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    @Test
    void monitorFailsTheTaskWhoseHelperDiedAndOnExitRunsAndOtherTasksGoOn() throws Exception {
        Path p = helperPipeline(true, "cpus: 1");
        Process host = SluiceProcess.builder(dir, "run", p.toString(), "--progress", "plain")
                .redirectErrorStream(true).redirectOutput(dir.resolve("host.log").toFile()).start();
        Instant killed = startAndKillHelper(host);
        assertThat(host.waitFor(120, TimeUnit.SECONDS)).as("the run ends").isTrue();
        String out = output();
        // errorStrategy ignore: the failed task does not fail the run.
        assertThat(host.exitValue()).as(out).isZero();

        List<String[]> rows = traceRows(out);
        int process = column(rows, "process");
        int status = column(rows, "status");
        int error = column(rows, "error");
        int complete = column(rows, "complete");
        String[] longRow = rows.stream().filter(r -> r[process].equals("long")).findFirst().orElseThrow();
        assertThat(longRow[status]).isEqualTo("FAILED");
        assertThat(longRow[error]).contains("is gone").contains("environment helper");
        // Detected by the 2 s check, not by the task's 600 s; the bound leaves room for a loaded machine,
        // the benchmark (bench/run-environments) records the actual detection time.
        Duration detection = Duration.between(killed, Instant.parse(longRow[complete]));
        assertThat(detection).as("time from killing the helper to the task's failure").isLessThan(
                Duration.ofSeconds(30));
        assertThat(rows.stream().filter(r -> r[process].equals("others")))
                .hasSize(3).allSatisfy(r -> assertThat(r[status]).isEqualTo("SUCCEEDED"));
        assertThat(dir.resolve("exited")).as("onExit ran").hasContent("exited\n");
        assertThat(out).contains("1 ignored").contains("3 succeeded");
    }

    @Test
    void withoutTheMonitorTheSameTaskRunsUntilItsTimeLimit() throws Exception {
        Path p = helperPipeline(false, "time: 8s");
        Process host = SluiceProcess.builder(dir, "run", p.toString(), "--progress", "plain")
                .redirectErrorStream(true).redirectOutput(dir.resolve("host.log").toFile()).start();
        Instant killed = startAndKillHelper(host);
        assertThat(host.waitFor(120, TimeUnit.SECONDS)).as("the run ends").isTrue();
        List<String[]> rows = traceRows(output());
        int process = column(rows, "process");
        int error = column(rows, "error");
        int start = column(rows, "start");
        int complete = column(rows, "complete");
        String[] longRow = rows.stream().filter(r -> r[process].equals("long")).findFirst().orElseThrow();
        assertThat(longRow[error]).contains("time limit");
        assertThat(Instant.parse(longRow[complete])).as("nothing noticed the helper's death")
                .isAfterOrEqualTo(Instant.parse(longRow[start]).plusSeconds(7));
        assertThat(Instant.parse(longRow[complete])).isAfter(killed);
        assertThat(dir.resolve("exited")).as("onExit ran").exists();
    }

    @Test
    void sigtermToTheHostStillExitsTheEnvironments() throws Exception {
        Path p = helperPipeline(true, "cpus: 1");
        Process host = SluiceProcess.builder(dir, "run", p.toString(), "-q")
                .redirectErrorStream(true).redirectOutput(dir.resolve("host.log").toFile()).start();
        long helper = awaitLongTask(host);
        host.destroy(); // SIGTERM
        assertThat(host.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(host.exitValue()).as(output()).isEqualTo(143);
        assertThat(dir.resolve("exited")).as("onExit ran after the stop signal").hasContent("exited\n");
        assertThat(SluiceProcess.isGoneOrZombie(helper)).as("onExit stopped helper %d", helper).isTrue();
    }

    @Test
    void failedEnterFailsItsTasksNamesTheLogAndStillRunsOnExit() throws Exception {
        Path p = write("broken.yaml", """
                environments:
                  broken:
                    script:
                      actions:
                        onEnter: {command: bash, args: ["-c", "echo 'cannot reach the license server'; exit 4"]}
                        onExit: {command: bash, args: ["-c", "echo cleaned > %s"]}
                processes:
                  inside: {environment: broken, command: [touch, %s]}
                  outside: {command: [true]}
                """.formatted(dir.resolve("cleaned"), dir.resolve("ran")));
        SluiceProcess.Result r = SluiceProcess.run(dir, "run", p.toString(), "-q");
        assertThat(r.exitCode()).as(r.all()).isEqualTo(1);
        assertThat(r.stdout()).contains("environment 'broken' could not be entered")
                .contains("exited with status 4").contains("enter.log");
        assertThat(dir.resolve("ran")).as("the task did not run outside its environment").doesNotExist();
        assertThat(dir.resolve("cleaned")).as("onExit ran for the attempted enter").exists();
        List<String[]> rows = traceRows(r.stdout());
        int process = column(rows, "process");
        int status = column(rows, "status");
        assertThat(rows.stream().filter(row -> row[process].equals("outside")).findFirst().orElseThrow()[status])
                .isIn("SUCCEEDED", "CANCELLED");
    }

    @Test
    void validateTemplateAcceptsAValidTemplateWithAOneLineSummary() throws Exception {
        // In the manner of the specification's python-venv sample: runnable: True (YAML 1.1), and hooks
        // shared through an alias.
        Path env = write("envs/venv.yaml", """
                specificationVersion: environment-2023-09
                extensions: [WRAP_ACTIONS, EXPR]
                parameterDefinitions:
                  - {name: Python, type: STRING}
                environment:
                  name: Venv
                  script:
                    actions:
                      onEnter: {command: bash, args: ["{{Env.File.Enter }}", "{{ Param.Python }}"]}
                      onWrapEnvEnter: &pass {command: bash, args: [-c, 'exec "$@"', --, "{{ WrappedAction.Command }}", "{{ WrappedAction.Args }}"]}
                      onWrapTaskRun: *pass
                      onWrapEnvExit: *pass
                    embeddedFiles:
                      - {name: Enter, type: TEXT, runnable: True, data: "$1 -m venv env\n"}
                """);
        SluiceProcess.Result r = SluiceProcess.run(dir, "validate", "--template", env.toString());

        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(r.stdout()).isEqualTo(env + " is a valid environment template: environment 'Venv', 1 parameter"
                + " (Python), extensions EXPR, WRAP_ACTIONS, wraps the actions inside it\n");
        assertThat(r.stderr()).isEmpty();
    }

    @Test
    void validateTemplateNamesEveryProblemWithFileLineAndFieldAndExits2() throws Exception {
        Path env = write("envs/bad.yaml", """
                specificationVersion: environment-2023-09
                extensions: [WRAP_ACTIONS]
                environment:
                  name: Bad
                  script:
                    actions:
                      onEnter: {command: echo, args: ["{{ Param.Missing }}"], timeout: soon}
                    embeddedFiles:
                      - {name: F, type: TEXT, runnable: maybe, data: x}
                """);
        SluiceProcess.Result r = SluiceProcess.run(dir, "validate", "--template", env.toString());

        assertThat(r.exitCode()).as(r.all()).isEqualTo(2);
        assertThat(r.stdout()).isEmpty();
        assertThat(r.stderr()).isEqualTo("sluice: " + env + " is not a valid environment template; fix these and try"
                + " again:\n"
                + "  " + env + ":2:13: extensions: WRAP_ACTIONS needs EXPR as well (OpenJD RFC 0008); write e.g."
                + " extensions: [WRAP_ACTIONS, EXPR]\n"
                + "  " + env + ":7:39: environment.script.actions.onEnter.args[0]: column 4: variable 'Param.Missing'"
                + " is not defined: the template declares no parameters; add it under parameterDefinitions (in format"
                + " string \"{{ Param.Missing }}\")\n"
                + "  " + env + ":7:72: environment.script.actions.onEnter.timeout: 'soon' is not a whole number of"
                + " seconds; write e.g. timeout: 300\n"
                + "  " + env + ":9:41: environment.script.embeddedFiles[0].runnable: 'maybe' is not a boolean; write"
                + " true or false\n");
        assertThat(r.all()).doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void openJobDescriptionTemplateFileRunsUnchanged() throws Exception {
        Path examples = Path.of(System.getProperty("user.dir")).getParent().resolve("examples");
        SluiceProcess.Result r = SluiceProcess.run(dir, "run", examples.resolve("environments.yaml").toString(),
                "--progress", "plain");
        assertThat(r.exitCode()).as(r.all()).isZero();
        List<String[]> rows = traceRows(r.stdout());
        int process = column(rows, "process");
        int workdir = column(rows, "workdir");
        List<String> stamped = rows.stream().filter(row -> row[process].equals("stamp"))
                .map(row -> read(Path.of(row[workdir], ".command.out"))).toList();
        // The tool came from the PATH that the template's onEnter exported, the label from its variables.
        assertThat(stamped).hasSize(3).allSatisfy(text -> assertThat(text).contains("stamped by ")
                .contains("in demo"));
        Path session = Files.list(dir.resolve("work/runs")).findFirst().orElseThrow().resolve("session");
        assertThat(session.resolve("demo")).as("onExit removed the scratch directory").doesNotExist();
        assertThat(Files.readString(session.resolve("env-1-scratch/exit.log"))).contains("removed ");
    }

    @Test
    void wrapActionsWrapsTheInnerEnvironmentsEnterAndExitAndEachTask() throws Exception {
        Path log = dir.resolve("wrapped.log");
        write("envs/wrapper.yaml", """
                specificationVersion: environment-2023-09
                extensions: [WRAP_ACTIONS, EXPR]
                environment:
                  name: Wrapper
                  script:
                    actions:
                      onWrapEnvEnter:
                        command: bash
                        args: ["{{ Env.File.Run }}", "enter {{ WrappedEnv.Name }}", "{{ WrappedAction.Environment }}", "--",
                               "{{ WrappedAction.Command }}", "{{ WrappedAction.Args }}"]
                      onWrapTaskRun:
                        command: bash
                        args: ["{{ Env.File.Run }}", "task {{ WrappedStep.Name }}", "{{ WrappedAction.Environment }}", "--",
                               "{{ WrappedAction.Command }}", "{{ WrappedAction.Args }}"]
                      onWrapEnvExit:
                        command: bash
                        args: ["{{ Env.File.Run }}", "exit {{ WrappedEnv.Name }}", "{{ WrappedAction.Environment }}", "--",
                               "{{ WrappedAction.Command }}", "{{ WrappedAction.Args }}"]
                    embeddedFiles:
                      - name: Run
                        type: TEXT
                        data: |
                          #!/usr/bin/env bash
                          # argv: what, KEY=value ..., --, command, args: runs the command under env(1), as a
                          # container would with -e KEY=value.
                          what=$1; shift
                          vars=()
                          while [ "$1" != "--" ]; do vars+=("$1"); shift; done
                          shift
                          echo "$what: $*" >> %s
                          exec env "${vars[@]}" "$@"
                """.formatted(log));
        Path p = write("wrap.yaml", """
                environments:
                  wrapper: {template: envs/wrapper.yaml}
                  inner:
                    script:
                      actions:
                        onEnter: {command: bash, args: ["-c", "echo 'openjd_env: INNER=from-enter'"]}
                        onExit: {command: bash, args: ["-c", "echo bye $INNER"]}
                processes:
                  job:
                    environment: [wrapper, inner]
                    command: [bash, -c, "echo \\"inner says $INNER\\""]
                """);
        SluiceProcess.Result r = SluiceProcess.run(dir, "run", p.toString(), "-q");
        assertThat(r.exitCode()).as(r.all()).isZero();
        List<String> lines = Files.readAllLines(log);
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).startsWith("enter inner: bash -c echo 'openjd_env: INNER=from-enter'");
        assertThat(lines.get(1)).startsWith("task job: bash -c");
        assertThat(lines.get(2)).isEqualTo("exit inner: bash -c echo bye $INNER");
        List<String[]> rows = traceRows(r.stdout());
        int workdir = column(rows, "workdir");
        assertThat(read(Path.of(rows.get(1)[workdir], ".command.out"))).isEqualTo("inner says from-enter\n");
    }

    @Test
    void redactedValueIsMaskedInTheTraceAndTheSummary() throws Exception {
        Path p = write("secret.yaml", """
                environments:
                  vault:
                    extensions: [REDACTED_ENV_VARS]
                    script:
                      actions:
                        onEnter: {command: bash, args: ["-c", "echo 'openjd_redacted_env: TOKEN=hunter2-s3cret'"]}
                processes:
                  leak:
                    environment: vault
                    script: |
                      echo "openjd_fail: login with $TOKEN refused"
                      exit 3
                """);
        SluiceProcess.Result r = SluiceProcess.run(dir, "run", p.toString(), "-q");
        assertThat(r.exitCode()).as(r.all()).isEqualTo(1);
        assertThat(r.stdout()).contains("login with ******** refused").doesNotContain("hunter2-s3cret");
        Path trace = Path.of(r.stdout().lines().filter(l -> l.startsWith("Trace: ")).findFirst().orElseThrow()
                .substring(7));
        assertThat(trace).content().contains("login with ******** refused").doesNotContain("hunter2-s3cret");
    }

    @Test
    void statusLinesOfARunningTaskShowInTheProgressDisplay() throws Exception {
        Path p = write("status.yaml", """
                environments:
                  plain: {variables: {STEP: "2"}}
                processes:
                  work:
                    environment: plain
                    script: |
                      echo "openjd_status: step $STEP of 3"
                      sleep 3
                """);
        SluiceProcess.Result r = SluiceProcess.run(dir, "run", p.toString(), "--progress", "plain");
        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(r.stdout()).contains("work 0/1 done | 1 running | task 1: step 2 of 3");
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
