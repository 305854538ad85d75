package dev.sluice.host.cli;

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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The docker plugin end to end, on the real Docker Engine that {@code .ci/docker-up} starts: the built
 * distribution runs pipelines whose tasks run in containers. The docker CLI here plays the world
 * outside sluice (killing a container, looking for strays).
 */
class DockerPluginIT {
    static final String IMAGE = DockerEngine.TEST_IMAGE;

    @TempDir
    Path dir;
    /** Pipeline names used by a test, so that {@link #noContainerLeftBehind} can look for strays. */
    private final List<String> pipelines = new ArrayList<>();

    @BeforeAll
    static void engine() {
        DockerEngine.require();
    }

    @AfterEach
    void noContainerLeftBehind() throws Exception {
        for (String pipeline : pipelines) {
            String left = DockerEngine.dockerOk("ps", "-a", "-q", "--filter", "label=dev.sluice.pipeline=" + pipeline)
                    .trim();
            if (!left.isEmpty()) {
                List<String> rm = new ArrayList<>(List.of("rm", "-f"));
                rm.addAll(List.of(left.split("\\s+")));
                DockerEngine.docker(rm.toArray(String[]::new));
            }
            assertThat(left).as("containers of pipeline %s left behind", pipeline).isEmpty();
        }
    }

