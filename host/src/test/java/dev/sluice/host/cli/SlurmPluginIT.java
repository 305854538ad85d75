package dev.sluice.host.cli;

import static dev.sluice.host.cli.SluiceProcess.column;
import static dev.sluice.host.cli.SluiceProcess.traceRows;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.host.SlurmCluster;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The slurm plugin end to end, on the real single-node cluster that {@code .ci/slurm-up} starts: the
 * built distribution runs pipelines whose tasks are batch jobs. Slurm's own commands play the world
 * outside sluice (looking for jobs left behind).
 */
class SlurmPluginIT {
    @TempDir
    Path dir;

    @BeforeAll
    static void cluster() {
        SlurmCluster.require();
    }

    @AfterEach
    void noJobLeftBehind() throws Exception {
        List<String> left = SlurmCluster.liveJobs();
        if (!left.isEmpty()) {
            SlurmCluster.run("scancel", "--user=" + System.getProperty("user.name"));
        }
        assertThat(left).as("jobs left in the queue").isEmpty();
    }

    private Path write(String name, String text) throws IOException {
        Path file = dir.resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, text, StandardCharsets.UTF_8);
        return file;
    }

    /** A config that moves every process onto the slurm executor, with quick polls plus {@code extra} settings. */
    private Path config(String extra) throws IOException {
        return configWith("pollInterval: 500ms, maxPollInterval: 5s" + extra);
    }

    private Path configWith(String executorSettings) throws IOException {
        return write("config.yaml", """
                process:
                  defaults:
                    executor: slurm
                executors:
                  slurm: {%s}
                """.formatted(executorSettings));
    }

    private static Map<String, String[]> byName(List<String[]> rows) {
        int name = column(rows, "name");
        return rows.stream().skip(1).collect(Collectors.toMap(r -> r[name], r -> r, (a, b) -> b));
    }

    private static String runId(String stdout) {
        Matcher m = Pattern.compile("sluice run (\\S+):").matcher(stdout);
        assertThat(m.find()).as("the run id in:\n%s", stdout).isTrue();
        return m.group(1);
    }

    @Test
    void aPipelineRunsAsBatchJobsWithDirectivesFromTheTask() throws Exception {
        Path pipeline = write("p.yaml", """
                name: slurm-basic
                processes:
                  hello:
                    matrix: {n: [1, 2, 3, 4, 5, 6]}
                    resources: {cpus: 1, memory: 100 MB, time: 10m}
                    script: |
                      echo "hello {{ Task.Param.n }} from ${SLURM_JOB_ID}" > result.txt
                      echo "to stdout {{ Task.Param.n }}"
                  fails:
                    errorStrategy: ignore
                    script: |
                      echo "on stderr" >&2
                      exit 3
                """);
        SluiceProcess.Result r = SluiceProcess.run(dir, "run", pipeline.toString(), "-c", config("").toString(),
                "--progress", "plain");
        assertThat(r.exitCode()).as(r.all()).isZero();
        List<String[]> rows = traceRows(r.stdout());
        Map<String, String[]> tasks = byName(rows);
        int status = column(rows, "status");
        int nativeId = column(rows, "native_id");
        int exit = column(rows, "exit");
        int workdir = column(rows, "workdir");
        for (int n = 1; n <= 6; n++) {
            String[] row = tasks.get("hello (n=" + n + ")");
            assertThat(row[status]).as("hello %d: %s", n, r.all()).isEqualTo("SUCCEEDED");
            assertThat(row[nativeId]).as("the Slurm job id").matches("\\d+");
            Path work = Path.of(row[workdir]);
            assertThat(work.resolve("result.txt")).content().isEqualTo("hello " + n + " from " + row[nativeId] + "\n");
            assertThat(work.resolve(".command.out")).content().isEqualTo("to stdout " + n + "\n");
            assertThat(work.resolve(".command.run")).content().contains("#SBATCH --job-name=" + runId(r.stdout()),
                    "#SBATCH --cpus-per-task=1", "#SBATCH --mem=100M", "#SBATCH --time=0-00:10:00",
                    "#SBATCH --signal=B:USR1@60");
        }
        String[] fails = tasks.get("fails");
        assertThat(fails[status]).isEqualTo("FAILED");
        assertThat(fails[exit]).isEqualTo("3");
        assertThat(Path.of(fails[workdir]).resolve(".command.err")).content().isEqualTo("on stderr\n");
        assertThat(SlurmCluster.jobsOfRun(runId(r.stdout()))).as("every job of the run, as Slurm saw it")
                .hasSize(7).allMatch(l -> l.contains("COMPLETED") || l.contains("FAILED"));
    }

    @Test
    void withTheHostsEndpointJobsCallBackAndTheHostLearnsAtOnce() throws Exception {
        Path pipeline = write("p.yaml", """
                name: slurm-callback
                processes:
                  quick:
                    matrix: {n: [1, 2, 3]}
                    script: |
                      sleep 2
                """);
        // Polls every 20 s at the most: only the callback can end these tasks sooner.
        long start = System.nanoTime();
        SluiceProcess.Result r = SluiceProcess.run(dir, "run", pipeline.toString(), "-c",
                configWith("pollInterval: 20s, maxPollInterval: 60s").toString(), "--progress", "plain",
                "--http-port", "0", "-vv");
        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("the run ended before the first squeue round "
                + "after the submissions (20 s); output:\n%s", r.all()).isLessThan(Duration.ofSeconds(20));
        assertThat(r.all()).contains("jobs call back to http://127.0.0.1:");
        assertThat(Pattern.compile("learned from the callback").matcher(r.all()).results().count())
                .as("ends learned from callbacks; output:\n%s", r.all()).isEqualTo(3);
        assertThat(Files.readString(Path.of(traceRows(r.stdout()).get(1)[column(traceRows(r.stdout()), "workdir")])
                .resolve(".command.run"))).contains("Authorization: Bearer");
    }

    @Test
    void aJobHoldingItsOwnCallbackTokenCannotReportAnotherJobsEnd() throws Exception {
        // The forger reads the token and URL from its own batch script and reports exit code 0 for every
        // key it can guess; the victim's own end (exit 3) must stand.
        Path pipeline = write("p.yaml", """
                name: slurm-forge
                processes:
                  victim:
                    errorStrategy: ignore
                    script: |
                      sleep 12
                      exit 3
                  forger:
                    script: |
                      sleep 2
                      tok=$(grep -o "Bearer %s.n' '[0-9a-f]*'" .command.run | grep -o '[0-9a-f]\\{64\\}')
                      url=$(grep -o "http://[^']*/v1/callbacks/slurm/" .command.run | head -1)
                      for id in 1 2 3 4; do
                        curl -s -o /dev/null -w "$id %{http_code}\\n" -H "Authorization: Bearer $tok" \\
                          --data-binary 0 "$url$id.1" >> codes
                      done
                """);
        SluiceProcess.Result r = SluiceProcess.run(dir, "run", pipeline.toString(), "-c",
                configWith("pollInterval: 1s").toString(), "--progress", "plain", "--http-port", "0");
        List<String[]> rows = traceRows(r.stdout());
        int name = column(rows, "name");
        int status = column(rows, "status");
        int exit = column(rows, "exit");
        String[] victim = rows.stream().filter(row -> row[name].equals("victim")).findFirst().orElseThrow();
        String[] forger = rows.stream().filter(row -> row[name].equals("forger")).findFirst().orElseThrow();
        assertThat(forger[status]).as(r.all()).isEqualTo("SUCCEEDED");
        String own = forger[column(rows, "task_id")];
        List<String> codes = Files.readAllLines(Path.of(forger[column(rows, "workdir")]).resolve("codes"));
        assertThat(codes).as("every key but its own refused").hasSize(4)
                .allMatch(line -> line.startsWith(own + " ") || line.endsWith(" 401"))
                .anyMatch(line -> line.equals(victim[column(rows, "task_id")] + " 401"));
        assertThat(victim[status]).isEqualTo("FAILED");
        assertThat(victim[exit]).isEqualTo("3");
    }

    @Test
    void aSecretReachesTheJobThroughSbatchAndNoFileSluiceWrites() throws Exception {
        String secret = "s3cr3t-slurm-77";
        Path pipeline = write("p.yaml", """
                name: slurm-secret
                processes:
                  uses:
                    script: |
                      printf 'len=%s\\n' "${#API_TOKEN}"
                      printf '%s' "$API_TOKEN" | sha256sum | cut -c1-16
                """);
        Path config = write("secret-config.yaml", """
                secretEnv: [API_TOKEN]
                process:
                  defaults:
                    executor: slurm
                executors:
                  slurm: {pollInterval: 500ms, maxPollInterval: 5s}
                """);
        ProcessBuilder pb = SluiceProcess.builder(dir, "run", pipeline.toString(), "-c", config.toString(),
                "--progress", "plain", "-vv");
        pb.environment().put("API_TOKEN", secret);
        Path out = dir.resolve("out.txt");
        Process process = pb.redirectErrorStream(true).redirectOutput(out.toFile()).start();
        assertThat(process.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        String output = Files.readString(out);
        assertThat(process.exitValue()).as(output).isZero();
        assertThat(output).doesNotContain(secret);
        List<String[]> rows = traceRows(output);
        Path work = Path.of(rows.get(1)[column(rows, "workdir")]);
        String sha = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(secret.getBytes(java.nio.charset.StandardCharsets.UTF_8))).substring(0, 16);
        assertThat(work.resolve(".command.out")).as("the job saw the secret").content()
                .isEqualTo("len=" + secret.length() + "\n" + sha + "\n");
        try (var files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                assertThat(Files.readString(f)).as("%s", f).doesNotContain(secret);
            }
        }
    }

    @Test
    void sigtermToTheHostCancelsItsJobsAndRunningTasksGetSigterm() throws Exception {
        Path marker = dir.resolve("markers");
        Files.createDirectories(marker);
        Path pipeline = write("p.yaml", """
                name: slurm-cancel
                processes:
                  long:
                    matrix: {n: [1, 2, 3, 4, 5, 6]}
                    script: |
                      trap 'echo term > %1$s/term-{{ Task.Param.n }}; exit 143' TERM
                      sleep 300 &
                      echo $! > %1$s/child-{{ Task.Param.n }}
                      echo started > %1$s/started-{{ Task.Param.n }}
                      wait
                """.formatted(marker));
        Process host = SluiceProcess.builder(dir, "run", pipeline.toString(), "-c", config("").toString(),
                "--progress", "plain").redirectErrorStream(true).redirectOutput(dir.resolve("host.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (listMarkers(marker, "started-").isEmpty()) {
            assertThat(host.isAlive()).as(Files.readString(dir.resolve("host.log"))).isTrue();
            assertThat(System.nanoTime()).as("a job started within 90 s").isLessThan(deadline);
            Thread.sleep(100);
        }
        List<String> started = listMarkers(marker, "started-");
        String runId = runId(Files.readString(dir.resolve("host.log")));
        assertThat(SlurmCluster.jobsOfRun(runId)).as("jobs still pending: the node has room for fewer")
                .anyMatch(l -> l.contains("PENDING"));
        host.destroy();
        assertThat(host.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String out = Files.readString(dir.resolve("host.log"));
        assertThat(host.exitValue()).as("the exit status of a JVM ended by SIGTERM; output:\n%s", out)
                .isEqualTo(143);
        assertThat(SlurmCluster.jobsOfRun(runId)).as("no job of the run is queued or running; output:\n%s", out)
                .hasSize(6).noneMatch(l -> l.contains("PENDING") || l.contains("RUNNING"));
        for (String s : started) {
            String n = s.substring("started-".length());
            // Slurm may list a job as cancelled while its script's trap is still writing: give the trap a moment.
            long trapDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!Files.exists(marker.resolve("term-" + n)) && System.nanoTime() < trapDeadline) {
                Thread.sleep(50);
            }
            assertThat(marker.resolve("term-" + n)).as("running task %s got SIGTERM", n).exists();
            long child = Long.parseLong(Files.readString(marker.resolve("child-" + n)).trim());
            assertThat(SluiceProcess.isGoneOrZombie(child)).as("the child of task %s (pid %d), in its group", n, child)
                    .isTrue();
        }
    }

    @Test
    void theJobsOfAKilledHostAreTakenUpByResumeAndRunOnce() throws Exception {
        Path marker = dir.resolve("markers");
        Files.createDirectories(marker);
        Path pipeline = write("p.yaml", """
                name: slurm-adopted
                processes:
                  long:
                    matrix: {n: [1, 2]}
                    script: |
                      echo started >> %1$s/started-{{ Task.Param.n }}
                      while [ ! -e %1$s/release ]; do sleep 0.2; done
                      echo done >> %1$s/ran-{{ Task.Param.n }}
                """.formatted(marker));
        String crashed = killHostOnceBothJobsStarted(pipeline, config(""), marker);

        Process resumed = SluiceProcess.builder(dir, "run", pipeline.toString(), "-c", config("").toString(),
                "--resume", "--explain", "--progress", "off").redirectErrorStream(true)
                .redirectOutput(dir.resolve("resumed.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (Files.readString(dir.resolve("resumed.log")).split("is taken up", -1).length < 3) {
            assertThat(resumed.isAlive()).as(Files.readString(dir.resolve("resumed.log"))).isTrue();
            assertThat(System.nanoTime()).as("both jobs taken up within 90 s").isLessThan(deadline);
            Thread.sleep(100);
        }
        assertThat(SlurmCluster.jobsOfRun(crashed)).as("the killed run's jobs still run, adopted")
                .filteredOn(l -> l.contains("RUNNING")).hasSize(2);
        Files.writeString(marker.resolve("release"), "");
        assertThat(resumed.waitFor(90, TimeUnit.SECONDS)).isTrue();
        String output = Files.readString(dir.resolve("resumed.log"));

        assertThat(resumed.exitValue()).as(output).isZero();
        assertThat(output).contains("of run " + crashed + ", whose host was killed, still runs as slurm");
        for (String n : List.of("1", "2")) {
            assertThat(marker.resolve("started-" + n)).as("started once, in the killed run").content()
                    .isEqualTo("started\n");
            assertThat(marker.resolve("ran-" + n)).as("ran to its end once").content().isEqualTo("done\n");
        }
        assertThat(dir.resolve("work/runs").resolve(crashed).resolve("host.killed")).as("settled").exists();
        SluiceProcess.Result again = SluiceProcess.run(dir, "run", pipeline.toString(), "-c", config("").toString(),
                "--resume", "--explain", "--progress", "off");
        assertThat(again.exitCode()).as(again.all()).isZero();
        assertThat(again.stdout()).as("the adopted attempts' successes are reused").contains("is cached")
                .doesNotContain(" runs");
    }

    @Test
    void withLeftoversEndTheJobsOfAKilledHostAreCancelledAndResumeRunsThemOnce() throws Exception {
        Path marker = dir.resolve("markers");
        Files.createDirectories(marker);
        Path pipeline = write("p.yaml", """
                name: slurm-killed
                processes:
                  long:
                    matrix: {n: [1, 2]}
                    script: |
                      if [ -e %1$s/resumed ]; then echo again >> %1$s/ran-{{ Task.Param.n }}; exit 0; fi
                      echo started >> %1$s/started-{{ Task.Param.n }}
                      sleep 300
                """.formatted(marker));
        Path config = config(", leftovers: end");
        String crashed = killHostOnceBothJobsStarted(pipeline, config, marker);

        Files.writeString(marker.resolve("resumed"), "");
        SluiceProcess.Result resumed = SluiceProcess.run(dir, "run", pipeline.toString(), "-c", config.toString(),
                "-q", "--resume");

        assertThat(resumed.exitCode()).as(resumed.all()).isZero();
        assertThat(SlurmCluster.jobsOfRun(crashed)).as("the killed run's jobs were cancelled; output:\n%s",
                resumed.all()).noneMatch(l -> l.contains("PENDING") || l.contains("RUNNING"));
        assertThat(marker.resolve("ran-1")).content().isEqualTo("again\n");
        assertThat(marker.resolve("ran-2")).content().isEqualTo("again\n");
        assertThat(dir.resolve("work/runs").resolve(crashed).resolve("host.lock")).as("dealt with, not again")
                .doesNotExist();
        assertThat(dir.resolve("work/runs").resolve(crashed).resolve("host.killed")).as("known as killed").exists();
    }

    /** Starts the pipeline, kills its host with SIGKILL once both of its jobs run, and returns the run's id. */
    private String killHostOnceBothJobsStarted(Path pipeline, Path config, Path marker) throws Exception {
        Process host = SluiceProcess.builder(dir, "run", pipeline.toString(), "-c", config.toString(),
                "--progress", "plain").redirectErrorStream(true).redirectOutput(dir.resolve("host.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (listMarkers(marker, "started-").size() < 2) {
            assertThat(host.isAlive()).as(Files.readString(dir.resolve("host.log"))).isTrue();
            assertThat(System.nanoTime()).as("both jobs started within 90 s").isLessThan(deadline);
            Thread.sleep(100);
        }
        String crashed = runId(Files.readString(dir.resolve("host.log")));
        new ProcessBuilder("kill", "-KILL", Long.toString(host.pid())).start().waitFor();
        assertThat(host.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(SlurmCluster.jobsOfRun(crashed)).as("the jobs outlive the host, as batch jobs do")
                .anyMatch(l -> l.contains("RUNNING"));
        return crashed;
    }

    private static List<String> listMarkers(Path dir, String prefix) throws IOException {
        try (var files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(prefix)).toList();
        }
    }

    @Test
    void badRequestsFailTheirTasksWithSlurmsWordsAndTheRestOfTheRunGoesOn() throws Exception {
        Path pipeline = write("p.yaml", """
                name: slurm-bad
                processes:
                  nopartition:
                    errorStrategy: ignore
                    hints: {slurm/partition: nope}
                    script: "true"
                  toobig:
                    errorStrategy: ignore
                    resources: {cpus: 64}
                    script: "true"
                  toomuchmemory:
                    errorStrategy: ignore
                    resources: {memory: 900 GB}
                    script: "true"
                  fine:
                    script: "echo fine"
                  local:
                    executor: local
                    script: "echo local"
                """);
        SluiceProcess.Result r = SluiceProcess.run(dir, "run", pipeline.toString(), "-c", config("").toString(),
                "--progress", "plain");
        assertThat(r.exitCode()).as(r.all()).isZero();
        List<String[]> rows = traceRows(r.stdout());
        Map<String, String[]> tasks = byName(rows);
        int status = column(rows, "status");
        int error = column(rows, "error");
        assertThat(tasks.get("fine")[status]).isEqualTo("SUCCEEDED");
        assertThat(tasks.get("local")[status]).isEqualTo("SUCCEEDED");
        assertThat(tasks.get("nopartition")[status]).isEqualTo("FAILED");
        assertThat(tasks.get("nopartition")[error]).contains("invalid partition specified: nope")
                .contains("slurm/partition");
        assertThat(tasks.get("toobig")[status]).isEqualTo("FAILED");
        assertThat(tasks.get("toobig")[error]).contains("Slurm will not start job").contains("cpus=64");
        assertThat(tasks.get("toomuchmemory")[status]).isEqualTo("FAILED");
        assertThat(tasks.get("toomuchmemory")[error]).contains("Memory specification can not be satisfied");
    }

    /** A pipeline of one task on the slurm executor (failures ignored) and one local task. */
    private Path remoteAndLocal(String name) throws IOException {
        return write("p.yaml", """
                name: %s
                processes:
                  remote:
                    errorStrategy: ignore
                    script: "true"
                  local:
                    executor: local
                    script: "echo local"
                """.formatted(name));
    }

    @Test
    void misspeltHintsAndOptionsTheExecutorOwnsAreRefusedBeforeAnythingRuns() throws Exception {
        Path pipeline = write("p.yaml", """
                name: slurm-hints
                processes:
                  a:
                    hints: {slurm/partiton: debug}
                    script: "true"
                  b:
                    hints: {slurm/options: "--exclusive --output=/tmp/x"}
                    script: "true"
                """);
        SluiceProcess.Result r = SluiceProcess.run(dir, "validate", pipeline.toString(), "-c", config("").toString());
        assertThat(r.exitCode()).as(r.all()).isEqualTo(2);
        assertThat(r.stderr()).contains("processes.a.hints.slurm/partiton").contains("slurm/partition")
                .contains("processes.b.hints.slurm/options").contains("'--output' is set by the slurm executor");
    }

    @Test
    void sbatchMissingFailsTheSlurmTasksWithTheFixAndLocalOnesRun() throws Exception {
        Path pipeline = remoteAndLocal("slurm-missing");
        SluiceProcess.Result r = SluiceProcess.run(dir, "run", pipeline.toString(), "-c",
                config(", binDir: " + dir.resolve("no-slurm-here")).toString(), "--progress", "plain");
        List<String[]> rows = traceRows(r.stdout());
        Map<String, String[]> tasks = byName(rows);
        assertThat(tasks.get("local")[column(rows, "status")]).as(r.all()).isEqualTo("SUCCEEDED");
        assertThat(tasks.get("remote")[column(rows, "status")]).isEqualTo("FAILED");
        assertThat(tasks.get("remote")[column(rows, "error")]).contains("sbatch is not installed here")
                .contains("executors.slurm.binDir");
    }

    @Test
    void aControllerThatDoesNotAnswerFailsTheSlurmTasksWithSlurmsMessage() throws Exception {
        // This machine's slurm.conf, pointing at a port where no controller listens.
        String conf = Files.readString(Path.of("/etc/slurm/slurm.conf")) + "\nSlurmctldPort=1\n";
        Path slurmConf = write("down/slurm.conf", conf);
        Path pipeline = remoteAndLocal("slurm-down");
        ProcessBuilder pb = SluiceProcess.builder(dir, "run", pipeline.toString(), "-c", config("").toString(),
                "--progress", "plain");
        pb.environment().put("SLURM_CONF", slurmConf.toString());
        Process p = pb.redirectErrorStream(true).redirectOutput(dir.resolve("host.log").toFile()).start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        String out = Files.readString(dir.resolve("host.log"));
        List<String[]> rows = traceRows(out);
        Map<String, String[]> tasks = byName(rows);
        assertThat(tasks.get("local")[column(rows, "status")]).as(out).isEqualTo("SUCCEEDED");
        assertThat(tasks.get("remote")[column(rows, "status")]).isEqualTo("FAILED");
        assertThat(tasks.get("remote")[column(rows, "error")]).contains("the Slurm controller does not answer")
                .contains("Unable to contact slurm controller");
    }
}
