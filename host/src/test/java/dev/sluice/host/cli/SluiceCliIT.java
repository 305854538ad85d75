package dev.sluice.host.cli;

import static dev.sluice.host.cli.SluiceProcess.column;
import static dev.sluice.host.cli.SluiceProcess.traceRows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code sluice} command end to end, as a separate process on the built distribution. */
class SluiceCliIT {
    @TempDir
    Path dir;

    /** Waits up to 60 s for a task to write a whole line to {@code file}; returns it without its newline. */
    private static String awaitLine(Path file) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!(Files.exists(file) && Files.readString(file).endsWith("\n")) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(file).as("the task started and wrote a line").exists().content().endsWith("\n");
        return Files.readString(file).strip();
    }

    /** Whether a run's journal under {@code runs} holds a whole success record (the last line may be half written). */
    private static boolean journalHoldsASuccess(Path runs) throws IOException {
        if (!Files.isDirectory(runs)) {
            return false;
        }
        try (var ids = Files.list(runs)) {
            for (Path journal : ids.map(run -> run.resolve("journal")).filter(Files::exists).toList()) {
                String text = Files.readString(journal);
                if (text.substring(0, text.lastIndexOf('\n') + 1).contains("\tsucceeded\t")) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Whether this JVM ignores SIGHUP (bit 0 of SigIgn in /proc/self/status), as the host it starts then does. */
    private static boolean sighupIgnored() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("SigIgn:")) {
                return (Long.parseUnsignedLong(line.substring("SigIgn:".length()).strip(), 16) & 1L) != 0;
            }
        }
        return false;
    }

    private Path write(String name, String yaml) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, yaml, StandardCharsets.UTF_8);
        return file;
    }

    @Test
    void helloExampleRunsEndToEnd() throws Exception {
        Path example = Path.of(System.getProperty("user.dir")).getParent().resolve("examples/hello.yaml");
        SluiceProcess.Result r = SluiceProcess.run(dir, "run", example.toString(), "--progress", "plain");
        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(r.stdout()).contains("greet 3/3 done").contains("shout 1/1 done").contains("succeeded");
        List<String[]> rows = traceRows(r.stdout());
        assertThat(rows).hasSize(5);
        int status = column(rows, "status");
        int workdir = column(rows, "workdir");
        assertThat(rows.subList(1, 5)).allSatisfy(row -> assertThat(row[status]).isEqualTo("SUCCEEDED"));
        List<String> outputs = rows.subList(1, 5).stream().map(row -> read(Path.of(row[workdir], ".command.out")))
                .toList();
        assertThat(outputs).contains("hello world\n", "hello sluice\n", "hello pipelines\n",
                "EVERY GREETING IS DONE\n");
        assertThat(Path.of(rows.get(1)[workdir], ".exitcode")).hasContent("0");
    }

    @Test
    void failedTaskExitsOneAndTheSummaryShowsItsStderrAndWorkDir() throws Exception {
        Path p = write("fail.yaml", """
                processes:
                  ok:
                    command: [true]
                  broken:
                    script: |
                      echo "reading input.csv" >&2
                      echo "input.csv: no such file" >&2
                      exit 3
                """);
        SluiceProcess.Result r = SluiceProcess.run(dir, "run", p.toString(), "-q");
        assertThat(r.exitCode()).as(r.all()).isEqualTo(1);
        assertThat(r.stdout()).contains("broken").contains("exited with code 3")
                .contains("| input.csv: no such file").contains("workdir: ");
    }

    @Test
    void retryStrategyRunsASecondAttemptAndTracesBoth() throws Exception {
        Path p = write("retry.yaml", """
                processes:
                  flaky:
                    script: |
                      test "$SLUICE_TASK_ATTEMPT" -ge 2
                    errorStrategy: retry
                    maxRetries: 2
                    retryBackoff: {initial: 10ms, max: 10ms, multiplier: 1}
                """);
        SluiceProcess.Result r = SluiceProcess.run(dir, "run", p.toString(), "-q");
        assertThat(r.exitCode()).as(r.all()).isZero();
        List<String[]> rows = traceRows(r.stdout());
        int status = column(rows, "status");
        int attempt = column(rows, "attempt");
        assertThat(rows.subList(1, rows.size())).extracting(row -> row[attempt] + ":" + row[status])
                .containsExactly("1:FAILED", "2:SUCCEEDED");
    }

    @Test
    void resumeReusesTasksThatSucceeded() throws Exception {
        Path p = write("resume.yaml", """
                processes:
                  count:
                    matrix: {n: [1, 2, 3]}
                    script: echo {{ Task.Param.n }} >> ../../../runs.log
                """);
        assertThat(SluiceProcess.run(dir, "run", p.toString(), "-q").exitCode()).isZero();
        SluiceProcess.Result second = SluiceProcess.run(dir, "run", p.toString(), "-q", "--resume");
        assertThat(second.exitCode()).as(second.all()).isZero();
        assertThat(second.stdout()).contains("3 cached");
        assertThat(Files.readAllLines(dir.resolve("runs.log"))).hasSize(3);
    }

    /**
     * Resume reuses a success only while what it left is as it was: a journal line torn by a crash runs
     * that one task again, and so does an emptied output.
     */
    @Test
    void resumeRunsAgainATaskWhoseRecordIsTornOrWhoseOutputChanged() throws Exception {
        Path p = write("resume-trust.yaml", """
                processes:
                  count:
                    matrix: {n: [1, 2, 3]}
                    script: echo {{ Task.Param.n }} | tee -a ../../../runs.log
                """);
        assertThat(SluiceProcess.run(dir, "run", p.toString(), "-q").exitCode()).isZero();
        Path journal;
        try (var runs = Files.list(dir.resolve("work").resolve("runs"))) {
            journal = runs.findFirst().orElseThrow().resolve("journal");
        }
        List<String> records = Files.readAllLines(journal).stream().filter(r -> r.contains("\tsucceeded\t")).toList();
        assertThat(records).hasSize(3);
        String torn = records.get(2).substring(0, records.get(2).length() - 3);
        // The run ended normally, so its launch records do not stand in for the torn success.
        Files.writeString(journal, records.get(0) + "\n" + records.get(1) + "\n" + torn);

        SluiceProcess.Result afterTear = SluiceProcess.run(dir, "run", p.toString(), "-q", "--resume");

        assertThat(afterTear.exitCode()).as(afterTear.all()).isZero();
        assertThat(afterTear.stdout()).contains("2 cached");
        assertThat(Files.readAllLines(dir.resolve("runs.log"))).hasSize(4);

        // Every output of task n=1, whichever run wrote it, emptied.
        for (Path out : outputsHolding("1\n")) {
            Files.writeString(out, "");
        }
        SluiceProcess.Result afterEmpty = SluiceProcess.run(dir, "run", p.toString(), "-q", "--resume");

        assertThat(afterEmpty.exitCode()).as(afterEmpty.all()).isZero();
        assertThat(afterEmpty.stdout()).contains("2 cached");
        assertThat(Files.readAllLines(dir.resolve("runs.log"))).hasSize(5).endsWith("1");
    }

    /** An input file whose size or modification time changed runs its task again on resume. */
    @Test
    void resumeRunsAgainATaskWhoseInputChanged() throws Exception {
        Files.writeString(dir.resolve("a.txt"), "a\n");
        Files.writeString(dir.resolve("b.txt"), "b\n");
        Path p = write("resume-inputs.yaml", """
                processes:
                  read:
                    matrix: {f: [a, b]}
                    inputs: ["{{ Task.Param.f }}.txt"]
                    script: cat %s/{{ Task.Param.f }}.txt >> %s/runs.log
                """.formatted(dir, dir));
        assertThat(SluiceProcess.run(dir, "run", p.toString(), "-q").exitCode()).isZero();
        Files.writeString(dir.resolve("b.txt"), "b, longer\n");

        SluiceProcess.Result second = SluiceProcess.run(dir, "run", p.toString(), "-q", "--resume");

        assertThat(second.exitCode()).as(second.all()).isZero();
        assertThat(second.stdout()).contains("1 cached");
        List<String> ran = Files.readAllLines(dir.resolve("runs.log"));
        assertThat(ran).hasSize(3).endsWith("b, longer");
        assertThat(ran.subList(0, 2)).containsExactlyInAnyOrder("a", "b");
    }

    @Test
    void resumeTakesTheExitCodeAnAttemptLeftWhenItsHostWasKilledBeforeRecordingItsEnd() throws Exception {
        Path p = write("unrecorded.yaml", """
                processes:
                  work:
                    matrix: {n: [1, 2]}
                    script: echo ran >> %s/ran-{{ Task.Param.n }}
                """.formatted(dir));
        SluiceProcess.Result first = SluiceProcess.run(dir, "run", p.toString(), "-q");
        assertThat(first.exitCode()).as(first.all()).isZero();
        // As if the host had been killed after the attempts ended, before their successes were written: the
        // journal keeps its launch records only. Task 2's attempt left exit code 1 instead.
        Path journal;
        try (var files = Files.walk(dir.resolve("work/runs"))) {
            journal = files.filter(f -> f.getFileName().toString().equals("journal")).findFirst().orElseThrow();
        }
        List<String> launches = Files.readAllLines(journal).stream().filter(l -> l.contains("\tlaunched\t")).toList();
        assertThat(launches).hasSize(2);
        Files.write(journal, launches);
        Files.writeString(journal.resolveSibling("host.lock"), "local\n"); // left by a killed host: nobody holds it
        List<String[]> rows = traceRows(first.stdout());
        String secondDir = rows.stream().skip(1).filter(r -> r[column(rows, "name")].equals("work (n=2)"))
                .findFirst().orElseThrow()[column(rows, "workdir")];
        Files.writeString(Path.of(secondDir, ".exitcode"), "1\n");

        SluiceProcess.Result resumed = SluiceProcess.run(dir, "run", p.toString(), "-q", "--resume");

        assertThat(resumed.exitCode()).as(resumed.all()).isZero();
        assertThat(resumed.stdout()).contains("1 cached").contains("1 succeeded");
        assertThat(dir.resolve("ran-1")).content().isEqualTo("ran\n");
        assertThat(dir.resolve("ran-2")).content().isEqualTo("ran\nran\n");
    }

    @Test
    void cacheDeepNoticesAnInputRewrittenWithTheSameSizeAndTimeAndExplainSaysWhy() throws Exception {
        Path input = dir.resolve("in.txt");
        Files.writeString(input, "aaaa\n");
        String pipeline = """
                processes:
                  standard:
                    inputs: [in.txt]
                    script: echo standard >> %1$s/ran.log
                  deep:
                    cache: deep
                    inputs: [in.txt]
                    script: echo deep >> %1$s/ran.log
                  never:
                    cache: false
                    script: echo never >> %1$s/ran.log
                  changing:
                    script: echo changing >> %1$s/ran.log
                  afterDeep:
                    dependsOn: [deep]
                    script: echo afterDeep >> %1$s/ran.log
                  afterStandard:
                    dependsOn: [standard]
                    script: echo afterStandard >> %1$s/ran.log
                """.formatted(dir);
        Path p = write("deep.yaml", pipeline);
        assertThat(SluiceProcess.run(dir, "run", p.toString(), "-q").exitCode()).isZero();
        java.nio.file.attribute.FileTime then = Files.getLastModifiedTime(input);
        Files.writeString(input, "bbbb\n"); // same size
        Files.setLastModifiedTime(input, then);
        write("deep.yaml", pipeline.replace("echo changing", "echo changed"));

        SluiceProcess.Result resumed = SluiceProcess.run(dir, "run", p.toString(), "-q", "--resume", "--explain");

        assertThat(resumed.exitCode()).as(resumed.all()).isZero();
        assertThat(Files.readAllLines(dir.resolve("ran.log"))).as("a second time: deep, never, changed and afterDeep")
                .containsExactlyInAnyOrder("standard", "deep", "never", "changing", "afterDeep", "afterStandard",
                        "deep", "never", "changed", "afterDeep");
        assertThat(resumed.stdout())
                .containsPattern("resume: task 1 \\(standard\\) is cached: attempt 1 of run \\S+ succeeded")
                .contains("resume: task 2 (deep) runs again: its success in run ")
                .contains("the contents of an input file changed since it ran")
                .contains("resume: task 3 (never) runs: cache is off for process 'never'")
                .containsPattern("resume: task 4 \\(changing\\) runs: its command or script changed since it "
                        + "succeeded in run \\S+")
                .contains("resume: task 5 (afterDeep) runs: upstream process 'deep' ran again in this run")
                .contains("resume: task 6 (afterStandard) is cached");
    }

    @Test
    void explainWithoutResumeAndAnUnknownCacheModeAreRefusedInWords() throws Exception {
        Path p = write("plain.yaml", """
                processes:
                  a: {command: [true]}
                """);
        SluiceProcess.Result alone = SluiceProcess.run(dir, "run", p.toString(), "--explain");
        assertThat(alone.exitCode()).isEqualTo(2);
        assertThat(alone.stderr()).contains("--explain says why --resume reuses or runs each task; add --resume");

        Path bad = write("bad-cache.yaml", """
                processes:
                  a:
                    command: [true]
                    cache: sometimes
                """);
        SluiceProcess.Result refused = SluiceProcess.run(dir, "validate", bad.toString());
        assertThat(refused.exitCode()).isEqualTo(2);
        assertThat(refused.all()).contains("bad-cache.yaml:4:").contains("processes.a.cache: 'sometimes' is not a"
                + " cache mode; write one of standard, deep, off");
    }

    @Test
    void aPluginsRefusalOfItsSettingsIsBadInputAtTheConfigsLineForValidateAndRun() throws Exception {
        Path p = write("plain.yaml", """
                processes:
                  a: {command: [true]}
                """);
        Path config = write("site.yaml", """
                plugins:
                  files:
                    pollInterval: soon
                """);
        for (String command : List.of("validate", "run")) {
            SluiceProcess.Result r = SluiceProcess.run(dir, command, p.toString(), "-c", config.toString());
            assertThat(r.exitCode()).as(r.all()).isEqualTo(2);
            assertThat(r.stderr()).contains("site.yaml:3:5: plugins.files.pollInterval: 'pollInterval' = 'soon' in"
                    + " plugins.files of the config: not a duration").doesNotContain("Exception")
                    .doesNotContain("dev.sluice");
        }
    }

    @Test
    void aConfigSectionForAnExecutorThePipelineDoesNotUseIsCheckedWhenItCanBeAndOtherwiseSaidToBeUnchecked()
            throws Exception {
        Path p = write("plain.yaml", """
                processes:
                  a: {command: [true]}
                """);
        Path bad = write("site.yaml", """
                executors:
                  local: {cpu: 2}
                """);
        SluiceProcess.Result refused = SluiceProcess.run(dir, "validate", p.toString(), "-c", bad.toString());
        assertThat(refused.exitCode()).as(refused.all()).isEqualTo(2);
        assertThat(refused.stderr()).contains("site.yaml:2:11: executors.local.cpu: 'cpu' = '2' in executors.local"
                + " of the config: not a setting of the local executor");
        Path other = write("other.yaml", """
                executors:
                  pbs: {queue: long}
                """);
        SluiceProcess.Result warned = SluiceProcess.run(dir, "validate", p.toString(), "-c", other.toString());
        assertThat(warned.exitCode()).as(warned.all()).isZero();
        assertThat(warned.stderr()).contains("warning: " + other + ":2:3: executors.pbs: no process of this pipeline"
                + " runs on the pbs executor, whose plugin is not enabled, so its settings were not checked");
    }

    @Test
    void aPortOutOfRangeIsRefusedInWordsNotAsAnInternalError() throws Exception {
        Path p = write("plain.yaml", """
                processes:
                  a: {command: [true]}
                """);
        SluiceProcess.Result r = SluiceProcess.run(dir, "run", p.toString(), "--http-port", "99999");
        assertThat(r.exitCode()).as(r.all()).isEqualTo(2);
        assertThat(r.stderr()).contains("sluice: --http-port 99999 is not a port; write one from 1 to 65535, or 0"
                + " for any free port").doesNotContain("Exception").doesNotContain("\tat ");
    }

    private List<Path> outputsHolding(String text) throws IOException {
        List<Path> found = new ArrayList<>();
        try (var files = Files.walk(dir.resolve("work"))) {
            for (Path f : files.filter(f -> f.getFileName().toString().equals(".command.out")).toList()) {
                if (Files.readString(f).equals(text)) {
                    found.add(f);
                }
            }
        }
        assertThat(found).as("outputs holding %s", text).isNotEmpty();
        return found;
    }

    @Test
    void filesGateHoldsATaskUntilItsInputIsWritten() throws Exception {
        Path data = dir.resolve("data.txt");
        Path p = write("gate.yaml", """
                plugins:
                  - id: files
                processes:
                  produce:
                    script: |
                      sleep 1
                      echo one > %1$s
                  consume:
                    inputs: [%1$s]
                    hints: {files/stableFor: 200ms, files/pollInterval: 50ms, files/maxWait: 1m}
                    script: cat %1$s
                """.formatted(data));
        SluiceProcess.Result r = SluiceProcess.run(dir, "run", p.toString(), "--progress", "plain");
        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(r.stdout()).contains("gated (files: 1)");
        List<String[]> rows = traceRows(r.stdout());
        int name = column(rows, "name");
        int gateWait = column(rows, "gate_wait");
        String[] consume = rows.stream().filter(row -> row[name].equals("consume")).findFirst().orElseThrow();
        assertThat(dev.sluice.spi.Units.parseDuration(consume[gateWait])).isGreaterThan(Duration.ofMillis(500));
    }

    /** A run whose one task leaves a grandchild sleeping 300 s; the host's output goes to host.log. */
    private record SleeperRun(Process host, long grandchild) {
    }

    private SleeperRun startSleeperRun() throws Exception {
        Path pidFile = dir.resolve("child.pid");
        Path p = write("long.yaml", """
                processes:
                  sleeper:
                    script: |
                      sleep 300 &
                      echo $! > %s
                      wait
                """.formatted(pidFile));
        Process host = SluiceProcess.builder(dir, "run", p.toString(), "-q")
                .redirectErrorStream(true).redirectOutput(dir.resolve("host.log").toFile()).start();
        try {
            return new SleeperRun(host, Long.parseLong(awaitLine(pidFile)));
        } catch (Exception | Error e) {
            host.destroyForcibly();
            throw e;
        }
    }

    @Test
    void sigtermStopsTheRunAndKillsTheTasksProcessGroup() throws Exception {
        SleeperRun run = startSleeperRun();
        Process host = run.host();
        long child = run.grandchild();
        host.destroy(); // SIGTERM
        assertThat(host.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(host.exitValue()).isEqualTo(143);
        assertThat(dir.resolve("host.log")).content().contains("Run ").contains("stopped")
                .contains("the host received a stop signal");
        assertThat(SluiceProcess.isGoneOrZombie(child)).as("grandchild %d of the task was killed", child).isTrue();
    }

    @Test
    void sighupStopsTheRunAndTheJvmEndsOnlyOnceTheRunIsClosed() throws Exception {
        // A JVM started with SIGHUP ignored (under nohup) keeps ignoring it: nothing to test there.
        assumeFalse(sighupIgnored(), "this test's JVM was started with SIGHUP ignored, and so is the host");
        SleeperRun run = startSleeperRun();
        Process host = run.host();
        long child = run.grandchild();
        try {
            // Not a stop signal of the run's own: the JVM shuts down, and its hook stops the run.
            new ProcessBuilder("kill", "-HUP", Long.toString(host.pid())).start().waitFor();
            assertThat(host.waitFor(60, TimeUnit.SECONDS)).isTrue();
        } finally {
            host.destroyForcibly();
        }
        assertThat(host.exitValue()).isEqualTo(129);
        assertThat(dir.resolve("host.log")).content().contains("the host received a stop signal");
        assertThat(SluiceProcess.isGoneOrZombie(child)).as("grandchild %d of the task was killed", child).isTrue();
        // Closed before the JVM ended: the run does not read as one whose host was killed, and its trace is whole.
        try (var runs = Files.list(dir.resolve("work/runs"))) {
            Path runDir = runs.findFirst().orElseThrow();
            assertThat(runDir.resolve("host.lock")).doesNotExist();
            assertThat(runDir.resolve("trace.tsv")).content().contains("sleeper").contains("CANCELLED");
        }
    }

    @Test
    void aSecondStopSignalKillsTasksThatIgnoreTheFirstWithoutWaitingForTheGrace() throws Exception {
        Path pidFile = dir.resolve("stubborn.pid");
        Path p = write("stubborn.yaml", """
                processes:
                  stubborn:
                    script: |
                      trap '' TERM
                      sleep 300 &
                      echo $! > %s
                      wait
                """.formatted(pidFile));
        Process host = SluiceProcess.builder(dir, "run", p.toString(), "-q")
                .redirectErrorStream(true).redirectOutput(dir.resolve("host.log").toFile()).start();
        long child = Long.parseLong(awaitLine(pidFile));
        host.destroy(); // SIGTERM: the task ignores it, so the host waits out the 10 s grace
        Thread.sleep(1000);
        assertThat(host.isAlive()).as("the host waits for the task it asked to stop").isTrue();
        assertThat(SluiceProcess.isGoneOrZombie(child, Duration.ZERO)).as("the task ignored SIGTERM").isFalse();

        host.destroy(); // a second SIGTERM: kill now
        assertThat(host.waitFor(5, TimeUnit.SECONDS)).as("stopped well before the grace ran out").isTrue();
        assertThat(host.exitValue()).isEqualTo(143);
        assertThat(SluiceProcess.isGoneOrZombie(child)).isTrue();
        assertThat(dir.resolve("host.log")).content().contains("Send it again to kill them now")
                .contains("again: killing the running tasks now").contains("stopped");
    }

    @Test
    void tasksDieWithAKilledHostAndResumeRunsEachOnceMore() throws Exception {
        // Two tasks that would run for five minutes, each with a child, and one quick task that ends first.
        Path p = write("killed.yaml", """
                processes:
                  sleeper:
                    matrix: {n: [1, 2]}
                    script: |
                      if [ -e %1$s/resumed ]; then echo again >> %1$s/ran-{{ Task.Param.n }}; exit 0; fi
                      sleep 300 &
                      echo "$$ $!" > %1$s/pids-{{ Task.Param.n }}
                      wait
                  quick:
                    script: echo once >> %1$s/ran-quick
                """.formatted(dir));
        Process host = SluiceProcess.builder(dir, "run", p.toString(), "-q", "-c", write("two.yaml", """
                executors: {local: {cpus: 4}}
                """).toString()).redirectErrorStream(true).redirectOutput(dir.resolve("host.log").toFile()).start();
        List<Long> pids = new ArrayList<>();
        for (String n : List.of("1", "2")) {
            for (String pid : awaitLine(dir.resolve("pids-" + n)).split(" ")) {
                pids.add(Long.parseLong(pid));
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!Files.exists(dir.resolve("ran-quick")) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        // Killed before its success reaches the journal, the quick task would run again; the sleepers
        // still run, so a success there is the quick task's.
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!journalHoldsASuccess(dir.resolve("work/runs")) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(journalHoldsASuccess(dir.resolve("work/runs"))).as("the quick task's success is journaled").isTrue();
        // Found while the host runs: once it is killed, its tasks end within moments (the task loop sees
        // its pipe close) and the watcher may have removed the file before a look after the kill.
        Path launches;
        try (var files = Files.walk(dir.resolve("work/runs"))) {
            launches = files.filter(f -> f.getFileName().toString().equals("local-tasks")).findFirst().orElseThrow();
        }

        new ProcessBuilder("kill", "-KILL", Long.toString(host.pid())).start().waitFor();
        assertThat(host.waitFor(30, TimeUnit.SECONDS)).isTrue();

        for (long pid : pids) {
            assertThat(SluiceProcess.isGoneOrZombie(pid)).as("process %d of a task of the killed host", pid).isTrue();
        }
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (Files.exists(launches) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(launches).as("the watcher removes the launch file once the tasks have ended").doesNotExist();

        Files.writeString(dir.resolve("resumed"), "");
        SluiceProcess.Result resumed = SluiceProcess.run(dir, "run", p.toString(), "-q", "--resume");
        assertThat(resumed.exitCode()).as(resumed.all()).isZero();
        assertThat(resumed.stdout()).contains("2 succeeded").contains("1 cached");
        assertThat(dir.resolve("ran-quick")).as("the task that succeeded before the kill").content().isEqualTo("once\n");
        assertThat(dir.resolve("ran-1")).content().isEqualTo("again\n");
        assertThat(dir.resolve("ran-2")).content().isEqualTo("again\n");
    }

    @Test
    void runningOutOfMemorySaysHowToGiveTheHostMoreWithoutAStackTrace() throws Exception {
        StringBuilder values = new StringBuilder();
        for (int i = 1; i <= 20_000; i++) {
            values.append(i == 1 ? "" : ", ").append(i);
        }
        Path p = write("big.yaml", "processes:\n  a:\n    command: [\"true\"]\n    matrix: {i: [" + values + "]}\n");
        Path out = dir.resolve("oom.log");
        Process host = SluiceProcess.builder(List.of("-Xmx12m"), dir, "run", p.toString(), "-q")
                .redirectErrorStream(true).redirectOutput(out.toFile()).start();
        assertThat(host.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(host.exitValue()).isEqualTo(4);
        assertThat(out).content().contains("sluice: ran out of memory: the host's heap is bounded to ")
                .contains("SLUICE_JAVA_OPTS=-Xmx").doesNotContain("Exception in thread").doesNotContain("\tat ");
    }

    @Test
    void validateRefusesTheExecutorSettingsRunWouldRefuseWithTheirPlace() throws Exception {
        Path pipeline = write("p.yaml", "processes:\n  a: {command: [\"true\"]}\n");
        Path config = write("c.yaml", "executors:\n  local:\n    cpus: -2\n");
        for (String command : List.of("validate", "run")) {
            SluiceProcess.Result r = SluiceProcess.run(dir, command, pipeline.toString(), "-c", config.toString());
            assertThat(r.exitCode()).as(r.all()).isEqualTo(2);
            assertThat(r.stderr()).as(command).contains(config + ":3:5: executors.local.cpus: 'cpus' = '-2'",
                    "needs at least 1 cpu").doesNotContain("Exception");
        }
        Path unknown = write("d.yaml", "executors:\n  local: {cpu: 2}\n");
        SluiceProcess.Result r = SluiceProcess.run(dir, "validate", pipeline.toString(), "-c", unknown.toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.stderr()).contains("executors.local.cpu: 'cpu' = '2'", "not a setting of the local executor");
    }

    @Test
    void aWorkDirectoryThatCannotBeMadeIsBadInputInWords() throws Exception {
        Path file = write("file.txt", "not a directory\n");
        SluiceProcess.Result r = SluiceProcess.run(dir, "run", write("p.yaml", "processes:\n  a: {command: [\"true\"]}\n")
                .toString(), "-w", file.resolve("work").toString());
        assertThat(r.exitCode()).as(r.all()).isEqualTo(2);
        assertThat(r.stderr()).contains("sluice: cannot create the work directory " + file.resolve("work"))
                .contains("pass a writable one with --work-dir").doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void validateReportsEveryProblemWithFileLineAndExitsTwo() throws Exception {
        Path p = write("bad.yaml", """
                processes:
                  a:
                    command: [true]
                    dependsOn: [b]
                  b:
                    command: [true]
                    dependsOn: [a]
                    errorStrategy: explode
                """);
        SluiceProcess.Result r = SluiceProcess.run(dir, "validate", p.toString());
        assertThat(r.exitCode()).as(r.all()).isEqualTo(2);
        assertThat(r.stderr()).contains("bad.yaml:").contains("a -> b -> a").contains("explode");
    }

    @Test
    void malformedYamlNamesLineAndColumn() throws Exception {
        Path p = write("broken.yaml", "processes:\n  a:\n    command: [true\n");
        SluiceProcess.Result r = SluiceProcess.run(dir, "run", p.toString());
        assertThat(r.exitCode()).as(r.all()).isEqualTo(2);
        assertThat(r.stderr()).containsPattern("broken\\.yaml:\\d+:\\d+");
    }

    @Test
    void unknownPluginIsExitThreeBeforeAnythingRuns() throws Exception {
        Path marker = dir.resolve("ran");
        Path p = write("plug.yaml", """
                plugins: [{id: dockr}]
                processes:
                  a:
                    script: touch %s
                """.formatted(marker));
        SluiceProcess.Result r = SluiceProcess.run(dir, "run", p.toString());
        assertThat(r.exitCode()).as(r.all()).isEqualTo(3);
        assertThat(r.stderr()).contains("plugin 'dockr' is not installed")
                .contains("installed: apptainer, docker, files, gpu, slurm");
        assertThat(marker).doesNotExist();
    }

    @Test
    void badHintValueIsCaughtByTheGateAtValidation() throws Exception {
        Path p = write("hint.yaml", """
                plugins: [{id: files}]
                processes:
                  a:
                    command: [true]
                    hints: {files/maxWait: soon}
                """);
        SluiceProcess.Result r = SluiceProcess.run(dir, "validate", p.toString());
        assertThat(r.exitCode()).as(r.all()).isEqualTo(2);
        assertThat(r.stderr()).contains("files/maxWait").contains("soon").contains("not a duration");
    }

    @Test
    void aMisspeltLocalHintIsCaughtAtValidationAndARightOneIsNotWarnedAbout() throws Exception {
        Path bad = write("local-hint.yaml", """
                processes:
                  a:
                    command: [true]
                    hints: {local/keepProcesGroup: true}
                """);
        SluiceProcess.Result r = SluiceProcess.run(dir, "validate", bad.toString());
        assertThat(r.exitCode()).as(r.all()).isEqualTo(2);
        assertThat(r.stderr()).contains("processes.a.hints.local/keepProcesGroup")
                .contains("not a hint of the local executor; it knows local/keepProcessGroup");

        Path good = write("local-hint-ok.yaml", """
                processes:
                  a:
                    command: [true]
                    hints: {local/keepProcessGroup: true}
                """);
        SluiceProcess.Result ok = SluiceProcess.run(dir, "validate", good.toString());
        assertThat(ok.exitCode()).as(ok.all()).isZero();
        assertThat(ok.all()).doesNotContain("no effect");
    }

    @Test
    void commandNotFoundIsAValidationError() throws Exception {
        Path p = write("nocmd.yaml", """
                processes:
                  a:
                    command: [definitely-not-a-program-xyz, --help]
                """);
        SluiceProcess.Result r = SluiceProcess.run(dir, "validate", p.toString());
        assertThat(r.exitCode()).as(r.all()).isEqualTo(2);
        assertThat(r.stderr()).contains("definitely-not-a-program-xyz").contains("was not found on the host's PATH");
    }

    @Test
    void unknownExecutorListsTheAvailableOnes() throws Exception {
        Path p = write("exec.yaml", """
                processes:
                  a:
                    command: [true]
                    executor: pbs
                """);
        SluiceProcess.Result r = SluiceProcess.run(dir, "validate", p.toString());
        assertThat(r.exitCode()).as(r.all()).isEqualTo(2);
        assertThat(r.stderr()).contains("unknown executor 'pbs'").contains("available: local")
                .contains("installed plugins (selecting one's executor enables it): "
                        + "apptainer, docker, files, gpu, slurm");
    }

    @Test
    void taskAskingForMoreCpusThanTheHostHasFailsAtOnce() throws Exception {
        Path p = write("big.yaml", """
                processes:
                  huge:
                    command: [true]
                    resources: {cpus: 4096}
                """);
        SluiceProcess.Result r = SluiceProcess.run(dir, "run", p.toString(), "-q");
        assertThat(r.exitCode()).as(r.all()).isEqualTo(1);
        assertThat(r.stdout()).contains("asks for 4096 cpus but the local executor has");
    }

    @Test
    void pluginsListShowsTheBundledPlugin() throws Exception {
        SluiceProcess.Result r = SluiceProcess.run(dir, "plugins", "list");
        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(r.stdout()).contains("files").contains("usable");
    }

    @Test
    void missingArgumentIsAUsageErrorWithExitTwo() throws Exception {
        SluiceProcess.Result r = SluiceProcess.run(dir, "run");
        assertThat(r.exitCode()).as(r.all()).isEqualTo(2);
        assertThat(r.stderr()).contains("Missing required parameter: 'PIPELINE'");
    }

    @Test
    void versionAndHelp() throws Exception {
        SluiceProcess.Result v = SluiceProcess.run(dir, "--version");
        assertThat(v.exitCode()).isZero();
        assertThat(v.stdout()).startsWith("sluice 0.1.0");
        SluiceProcess.Result h = SluiceProcess.run(dir, "run", "--help");
        assertThat(h.exitCode()).isZero();
        assertThat(h.stdout()).contains("--resume").contains("--plugins-dir");
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }


    @Test
    void theRunsJsonLogHasTheRunAndTheTaskOnItsLines() throws Exception {
        Path p = write("flaky.yaml", """
                name: flaky
                processes:
                  flaky:
                    errorStrategy: retry
                    maxRetries: 1
                    retryBackoff: {initial: 10ms}
                    script: exit 1
                """);
        SluiceProcess.Result r = SluiceProcess.run(dir, "run", p.toString(), "-w", dir.resolve("work").toString());
        assertThat(r.exitCode()).as(r.all()).isEqualTo(1);
        String runId = r.stdout().lines().filter(l -> l.startsWith("Run ")).findFirst().orElseThrow().split(" ")[1];
        Path log = dir.resolve("work/runs/" + runId + "/log.jsonl");
        List<com.fasterxml.jackson.databind.JsonNode> lines = new ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            lines.add(new com.fasterxml.jackson.databind.ObjectMapper().readTree(line));
        }
        assertThat(lines).as("every line of %s is about this run", log)
                .isNotEmpty().allSatisfy(l -> assertThat(l.get("run").asText()).isEqualTo(runId));
        assertThat(lines).as("the retry is logged, about its task, though the console showed only warnings")
                .anySatisfy(l -> {
                    assertThat(l.get("message").asText()).contains("retrying");
                    assertThat(l.get("task").asText()).isEqualTo("1");
                    assertThat(l.get("process").asText()).isEqualTo("flaky");
                });
        assertThat(r.stderr()).doesNotContain("retrying");
    }


    @Test
    void theTraceHasTheColumnsAskedForAndTheLocalTasksPeakMemory() throws Exception {
        Path p = write("mem.yaml", """
                name: mem
                processes:
                  big:
                    script: |
                      x=$(head -c 40000000 /dev/zero | tr '\\0' a)
                      sleep 3
                      echo ${#x}
                  small:
                    script: "true"
                """);
        SluiceProcess.Result r = SluiceProcess.run(dir, "run", p.toString(), "-w", dir.resolve("work").toString(),
                "--trace-columns", "name,status,peak_rss");
        assertThat(r.exitCode()).as(r.all()).isZero();
        List<String[]> rows = traceRows(r.stdout());
        assertThat(rows.get(0)).containsExactly("name", "status", "peak_rss");
        String[] big = rows.stream().filter(row -> row[0].equals("big")).findFirst().orElseThrow();
        assertThat(big[1]).isEqualTo("SUCCEEDED");
        // The shell held the 40 MB string: its high-water mark is at least that.
        assertThat(big[2]).as("peak_rss of a task that held 40 MB for 3 s").matches("\\d+(\\.\\d)? MB");
        assertThat(Double.parseDouble(big[2].split(" ")[0])).isGreaterThanOrEqualTo(38);
        // `true` ends long before a reading; the kernel's figure for it is the host's memory, not its own.
        String[] small = rows.stream().filter(row -> row[0].equals("small")).findFirst().orElseThrow();
        assertThat(small[2]).as("peak_rss of `true`").satisfiesAnyOf(
                v -> assertThat(v).isEqualTo("-"), v -> assertThat(v).matches("\\d+(\\.\\d)? (kB|KB|B)"),
                v -> assertThat(v).matches("[0-9](\\.\\d)? MB"));
    }

    @Test
    void anUnknownTraceColumnIsRefusedBeforeAnythingRuns() throws Exception {
        Path p = write("one.yaml", """
                processes:
                  a:
                    script: "touch ran"
                """);
        SluiceProcess.Result r = SluiceProcess.run(dir, "run", p.toString(), "--trace-columns", "name,peak_memory");
        assertThat(r.exitCode()).as(r.all()).isEqualTo(2);
        assertThat(r.stderr()).contains("--trace-columns: unknown trace column 'peak_memory'")
                .contains("peak_rss");
        assertThat(dir.resolve("work")).doesNotExist();
    }

    @Test
    void aTraceThatCannotBeWrittenIsRefusedInWordsBeforeAnyTaskRuns() throws Exception {
        // /proc takes no new files: as good as a full disk for the trace's first line.
        assertTraceRefusedBeforeAnyTaskRuns("/proc/sluice-trace.tsv", "sluice: cannot write /proc/sluice-trace.tsv: ");
    }

    @Test
    void aTraceOnAFullDiskIsRefusedInWordsBeforeAnyTaskRuns() throws Exception {
        // /dev/full opens and refuses every write: the trace's first line fails as on a full disk.
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.exists(Path.of("/dev/full")));
        assertTraceRefusedBeforeAnyTaskRuns("/dev/full", "sluice: cannot write /dev/full: No space left on device");
    }

    private void assertTraceRefusedBeforeAnyTaskRuns(String trace, String said) throws Exception {
        Path p = write("one.yaml", """
                processes:
                  a:
                    script: "touch ran"
                """);
        SluiceProcess.Result r = SluiceProcess.run(dir, "run", p.toString(), "--trace", trace);
        assertThat(r.exitCode()).as(r.all()).isEqualTo(2);
        assertThat(r.stderr()).contains(said).contains("free some space there")
                .contains("or none (--no-trace, --no-events)").doesNotContain("Exception").doesNotContain("\tat ");
        try (var files = java.nio.file.Files.walk(dir)) {
            assertThat(files).as("no task ran").noneMatch(f -> f.getFileName().toString().equals("ran"));
        }
    }

    @Test
    void secretEnvValuesAreMaskedInTheSummaryTheTraceAndTheLog() throws Exception {
        Path p = write("secret.yaml", """
                name: secret
                processes:
                  leaky:
                    env: {SHOWN: "token=$API_TOKEN"}
                    script: |
                      echo "using $API_TOKEN" >&2
                      exit 3
                """);
        Path config = write("secret-config.yaml", "secretEnv: [API_TOKEN]\n");
        Path work = dir.resolve("work");
        ProcessBuilder pb = SluiceProcess.builder(dir, "run", p.toString(), "-c", config.toString(), "-w",
                work.toString(), "-vv");
        pb.environment().put("API_TOKEN", "s3cr3t-value-42");
        Path out = dir.resolve("out.txt");
        Process process = pb.redirectErrorStream(true).redirectOutput(out.toFile()).start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String output = Files.readString(out);
        assertThat(process.exitValue()).as(output).isEqualTo(1);
        assertThat(output).as("the summary shows the stderr tail, masked").contains("| using ********")
                .doesNotContain("s3cr3t-value-42");
        String runId = output.lines().filter(l -> l.startsWith("Run ")).findFirst().orElseThrow().split(" ")[1];
        Path runDir = work.resolve("runs").resolve(runId);
        try (var files = Files.list(runDir)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                assertThat(Files.readString(f)).as("%s", f).doesNotContain("s3cr3t-value-42");
            }
        }
        assertThat(Files.readString(runDir.resolve("trace.tsv"))).contains("leaky");
    }

}
