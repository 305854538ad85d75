package dev.sluice.host.cli;

import static dev.sluice.host.DockerEngine.docker;
import static dev.sluice.host.cli.SluiceProcess.column;
import static dev.sluice.host.cli.SluiceProcess.traceRows;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.host.DockerEngine;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The plugin-free Docker environment template ({@code examples/envs/docker-session.yaml}) end to end:
 * {@code sluice run} on the built distribution against a real Docker Engine. Needs the engine and the
 * test image of {@code .ci/docker-up} (see {@link DockerEngine#require()}).
 */
class DockerTemplateIT {
    /** The template's onMonitor: a check every 3 s, two failures in a row cancel the task. */
    private static final Duration CHECK_PERIOD = Duration.ofSeconds(3);
    private static final int FAILURE_THRESHOLD = 2;
    /** Room for a loaded machine on top of the checks: the docker CLI, the cancelation, the trace. */
    private static final Duration MARGIN = Duration.ofSeconds(15);

    private static final Path EXAMPLES = Path.of(System.getProperty("user.dir")).getParent().resolve("examples");

    @TempDir
    Path dir;

    @BeforeEach
    void engine() {
        DockerEngine.require();
    }

    /** Removes what a failed test left behind: the containers of sessions under this test's directory. */
    @AfterEach
    void removeLeftovers() throws IOException {
        DockerEngine.Result ps = docker("ps", "-a", "--filter", "label=dev.sluice.template=docker-session",
                "--format", "{{.ID}} {{.Label \"dev.sluice.session\"}}");
        ps.trimmed().lines().map(l -> l.split(" ", 2)).filter(f -> f.length == 2 && f[1].startsWith(dir.toString()))
                .forEach(f -> {
                    try {
                        docker("rm", "-f", f[0]);
                    } catch (IOException e) {
                        throw new AssertionError(e);
                    }
                });
    }

    @Test
    void examplePipelineRunsEveryTaskInOneSessionContainerAndRemovesItAfterwards() throws Exception {
        SluiceProcess.Result r = SluiceProcess.run(dir, "run", EXAMPLES.resolve("docker-template.yaml").toString(),
                "--progress", "plain");
        // `fail` exits 3 with errorStrategy ignore: the run succeeds.
        assertThat(r.exitCode()).as(r.all()).isZero();
        Path session = sessionDir();
        String container = exported(session, "SESSION_CONTAINER");
        String shortId = container.substring(0, 12);

        List<String[]> rows = traceRows(r.stdout());
        int process = column(rows, "process");
        int status = column(rows, "status");
        int exit = column(rows, "exit");
        int workdir = column(rows, "workdir");
        int error = column(rows, "error");

        String[] where = row(rows, process, "where");
        String whereOut = read(Path.of(where[workdir], ".command.out"));
        // pid 1 is the session container's init running `sleep infinity`, and the hostname is its id.
        assertThat(whereOut).contains("pid 1: /sbin/docker-init -- sleep infinity")
                .contains("hostname: " + shortId + "\n")
                .doesNotContain("hostname: " + hostHostname() + "\n");

        // The work directory is mounted at the same path: files the tasks wrote are here, and the
        // process's env: reached them through docker exec -e.
        List<String[]> greet = rows.stream().filter(row -> row[process].equals("greet")).toList();
        assertThat(greet).hasSize(3).allSatisfy(row -> {
            assertThat(row[status]).isEqualTo("SUCCEEDED");
            assertThat(read(Path.of(row[workdir], "greeting.txt"))).matches("hello \\w+ from " + shortId + "\n");
        });

        String[] fail = row(rows, process, "fail");
        assertThat(fail[status]).isEqualTo("FAILED");
        assertThat(fail[exit]).as("the task's own exit code").isEqualTo("3");
        assertThat(fail[error]).contains("failing on purpose in " + shortId);

        assertRemoved(session, container);
        assertThat(read(session.resolve("env-1-docker/exit.log"))).contains("removed session container sluice-");
    }

    @Test
    void killingTheSessionContainerFailsTheRunningTaskNamingTheContainer() throws Exception {
        Trouble t = troubleDuringLongTask(start(longTaskPipeline("", "exec sleep 600")), "kill", () -> { });
        String[] longRow = t.row("long");
        assertThat(longRow[t.column("status")]).isEqualTo("FAILED");
        // The exec ends with the container, and the wrapper says why (should a check come first, it names
        // the container the same way).
        assertThat(longRow[t.column("error")]).contains("session container " + t.name())
                .contains(t.container().substring(0, 12)).contains("exited (exit code 137)");
        assertThat(longRow[t.column("exit")]).isEqualTo("137");
        assertDetectedInTime(t.at(), longRow[t.column("complete")]);
        // The next task finds the container stopped and does not start.
        String[] others = t.row("others");
        assertThat(others[t.column("status")]).isEqualTo("FAILED");
        assertThat(others[t.column("error")]).contains("session container " + t.name())
                .contains("exited (exit code 137); the task did not start");
        assertRemoved(t.session(), t.container());
    }

    /**
     * Regression: the engine may end the exec of a killed container before it marks the container
     * stopped, and the wrapper then blamed the task ({@code exited with code 137}). A docker CLI on the
     * host's PATH that reports the container running twice more after the kill makes that order certain.
     */
    @Test
    void containerStillMarkedRunningJustAfterItsExecEndedIsAskedAgain() throws Exception {
        Path marker = dir.resolve("killed");
        ProcessBuilder pb = builder(longTaskPipeline("", "exec sleep 600"));
        pb.environment().put("PATH", dockerLaggingAfter(marker) + ":" + pb.environment().get("PATH"));
        Trouble t = troubleDuringLongTask(pb.start(), "kill", () -> Files.writeString(marker, "0"));
        assertThat(Files.readString(marker).strip()).as("the stale answers were given").isEqualTo("2");
        String[] longRow = t.row("long");
        assertThat(longRow[t.column("status")]).isEqualTo("FAILED");
        assertThat(longRow[t.column("error")]).contains("session container " + t.name())
                .contains("exited (exit code 137); it stopped while the task ran");
        assertRemoved(t.session(), t.container());
    }

    @Test
    void pausedSessionContainerIsCaughtByTheHealthCheckWhichFailsTheTask() throws Exception {
        // A paused container keeps docker exec waiting: only the check notices.
        Trouble t = troubleDuringLongTask(start(longTaskPipeline("", "exec sleep 600")), "pause", () -> { });
        String[] longRow = t.row("long");
        assertThat(longRow[t.column("status")]).isEqualTo("FAILED");
        assertThat(longRow[t.column("error")]).contains("health monitor 'environment docker'")
                .contains("session container " + t.name()).contains(t.container().substring(0, 12))
                .contains("is paused");
        assertDetectedInTime(t.at(), longRow[t.column("complete")]);
        assertThat(read(t.session().resolve("env-1-docker/monitor.log"))).contains("is paused");
        assertThat(t.row("others")[t.column("error")])
                .contains("session container " + t.name()).contains("is paused; the task did not start");
        // onExit removes a paused container too.
        assertRemoved(t.session(), t.container());
    }

    @Test
    void aCanceledTaskIsStoppedInsideTheContainerToo() throws Exception {
        // The time limit cancels the task; the wrapper passes SIGTERM on to the task's process group in
        // the container, so the trap runs and the background sleep goes with it.
        Path p = longTaskPipeline("resources: {time: 3s}", """
                trap 'echo "got TERM" > term.txt; exit 143' TERM
                sleep 600 &
                wait""");
        Process host = start(p);
        assertThat(host.waitFor(120, TimeUnit.SECONDS)).as("the run ends").isTrue();
        String out = output();
        assertThat(host.exitValue()).as(out).isZero();
        List<String[]> rows = traceRows(out);
        int process = column(rows, "process");
        int workdir = column(rows, "workdir");
        String[] longRow = row(rows, process, "long");
        assertThat(longRow[column(rows, "error")]).contains("time limit");
        assertThat(Path.of(longRow[workdir], "term.txt")).as("the task got SIGTERM inside the container")
                .hasContent("got TERM\n");
        // `others` waits for `long` and lists the container's processes once it is done.
        String ps = read(Path.of(row(rows, process, "others")[workdir], ".command.out"));
        assertThat(ps).contains("sleep infinity").doesNotContain("sleep 600");
    }

    // ---- helpers ----------------------------------------------------------------------------------

    /**
     * A pipeline with the template: {@code long} writes {@code work/long.started} (the work directory is
     * mounted in the container) and runs {@code script}; {@code others} runs {@code ps} in the container
     * once {@code long} is done. Both have errorStrategy ignore, so the run succeeds when they fail.
     */
    private Path longTaskPipeline(String longResources, String script) throws IOException {
        String body = ("echo started > " + dir.resolve("work/long.started") + "\n" + script).indent(6);
        Path file = dir.resolve("docker-long.yaml");
        Files.writeString(file, """
                name: docker-long
                environments:
                  docker:
                    template: %s
                    parameters: {Image: "%s", Network: none}
                processes:
                  long:
                    environment: docker
                    errorStrategy: ignore
                    %s
                    script: |
                %s
                  others:
                    environment: docker
                    dependsOn: [long]
                    errorStrategy: ignore
                    command: [ps]
                """.formatted(EXAMPLES.resolve("envs/docker-session.yaml"), DockerEngine.TEST_IMAGE, longResources,
                body.stripTrailing()), StandardCharsets.UTF_8);
        return file;
    }

    private Process start(Path pipeline) throws IOException {
        return builder(pipeline).start();
    }

    private ProcessBuilder builder(Path pipeline) {
        return SluiceProcess.builder(dir, "run", pipeline.toString(), "--progress", "plain")
                .redirectErrorStream(true).redirectOutput(dir.resolve("host.log").toFile());
    }

    /** What a run of {@link #longTaskPipeline} did after its session container was troubled. */
    private record Trouble(Path session, String container, String name, Instant at, List<String[]> rows) {
        int column(String name) {
            return SluiceProcess.column(rows, name);
        }

        String[] row(String process) {
            return DockerTemplateIT.row(rows, column("process"), process);
        }
    }

    private interface Step {
        void run() throws IOException;
    }

    /**
     * Waits until {@code long} runs, runs {@code before}, then {@code docker <command> <container>}
     * (kill, pause), and waits for the run to end, which it must with exit code 0.
     */
    private Trouble troubleDuringLongTask(Process host, String command, Step before) throws Exception {
        Path session = awaitLongTask(host);
        String container = exported(session, "SESSION_CONTAINER");
        String name = exported(session, "SESSION_CONTAINER_NAME");
        before.run();
        assertThat(docker(command, container).exitCode()).isZero();
        Instant at = Instant.now();
        assertThat(host.waitFor(120, TimeUnit.SECONDS)).as("the run ends").isTrue();
        String out = output();
        assertThat(host.exitValue()).as(out).isZero();
        return new Trouble(session, container, name, at, traceRows(out));
    }

    /**
     * A directory with a {@code docker} that passes everything to the real CLI, except that once
     * {@code marker} exists it answers the first two {@code docker inspect -f} with "running 0",
     * counting them in the marker.
     */
    private Path dockerLaggingAfter(Path marker) throws IOException {
        String real = Stream.of(System.getenv("PATH").split(":")).map(d -> Path.of(d, "docker"))
                .filter(Files::isExecutable).findFirst().orElseThrow().toString();
        Path bin = Files.createDirectories(dir.resolve("lagging-docker"));
        Path script = bin.resolve("docker");
        Files.writeString(script, """
                #!/bin/bash
                marker=%s
                if [ "$1" = inspect ] && [ "$2" = -f ] && [ -f "$marker" ]; then
                  n=$(cat "$marker")
                  if [ "$n" -lt 2 ]; then echo $((n + 1)) > "$marker"; echo "running 0"; exit 0; fi
                fi
                exec %s "$@"
                """.formatted(marker, real), StandardCharsets.UTF_8);
        script.toFile().setExecutable(true);
        return bin;
    }

    /** Waits until {@code long} runs in the container; returns the session directory. */
    private Path awaitLongTask(Process host) throws Exception {
        Path started = dir.resolve("work/long.started");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!Files.exists(started) && System.nanoTime() < deadline && host.isAlive()) {
            Thread.sleep(50);
        }
        assertThat(started).as("the long task started; host output:\n%s", output()).exists();
        return sessionDir();
    }

    /** Detected by the wrapper or the check, not by the task's 600 s: within the checks plus a margin. */
    private static void assertDetectedInTime(Instant cause, String complete) {
        Duration detection = Duration.between(cause, Instant.parse(complete));
        assertThat(detection).as("time from the container's trouble to the task's failure")
                .isLessThan(CHECK_PERIOD.multipliedBy(FAILURE_THRESHOLD).plus(MARGIN));
    }

    /** The container is gone after the run, and no other container of the session is left. */
    private static void assertRemoved(Path session, String container) throws IOException {
        assertThat(docker("inspect", container).exitCode()).as("container %s was removed", container).isNotZero();
        assertThat(docker("ps", "-aq", "--filter", "label=dev.sluice.session=" + session).trimmed())
                .as("containers of session %s", session).isEmpty();
    }

    private Path sessionDir() throws IOException {
        try (Stream<Path> runs = Files.list(dir.resolve("work/runs"))) {
            return runs.findFirst().orElseThrow().resolve("session");
        }
    }

    /** A variable the template's onEnter exported, from its enter.log. */
    private static String exported(Path session, String name) {
        String prefix = "openjd_env: " + name + "=";
        return read(session.resolve("env-1-docker/enter.log")).lines().filter(l -> l.startsWith(prefix))
                .findFirst().orElseThrow(() -> new AssertionError("onEnter exported no " + name)).substring(
                        prefix.length());
    }

    private static String[] row(List<String[]> rows, int process, String name) {
        return rows.stream().filter(r -> r[process].equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no trace row for " + name));
    }

    private static String hostHostname() throws IOException {
        return Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
    }

    private String output() throws IOException {
        Path log = dir.resolve("host.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
