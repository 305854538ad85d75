package dev.sluice.host.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A script task records its own exit status in {@code .exitcode} when it runs to its end ({@link
 * WorkDirs#recordExit}), run as the executors run it ({@code /bin/sh -eu .command.sh}), so that a task
 * that ends while its host is gone is known to have ended; a script that ends any other way leaves the
 * file to its host.
 */
class ScriptRecordsItsEndTest {
    @TempDir
    Path dir;

    private Process start(String script) throws Exception {
        Path work = Files.createDirectories(dir.resolve("work"));
        Path file = work.resolve(".command.sh");
        Files.writeString(file, script + "\n" + WorkDirs.recordExit(work.resolve(".exitcode")));
        return new ProcessBuilder("/bin/sh", "-eu", file.toString()).directory(work.toFile())
                .redirectErrorStream(true).redirectOutput(dir.resolve("out").toFile()).start();
    }

    private int run(String script) throws Exception {
        Process p = start(script);
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        return p.exitValue();
    }

    private Path exitCode() {
        return dir.resolve("work/.exitcode");
    }

    @Test
    void aScriptThatRunsToItsEndRecordsItsStatusAndKeepsIt() throws Exception {
        assertThat(run("echo hi")).isZero();
        assertThat(exitCode()).content().isEqualTo("0\n");
    }

    @Test
    void aFailingLastListKeepsItsStatus() throws Exception {
        assertThat(run("[ -e /no/such/file ] && echo there")).isEqualTo(1);
        assertThat(exitCode()).content().isEqualTo("1\n");
    }

    @Test
    void theRecordGoesToTheWorkDirectoryWhereverTheScriptMoved() throws Exception {
        assertThat(run("cd " + dir + "\necho moved \\")).isZero();
        assertThat(exitCode()).as("after a last line ending in a backslash too").content().isEqualTo("0\n");
        assertThat(Files.readString(dir.resolve("out"))).isEqualTo("moved\n");
    }

    @Test
    void aScriptStoppedBySetEOrExitOrASignalLeavesItToItsHost() throws Exception {
        assertThat(run("false\necho never")).isEqualTo(1);
        assertThat(exitCode()).as("set -e").doesNotExist();
        assertThat(run("exit 0\necho never")).isZero();
        assertThat(exitCode()).as("exit").doesNotExist();
        Process p = start("sleep 30");
        Thread.sleep(200);
        p.destroy();
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(143);
        assertThat(exitCode()).as("SIGTERM").doesNotExist();
    }

    @Test
    void aRecordThatCannotBeWrittenChangesNothing() throws Exception {
        Files.createDirectories(dir.resolve("work/.exitcode"));
        assertThat(run("echo fine")).as("a directory in the way").isZero();
        assertThat(run("[ -e /no/such/file ] && echo there")).isEqualTo(1);
    }

    @Test
    void aScriptLeftBrokenStaysBroken() throws Exception {
        assertThat(run("echo 'never closed")).as("an open quote is still a syntax error").isEqualTo(2);
        assertThat(exitCode()).doesNotExist();
        for (String unfinished : java.util.List.of("echo hi |", "false &&", "true ||")) {
            assertThat(run(unfinished)).as(unfinished).isNotZero();
            assertThat(exitCode()).as(unfinished).doesNotExist();
        }
    }

    @Test
    void aWorkDirectoryWithAQuoteInItsPathIsWrittenWhole() throws Exception {
        Path odd = Files.createDirectories(dir.resolve("it's here"));
        Path file = odd.resolve(".command.sh");
        Files.writeString(file, "echo hi\n" + WorkDirs.recordExit(odd.resolve(".exitcode")));
        Process p = new ProcessBuilder("/bin/sh", "-eu", file.toString()).start();
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
        assertThat(odd.resolve(".exitcode")).content().isEqualTo("0\n");
    }
}