    private Path write(String name, String text) throws IOException {
        Path file = dir.resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, text, StandardCharsets.UTF_8);
        return file;
    }

    /** An operator config that moves every process onto the docker executor, plus {@code extra} lines. */
    private Path config(String pluginSettings, String extra) throws IOException {
        return write("config.yaml", """
                process:
                  defaults:
                    executor: docker
                    hints: {docker/image: "%s"}
                plugins:
                  docker: {network: none, monitorPeriod: 1s%s}
                %s
                """.formatted(IMAGE, pluginSettings, extra));
    }

    private static Map<String, String[]> byName(List<String[]> rows) {
        int name = column(rows, "name");
        return rows.stream().skip(1).collect(Collectors.toMap(r -> r[name], r -> r, (a, b) -> b));
    }

    private String output() throws IOException {
        Path log = dir.resolve("host.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    private Process start(String... args) throws IOException {
        return SluiceProcess.builder(dir, args).redirectErrorStream(true)
                .redirectOutput(dir.resolve("host.log").toFile()).start();
    }

    private void await(String what, Process host, java.util.concurrent.Callable<Boolean> condition) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!condition.call()) {
            assertThat(host.isAlive()).as("sluice still runs while waiting for %s; output:\n%s", what, output())
                    .isTrue();
            assertThat(System.nanoTime()).as("waited 90 s for %s; output:\n%s", what, output()).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    /**
     * The scenario: 20 tasks in one session container, one of them a long sleep. The container
     * is killed from outside while the long task runs: the tasks running in it fail within the monitor
     * period with the container's state in the message, the environment's exit still runs, a fresh
     * container serves the tasks still queued, and no container is left afterwards.
     */
    @Test
    void killedSessionContainerFailsItsTasksAndAFreshOneServesTheRest() throws Exception {
        pipelines.add("docker-scenario");
        Path work = dir.resolve("work");
        Path pipeline = write("scenario.yaml", """
                name: docker-scenario
                environments:
                  scratch:
                    script:
                      actions:
                        onEnter: {command: sh, args: ["-c", "echo entered > %1$s/entered"]}
                        onExit: {command: sh, args: ["-c", "echo exited > %1$s/exited"]}
                processes:
                  long:
                    environment: scratch
                    errorStrategy: ignore
                    script: |
                      echo started > %2$s/long.started
                      exec sleep 300
                  companions:
                    environment: scratch
                    errorStrategy: ignore
                    matrix: {n: [1, 2, 3]}
                    script: |
                      echo started > %2$s/companion-{{ Task.Param.n }}.started
                      exec sleep 300
                  later:
                    environment: scratch
                    dependsOn: [long, companions]
                    matrix: {n: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]}
                    script: |
                      echo "later {{ Task.Param.n }} in $(hostname)"
                """.formatted(dir, work));
        // Room for the four sleeping tasks at once on a small machine.
        Path config = config("", "executors:\n  docker: {cpus: 4}\n");
        Process host = start("run", pipeline.toString(), "-c", config.toString(), "-w", work.toString(),
                "--progress", "plain");
        await("the long task and its companions to start", host, () -> Files.exists(work.resolve("long.started"))
                && Files.exists(work.resolve("companion-1.started")) && Files.exists(work.resolve("companion-2.started"))
                && Files.exists(work.resolve("companion-3.started")));
        List<String> running = lines(DockerEngine.dockerOk("ps", "-q", "--filter",
                "label=dev.sluice.pipeline=docker-scenario"));
        assertThat(running).as("one session container serves the four running tasks").hasSize(1);
        String firstName = DockerEngine.dockerOk("inspect", "-f", "{{.Name}}", running.get(0)).trim().substring(1);

        DockerEngine.dockerOk("kill", running.get(0));
        Instant killed = Instant.now();
        assertThat(host.waitFor(120, TimeUnit.SECONDS)).as("the run ends; output:\n%s", output()).isTrue();
        String out = output();
        assertThat(host.exitValue()).as("only ignored tasks failed; output:\n%s", out).isZero();

        List<String[]> rows = traceRows(out);
        int status = column(rows, "status");
        int error = column(rows, "error");
        int complete = column(rows, "complete");
        int nativeId = column(rows, "native_id");
        Map<String, String[]> tasks = byName(rows);
        for (String name : List.of("long", "companions (n=1)", "companions (n=2)", "companions (n=3)")) {
            String[] row = tasks.get(name);
            assertThat(row[status]).as(name).isEqualTo("FAILED");
            assertThat(row[error]).as(name).contains("container " + firstName).contains("exited")
                    .contains("137");
            // The monitor period is 1 s; the stream's end usually tells the executor sooner.
            assertThat(Duration.between(killed, Instant.parse(row[complete])))
                    .as("%s failed within the monitor period (plus a margin) of the kill", name)
                    .isLessThan(Duration.ofSeconds(4));
        }
        List<String> laterContainers = new ArrayList<>();
        for (int n = 1; n <= 16; n++) {
            String[] row = tasks.get("later (n=" + n + ")");
            assertThat(row[status]).as("later %d", n).isEqualTo("SUCCEEDED");
            laterContainers.add(row[nativeId].substring(0, row[nativeId].indexOf('/')));
        }
        assertThat(laterContainers).as("a fresh container serves the queued tasks").allMatch(
                Predicate.isEqual(laterContainers.get(0))).doesNotContain(firstName);
        assertThat(dir.resolve("exited")).as("the environment's exit ran").content().isEqualTo("exited\n");
        assertThat(DockerEngine.dockerOk("ps", "-a", "-q", "--filter", "label=dev.sluice.pipeline=docker-scenario"))
                .as("no container is left").isBlank();
    }

    /** Output streams verbatim into the task's files, the exit code is the exec's, tasks see their env. */
    @Test
    void sessionTasksStreamTheirOutputAndKeepTheirExitCode() throws Exception {
        pipelines.add("docker-basics");
        Path work = dir.resolve("work");
        Path pipeline = write("basics.yaml", """
                name: docker-basics
                processes:
                  talk:
                    env: {GREETING: "hi there"}
                    script: |
                      printf 'out: %s\\n' "$GREETING"
                      printf 'err line\\n' >&2
                      printf 'no newline at the end'
                      exit 7
                    errorStrategy: ignore
                  whoami:
                    command: [id, -u]
                """);
        SluiceProcess.Result r = SluiceProcess.run(dir, "run", pipeline.toString(), "-c", config("", "").toString(),
                "-w", work.toString(), "--progress", "off");
        assertThat(r.exitCode()).as(r.all()).isZero();
        List<String[]> rows = traceRows(r.stdout());
        Map<String, String[]> tasks = byName(rows);
        String[] talk = tasks.get("talk");
        assertThat(talk[column(rows, "exit")]).isEqualTo("7");
        Path talkDir = Path.of(talk[column(rows, "workdir")]);
        assertThat(talkDir.resolve(".command.out")).content().isEqualTo("out: hi there\nno newline at the end");
        assertThat(talkDir.resolve(".command.err")).content().isEqualTo("err line\n");
        assertThat(talkDir.resolve(".exitcode")).content().isEqualTo("7\n");
        // Tasks run as the user sluice runs as, so that what they write in work directories is the user's.
        Path whoDir = Path.of(tasks.get("whoami")[column(rows, "workdir")]);
        assertThat(Files.readString(whoDir.resolve(".command.out")).trim())
                .isEqualTo(Files.getAttribute(Path.of("/proc/self"), "unix:uid").toString());
    }

    /**
     * Bad input, each a clear error at or before submission while the other tasks run: an image that
     * is not there, a mount whose source is missing, a memory limit the engine refuses.
     */
    @Test
    void badInputFailsOnlyItsOwnTaskWithAClearError() throws Exception {
        pipelines.add("docker-bad-input");
        Path pipeline = write("bad.yaml", """
                name: docker-bad-input
                processes:
                  good:
                    command: [echo, fine]
                  unknownImage:
                    hints: {docker/image: "127.0.0.1:5000/sluice-test/no-such-image:1"}
                    command: [echo, never]
                    errorStrategy: ignore
                  missingMount:
                    hints: {docker/mounts: "%s:/data:ro"}
                    command: [echo, never]
                    errorStrategy: ignore
                  tinyMemory:
                    hints: {docker/isolation: task}
                    resources: {memory: 1MB}
                    command: [echo, never]
                    errorStrategy: ignore
                """.formatted(dir.resolve("no-such-dir")));
        Path allowing = config(", allowedHostPaths: [\"" + dir + "\"]", "");
        SluiceProcess.Result r = SluiceProcess.run(dir, "run", pipeline.toString(), "-c", allowing.toString(),
                "-w", dir.resolve("work").toString(), "--progress", "off");
        assertThat(r.exitCode()).as(r.all()).isZero();
        List<String[]> rows = traceRows(r.stdout());
        Map<String, String[]> tasks = byName(rows);
        int status = column(rows, "status");
        int error = column(rows, "error");
        assertThat(tasks.get("good")[status]).isEqualTo("SUCCEEDED");
        assertThat(tasks.get("unknownImage")[status]).isEqualTo("FAILED");
        assertThat(tasks.get("unknownImage")[error]).contains("could not pull image",
                "127.0.0.1:5000/sluice-test/no-such-image:1");
        assertThat(tasks.get("missingMount")[error]).contains("no-such-dir does not exist on this machine",
                "docker/mounts");
        assertThat(tasks.get("tinyMemory")[error]).contains("the Docker engine refused task tinyMemory")
                .containsIgnoringCase("memory").contains("resources.memory");

        // A mount of a host path the operator does not allow stops the pipeline before anything runs.
        Path escape = write("escape.yaml", """
                name: docker-escape
                processes:
                  root:
                    hints: {docker/mounts: "/:/host"}
                    command: [ls, /host]
                """);
        SluiceProcess.Result refused = SluiceProcess.run(dir, "validate", escape.toString(), "-c",
                config("", "").toString());
        assertThat(refused.exitCode()).as(refused.all()).isEqualTo(2);
        assertThat(refused.all()).contains("escape.yaml:").contains("/ is not among the host paths the operator lets"
                + " tasks mount (plugins.docker.allowedHostPaths: none)");
    }

    /** An image outside the operator's allow-list is refused before anything runs. */
    @Test
    void imageOutsideTheAllowListIsRefusedBeforeAnythingRuns() throws Exception {
        pipelines.add("docker-allow-list");
        Path pipeline = write("allow.yaml", """
                name: docker-allow-list
                processes:
                  fine:
                    command: [echo, fine]
                  other:
                    hints: {docker/image: "evil.example/miner:latest"}
                    command: [echo, never]
                """);
        Path config = config(", allowedImages: [\"sluice-test/*\"]", "");
        SluiceProcess.Result r = SluiceProcess.run(dir, "run", pipeline.toString(), "-c", config.toString(),
                "-w", dir.resolve("work").toString(), "--progress", "off");
        assertThat(r.exitCode()).as(r.all()).isEqualTo(2);
        assertThat(r.stderr()).contains("evil.example/miner:latest", "allow-list", "sluice-test/*",
                "processes.other.hints.docker/image");
        assertThat(dir.resolve("work").resolve("runs")).doesNotExist();
    }

    /**
     * The leak: with an allow-list of pinned digests only, a task naming the image by tag is refused
     * by validate and by run before any pull, so the image is not in the engine's store afterwards; named by
     * the pinned digest, it is pulled and runs.
     */
    @Test
    void digestOnlyAllowListRefusesATagBeforeAnyPullAndRunsThePinnedDigest() throws Exception {
        pipelines.add("docker-digest");
        String image = DockerEngine.PULLABLE_IMAGE;
        String repository = image.substring(0, image.lastIndexOf(':'));
        DockerEngine.dockerOk("pull", "-q", image);
        String pinned = lines(DockerEngine.dockerOk("image", "inspect", "-f",
                "{{range .RepoDigests}}{{println .}}{{end}}", image)).stream()
                .filter(d -> d.startsWith(repository + "@sha256:")).findFirst().orElseThrow();
        try {
            forget(image, pinned);
            Path config = config(", allowedImages: [\"" + pinned + "\"]", "");
            Path tagged = write("tagged.yaml", """
                    name: docker-digest
                    processes:
                      tagged:
                        hints: {docker/image: "%s"}
                        command: [echo, never]
                    """.formatted(image));
            for (String command : List.of("validate", "run")) {
                SluiceProcess.Result r = command.equals("run")
                        ? SluiceProcess.run(dir, command, tagged.toString(), "-c", config.toString(), "-w",
                                dir.resolve("work").toString())
                        : SluiceProcess.run(dir, command, tagged.toString(), "-c", config.toString());
                assertThat(r.exitCode()).as(command + ": " + r.all()).isEqualTo(2);
                assertThat(r.stderr()).as(command).contains("tagged.yaml:", "processes.tagged.hints.docker/image",
                        "image '" + image + "'", "named by tag only", "docker/image: " + pinned)
                        .doesNotContain("Exception");
                assertThat(DockerEngine.docker("image", "inspect", image).exitCode())
                        .as("after %s, the engine's store has no %s", command, image).isNotZero();
                assertThat(DockerEngine.docker("image", "inspect", pinned).exitCode()).as(command).isNotZero();
            }
            Path work = dir.resolve("work");
            Path byDigest = write("pinned.yaml", """
                    name: docker-digest
                    processes:
                      pinned:
                        hints: {docker/image: "%s"}
                        command: [echo, pinned ran]
                    """.formatted(pinned));
            SluiceProcess.Result r = SluiceProcess.run(dir, "run", byDigest.toString(), "-c", config.toString(),
                    "-w", work.toString(), "--progress", "off", "-v");
            assertThat(r.exitCode()).as(r.all()).isZero();
            assertThat(r.all()).contains("pulling image " + pinned);
            List<String[]> rows = traceRows(r.stdout());
            Path pinnedDir = Path.of(byName(rows).get("pinned")[column(rows, "workdir")]);
            assertThat(pinnedDir.resolve(".command.out")).content().isEqualTo("pinned ran\n");
        } finally {
            forget(image, pinned);
        }
    }

    /** Removes the image's references from the engine's store (the content stays: it is the test image's). */
    private static void forget(String... references) throws IOException {
        for (String reference : references) {
            DockerEngine.docker("rmi", "-f", reference);
        }
    }

    /**
     * The config's secretEnv reaches tasks in containers, in the session container and in one of their own,
     * as it reaches local tasks (SluiceCliIT's secretEnv test): masked in everything sluice writes, and
     * written into no file of the work directory. The tasks print its length and hash, not the secret.
     */
    @Test
    void secretEnvReachesTasksInContainersMaskedAndInNoFile() throws Exception {
        pipelines.add("docker-secret");
        String secret = "s3cr3t-value-42";
        Path work = dir.resolve("work");
        Path pipeline = write("secret.yaml", """
                name: docker-secret
                processes:
                  inSession:
                    script: |
                      printf '%s %s\\n' "${#API_TOKEN}" "$(printf %s "$API_TOKEN" | sha256sum | cut -d ' ' -f 1)"
                  inOwn:
                    hints: {docker/isolation: task}
                    script: |
                      printf '%s %s\\n' "${#API_TOKEN}" "$(printf %s "$API_TOKEN" | sha256sum | cut -d ' ' -f 1)"
                  leaky:
                    dependsOn: [inSession, inOwn]
                    env: {SHOWN: "token=$API_TOKEN"}
                    script: |
                      echo "using $API_TOKEN" >&2
                      exit 3
                """);
        ProcessBuilder pb = SluiceProcess.builder(dir, "run", pipeline.toString(), "-c",
                config("", "secretEnv: [API_TOKEN]").toString(), "-w", work.toString(), "-vv");
        pb.environment().put("API_TOKEN", secret);
        Path out = dir.resolve("out.txt");
        Process process = pb.redirectErrorStream(true).redirectOutput(out.toFile()).start();
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        String output = Files.readString(out);
        assertThat(process.exitValue()).as(output).isEqualTo(1);
        assertThat(output).as("the summary shows the stderr tail, masked").contains("| using ********")
                .doesNotContain(secret);
        String expected = secret.length() + " " + java.util.HexFormat.of().formatHex(
                java.security.MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8)));
        List<String[]> rows = traceRows(output);
        Map<String, String[]> tasks = byName(rows);
        for (String task : List.of("inSession", "inOwn")) {
            Path taskDir = Path.of(tasks.get(task)[column(rows, "workdir")]);
            assertThat(taskDir.resolve(".command.out")).as(task).content().isEqualTo(expected + "\n");
        }
        // What the leaky task itself wrote to its stderr is its own; nothing sluice wrote holds the value.
        Path leakyErr = Path.of(tasks.get("leaky")[column(rows, "workdir")]).resolve(".command.err");
        assertThat(leakyErr).content().contains(secret);
        List<Path> written;
        try (var walk = Files.walk(work)) {
            written = walk.filter(Files::isRegularFile).filter(f -> !f.equals(leakyErr)).toList();
        }
        assertThat(written).as("the run's files").anyMatch(f -> f.getFileName().toString().equals("trace.tsv"));
        for (Path f : written) {
            assertThat(Files.readString(f)).as("%s", f).doesNotContain(secret);
        }
    }

    /** A daemon that does not answer fails the docker tasks with a clear error; local tasks still run. */
    @Test
    void unreachableDaemonFailsTheDockerTasksAndLocalOnesRun() throws Exception {
        pipelines.add("docker-daemon-down");
        Path pipeline = write("down.yaml", """
                name: docker-daemon-down
                processes:
                  inDocker:
                    command: [echo, never]
                    errorStrategy: ignore
                  onHost:
                    executor: local
                    command: [echo, fine]
                """);
        Path config = config(", host: \"unix://" + dir.resolve("no-daemon.sock") + "\"", "");
        SluiceProcess.Result r = SluiceProcess.run(dir, "run", pipeline.toString(), "-c", config.toString(),
                "-w", dir.resolve("work").toString(), "--progress", "off");
        List<String[]> rows = traceRows(r.stdout());
        Map<String, String[]> tasks = byName(rows);
        assertThat(tasks.get("onHost")[column(rows, "status")]).as(r.all()).isEqualTo("SUCCEEDED");
        assertThat(tasks.get("inDocker")[column(rows, "error")]).contains("cannot reach the Docker daemon at unix://",
                "no-daemon.sock", "plugins.docker.host");
    }

    /**
     * The engine restarts mid-run (as an upgrade or an operator does, without live-restore, so the
     * containers die with it): the run waits for it, the tasks it killed run again, in a fresh session
     * container or their own, and the run succeeds.
     */
    @Test
    void aDaemonRestartMidRunCostsTheKilledTasksOneMoreAttemptNotTheRun() throws Exception {
        pipelines.add("docker-restart");
        Path marker = Files.createDirectories(dir.resolve("markers"));
        Path pipeline = write("restart.yaml", """
                name: docker-restart
                processes:
                  shared:
                    matrix: {n: [1, 2]}
                    script: |
                      echo "attempt $SLUICE_TASK_ATTEMPT" >> %1$s/shared-{{ Task.Param.n }}
                      [ "$SLUICE_TASK_ATTEMPT" -gt 1 ] || sleep 120
                  own:
                    hints: {docker/isolation: task}
                    script: |
                      echo "attempt $SLUICE_TASK_ATTEMPT" >> %1$s/own
                      [ "$SLUICE_TASK_ATTEMPT" -gt 1 ] || sleep 120
                """.formatted(marker));
        Path config = config(", mounts: [\"" + marker + ":" + marker + "\"]", "executors:\n  docker: {cpus: 4}");
        Process host = start("run", pipeline.toString(), "-c", config.toString(), "-w", dir.resolve("work").toString(),
                "--progress", "plain");
        await("the three tasks to start", host, () -> Files.exists(marker.resolve("shared-1"))
                && Files.exists(marker.resolve("shared-2")) && Files.exists(marker.resolve("own")));

        DockerEngine.restartDaemon(java.time.Duration.ofSeconds(2));

        assertThat(host.waitFor(120, TimeUnit.SECONDS)).as(output()).isTrue();
        assertThat(host.exitValue()).as(output()).isZero();
        for (String task : List.of("shared-1", "shared-2", "own")) {
            assertThat(marker.resolve(task)).as(task).content().isEqualTo("attempt 1\nattempt 2\n");
        }
        assertThat(output()).contains("waiting up to 1m (plugins.docker.daemonOutage)");
    }

    /** A missing image is pulled (from the local registry .ci/docker-up runs) and the task then runs. */
    @Test
    void missingImageIsPulledOnceForAllItsTasks() throws Exception {
        pipelines.add("docker-pull");
        String image = DockerEngine.PULLABLE_IMAGE;
        DockerEngine.docker("rmi", "-f", image);
        Path pipeline = write("pull.yaml", """
                name: docker-pull
                processes:
                  pulled:
                    hints: {docker/image: "%s"}
                    matrix: {n: [1, 2, 3]}
                    command: [echo, "{{ Task.Param.n }}"]
                """.formatted(image));
        SluiceProcess.Result r = SluiceProcess.run(dir, "run", pipeline.toString(), "-c", config("", "").toString(),
                "-w", dir.resolve("work").toString(), "--progress", "plain", "-v");
        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(DockerEngine.dockerOk("image", "inspect", "-f", "{{.Id}}", image)).startsWith("sha256:");
        assertThat(r.all()).as("one pull served the three tasks").containsOnlyOnce("pulling image " + image);
    }

    /** A task killed by the out-of-memory killer fails saying so, in its own container and in a session one. */
    @Test
    void outOfMemoryKillIsReportedAsSuch() throws Exception {
        pipelines.add("docker-oom");
        Path pipeline = write("oom.yaml", """
                name: docker-oom
                processes:
                  ownContainer:
                    hints: {docker/isolation: task}
                    resources: {memory: 16MB}
                    # The engine watches a container's memory only from a moment after its start: a
                    # kill in the first milliseconds goes unreported (the executor then says so).
                    command: [sh, -c, "sleep 0.5; exec dd if=/dev/zero of=/dev/null bs=64M count=1"]
                    errorStrategy: ignore
                  sessionContainer:
                    command: [dd, "if=/dev/zero", "of=/dev/null", "bs=64M", "count=1"]
                    errorStrategy: ignore
                """);
        Path config = config("", "executors:\n  docker: {memory: 24MB}\n");
        SluiceProcess.Result r = SluiceProcess.run(dir, "run", pipeline.toString(), "-c", config.toString(),
                "-w", dir.resolve("work").toString(), "--progress", "off");
        List<String[]> rows = traceRows(r.stdout());
        Map<String, String[]> tasks = byName(rows);
        int error = column(rows, "error");
        assertThat(tasks.get("ownContainer")[error]).as(r.all()).contains("out of memory", "out-of-memory killer",
                "memory limit 16 MB");
        assertThat(tasks.get("sessionContainer")[error]).as(r.all()).contains("out of memory", "out-of-memory killer",
                "executors.docker.memory");
    }

    /** SIGTERM to sluice stops the tasks in their containers and removes every container it started. */
    @Test
    void stopSignalRemovesEveryContainer() throws Exception {
        pipelines.add("docker-sigterm");
        Path work = dir.resolve("work");
        Path pipeline = write("stop.yaml", """
                name: docker-sigterm
                processes:
                  session:
                    script: |
                      trap 'echo term > %1$s/session.term; exit 143' TERM
                      echo started > %1$s/session.started
                      sleep 300 & wait
                  own:
                    hints: {docker/isolation: task}
                    script: |
                      trap 'echo term > %1$s/own.term; exit 143' TERM
                      echo started > %1$s/own.started
                      sleep 300 & wait
                """.formatted(work));
        Process host = start("run", pipeline.toString(), "-c", config("", "").toString(), "-w", work.toString(),
                "--progress", "plain");
        await("both tasks to start", host, () -> Files.exists(work.resolve("session.started"))
                && Files.exists(work.resolve("own.started")));
        assertThat(lines(DockerEngine.dockerOk("ps", "-q", "--filter", "label=dev.sluice.pipeline=docker-sigterm")))
                .hasSize(2);
        host.destroy();
        assertThat(host.waitFor(60, TimeUnit.SECONDS)).as("sluice stops; output:\n%s", output()).isTrue();
        assertThat(DockerEngine.dockerOk("ps", "-a", "-q", "--filter", "label=dev.sluice.pipeline=docker-sigterm"))
                .as("no container left after SIGTERM; output:\n%s", output()).isBlank();
        assertThat(work.resolve("session.term")).as("the exec'd task got SIGTERM inside its container").exists();
        assertThat(work.resolve("own.term")).as("the task in its own container got SIGTERM").exists();
    }

    /** A task past its time limit is stopped inside its container, SIGTERM first, and fails saying why. */
    @Test
    void timeLimitStopsTheTaskInsideItsContainer() throws Exception {
        pipelines.add("docker-time-limit");
        Path work = dir.resolve("work");
        Path pipeline = write("slow.yaml", """
                name: docker-time-limit
                processes:
                  slow:
                    resources: {time: 2s}
                    errorStrategy: ignore
                    script: |
                      trap 'echo term > %1$s/slow.term; exit 143' TERM
                      sleep 300 & wait
                """.formatted(work));
        SluiceProcess.Result r = SluiceProcess.run(dir, "run", pipeline.toString(), "-c", config("", "").toString(),
                "-w", work.toString(), "--progress", "off");
        assertThat(r.exitCode()).as(r.all()).isZero();
        List<String[]> rows = traceRows(r.stdout());
        assertThat(byName(rows).get("slow")[column(rows, "error")]).contains("ran past its time limit of 2s");
        assertThat(work.resolve("slow.term")).as("SIGTERM reached the task in its container").exists();
    }

    /** Containers a crashed run of the same pipeline left behind are removed when the next run starts. */
    @Test
    void containersOfACrashedRunAreSweptAtStart() throws Exception {
        pipelines.add("docker-sweep");
        String host = Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
        // A run whose owner process is gone: a pid that cannot exist.
        String stray = DockerEngine.dockerOk("run", "-d", "--network", "none", "--label", "dev.sluice.pipeline=docker-sweep",
                "--label", "dev.sluice.run-id=crashed", "--label", "dev.sluice.owner=" + host + " 999999999 1",
                IMAGE, "sleep", "300").trim();
        // A run that is alive (this JVM) must be left alone.
        String live = DockerEngine.dockerOk("run", "-d", "--network", "none", "--label",
                "dev.sluice.pipeline=docker-sweep", "--label", "dev.sluice.run-id=live", "--label",
                "dev.sluice.owner=" + host + " " + ProcessHandle.current().pid() + " "
                        + ProcessHandle.current().info().startInstant().orElseThrow().toEpochMilli(),
                IMAGE, "sleep", "300").trim();
        try {
            Path pipeline = write("sweep.yaml", """
                    name: docker-sweep
                    processes:
                      one:
                        command: [echo, one]
                    """);
            SluiceProcess.Result r = SluiceProcess.run(dir, "run", pipeline.toString(), "-c",
                    config("", "").toString(), "-w", dir.resolve("work").toString(), "--progress", "off");
            assertThat(r.exitCode()).as(r.all()).isZero();
            assertThat(r.all()).contains("left by run crashed");
            assertThat(DockerEngine.dockerOk("ps", "-a", "-q", "--no-trunc", "--filter",
                    "label=dev.sluice.pipeline=docker-sweep")).doesNotContain(stray).contains(live);
        } finally {
            DockerEngine.docker("rm", "-f", live);
            DockerEngine.docker("rm", "-f", stray);
        }
    }

    private static List<String> lines(String text) {
        return text.lines().map(String::trim).filter(l -> !l.isEmpty()).toList();
    }
}
