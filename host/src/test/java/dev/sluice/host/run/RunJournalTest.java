package dev.sluice.host.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The journal's lines: what is written is read back, and a torn or altered line is left out. */
class RunJournalTest {
    @TempDir
    Path work;

    @Test
    void launchRecordsAreReadBackBesideSuccessesAndKeepNoTabOfTheExecutors() throws Exception {
        try (RunJournal journal = new RunJournal(work.resolve("runs").resolve("20261201-100000-aaaa"))) {
            journal.writeLaunchNow("k1", 1, "slurm", "4711", "-", null);
            journal.writeLaunchNow("k2", 2, "odd", "id\twith tab", "f00d", null);
            journal.appendSuccess("k1", 1, 3, 0, "-");
        }

        RunJournal.Earlier read = RunJournal.read(work);

        assertThat(read.launches().get("k1")).containsExactly(
                new RunJournal.Launch("20261201-100000-aaaa", "k1", 1, "slurm", "4711", "-"));
        assertThat(read.launches().get("k2")).containsExactly(
                new RunJournal.Launch("20261201-100000-aaaa", "k2", 2, "odd", "id with tab", "f00d"));
        assertThat(read.successes().get("k1")).extracting(RunJournal.Success::attempt).containsExactly(1);
        assertThat(RunJournal.parse("r", Files.readString(work.resolve("runs/20261201-100000-aaaa/journal"))))
                .as("successes only").hasSize(1);
    }

    @Test
    void aLaunchWrittenAtOnceFromAnotherThreadLandsWholeBesideTheBatchesAndRecordsOfAdoptedAttemptsNameTheirRun()
            throws Exception {
        try (RunJournal journal = new RunJournal(work.resolve("runs").resolve("20261201-100000-bbbb"))) {
            journal.appendSuccess("k0", 1, 0, 0, "-", "id parts");
            Thread other = Thread.ofPlatform().start(() -> {
                try {
                    journal.writeLaunchNow("k1", 1, "local", null, "f00d", null);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            other.join();
            assertThat(Files.readString(journal.file())).as("on disk before the batch").contains("launched\tk1\t1\t");
            journal.flush();
            journal.appendSuccess("k2", 3, 1, 2, "-", "id parts", "20261130-090000-dead");
            journal.writeLaunchNow("k2", 3, "slurm", "77", "-", "20261130-090000-dead");
        }

        RunJournal.Earlier read = RunJournal.read(work);

        assertThat(read.launches().get("k1")).containsExactly(
                new RunJournal.Launch("20261201-100000-bbbb", "k1", 1, "local", "-", "f00d"));
        assertThat(read.successes().get("k0")).extracting(RunJournal.Success::runId)
                .containsExactly("20261201-100000-bbbb");
        assertThat(read.successes().get("k2")).extracting(RunJournal.Success::runId, RunJournal.Success::attempt)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("20261130-090000-dead", 3));
        assertThat(read.launches().get("k2")).extracting(RunJournal.Launch::runId, RunJournal.Launch::nativeId)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("20261130-090000-dead", "77"));
    }

    @Test
    void aDeepFingerprintFollowsContentsOfFilesAndOfDirectoriesAndNeverMatchesAStandardOne() throws Exception {
        Path file = Files.writeString(work.resolve("a.txt"), "aaaa");
        Path tree = Files.createDirectories(work.resolve("tree/sub"));
        Files.writeString(tree.resolve("x"), "1");
        List<Path> inputs = List.of(file, work.resolve("tree"));
        String deep = RunJournal.inputsFingerprint(inputs, dev.sluice.host.pipeline.CacheMode.DEEP);

        assertThat(deep).startsWith("deep:")
                .isEqualTo(RunJournal.inputsFingerprint(inputs, dev.sluice.host.pipeline.CacheMode.DEEP))
                .isNotEqualTo(RunJournal.inputsFingerprint(inputs, dev.sluice.host.pipeline.CacheMode.STANDARD));
        var time = Files.getLastModifiedTime(file);
        Files.writeString(file, "bbbb");
        Files.setLastModifiedTime(file, time);
        String rewritten = RunJournal.inputsFingerprint(inputs, dev.sluice.host.pipeline.CacheMode.DEEP);
        assertThat(rewritten).as("same size and time, other contents").isNotEqualTo(deep);
        Files.writeString(tree.resolve("x"), "2");
        assertThat(RunJournal.inputsFingerprint(inputs, dev.sluice.host.pipeline.CacheMode.DEEP))
                .as("a file inside an input directory").isNotEqualTo(rewritten);
        assertThat(RunJournal.inputsFingerprint(inputs, dev.sluice.host.pipeline.CacheMode.OFF)).isEqualTo("off");
    }

    @Test
    void recordsWrittenInBatchesAreReadBackAndALaterRunWins() throws Exception {
        try (RunJournal first = new RunJournal(work.resolve("runs").resolve("20261201-100000-aaaa"))) {
            first.appendSuccess("k1", 1, 10, 0, "-");
            first.appendSuccess("k2", 2, 0, -1, "-");
            first.flush();
            first.appendSuccess("k3", 1, 5, 5, "-");
        }
        try (RunJournal second = new RunJournal(work.resolve("runs").resolve("20261202-100000-bbbb"))) {
            second.appendSuccess("k1", 3, 11, 1, "-");
        }

        Map<String, List<RunJournal.Success>> read = RunJournal.successes(work);

        assertThat(read).containsOnlyKeys("k1", "k2", "k3");
        assertThat(read.get("k1")).containsExactly(new RunJournal.Success("20261202-100000-bbbb", "k1", 3, 11, 1, "-"),
                new RunJournal.Success("20261201-100000-aaaa", "k1", 1, 10, 0, "-"));
        assertThat(read.get("k2")).containsExactly(new RunJournal.Success("20261201-100000-aaaa", "k2", 2, 0, -1, "-"));
        assertThat(Files.readAllLines(work.resolve("runs/20261201-100000-aaaa/journal"))).hasSize(3);
    }

    @Test
    void aTornLastLineAndAnAlteredLineAreLeftOut() throws Exception {
        Path run = work.resolve("runs").resolve("r");
        try (RunJournal journal = new RunJournal(run)) {
            journal.appendSuccess("kept", 1, 1, 1, "-");
            journal.appendSuccess("altered", 1, 1, 1, "-");
            journal.appendSuccess("torn", 1, 1, 1, "-");
        }
        List<String> lines = Files.readAllLines(run.resolve("journal"));
        String text = lines.get(0) + "\n" + lines.get(1).replace("\t1\t1\t1\t-", "\t2\t1\t1\t-") + "\n"
                + lines.get(2).substring(0, lines.get(2).length() - 1);

        assertThat(RunJournal.parse("r", text)).containsExactly(new RunJournal.Success("r", "kept", 1, 1, 1, "-"));
        assertThat(RunJournal.parse("r", text + "-\n")).extracting(RunJournal.Success::taskKey)
                .containsExactly("kept", "torn");
        assertThat(RunJournal.parse("r", "garbage\nno tabs at all\n\n")).isEmpty();
    }

    @Test
    void aByteThatIsNotUtf8SpoilsOnlyItsLine() throws Exception {
        Path run = work.resolve("runs").resolve("r");
        try (RunJournal journal = new RunJournal(run)) {
            journal.appendSuccess("first", 1, 1, 1, "-");
        }
        byte[] good = Files.readAllBytes(run.resolve("journal"));
        byte[] bad = "00000000\tsucceeded\t\u00e9\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        byte[] both = new byte[bad.length + good.length];
        System.arraycopy(bad, 0, both, 0, bad.length);
        System.arraycopy(good, 0, both, bad.length, good.length);
        Files.write(run.resolve("journal"), both);

        assertThat(RunJournal.successes(work)).containsOnlyKeys("first");
    }

    @Test
    void theInputsFingerprintFollowsSizeAndTimeAndMissingFiles() throws Exception {
        Path a = Files.writeString(work.resolve("a.txt"), "one");
        String first = RunJournal.inputsFingerprint(List.of(a));
        assertThat(RunJournal.inputsFingerprint(List.of(a))).isEqualTo(first);
        assertThat(RunJournal.inputsFingerprint(List.of())).isEqualTo("-");

        Files.writeString(a, "one more");
        assertThat(RunJournal.inputsFingerprint(List.of(a))).isNotEqualTo(first);
        String grown = RunJournal.inputsFingerprint(List.of(a));
        Files.setLastModifiedTime(a, java.nio.file.attribute.FileTime.fromMillis(0));
        assertThat(RunJournal.inputsFingerprint(List.of(a))).isNotEqualTo(grown);
        Files.delete(a);
        assertThat(RunJournal.inputsFingerprint(List.of(a))).isNotEqualTo(grown);
    }

    @Test
    void aRecordWrittenBeforeInputFingerprintsIsReadWithItsInputsUnknown() {
        String body = "succeeded\tk\t1\t2\t3";
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(body.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        String line = java.util.HexFormat.of().toHexDigits((int) crc.getValue()) + "\t" + body + "\n";

        assertThat(RunJournal.parse("r", line)).containsExactly(new RunJournal.Success("r", "k", 1, 2, 3, null));
    }

    @Test
    void aWorkDirectoryWithoutRunsHasNoSuccesses() {
        assertThat(RunJournal.successes(work.resolve("nowhere"))).isEmpty();
    }
}
