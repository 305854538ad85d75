package dev.sluice.openjd.action;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Running real processes: exit codes, argv, environment, work directory, stdin, output capture. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ActionRunnerTest {
    @TempDir
    Path sessionDir;

    private ActionRig rig;

    @BeforeEach
    void createRunner() throws Exception {
        rig = new ActionRig(sessionDir);
    }

    @Test
    void exitStatusZeroSucceeds() throws Exception {
        ActionResult result = rig.await(rig.runner.start(rig.shell("exit 0"), ActionListener.NONE));

        assertThat(result).isEqualTo(new ActionResult(ActionState.SUCCEEDED, 0, java.util.Optional.empty(),
                ActionRig.START, ActionRig.START));
    }

    @Test
    void nonZeroExitStatusFailsAndSaysSo() throws Exception {
        ActionResult result = rig.await(rig.runner.start(rig.shell("exit 3"), ActionListener.NONE));

        assertThat(result.state()).isEqualTo(ActionState.FAILED);
        assertThat(result.exitCode()).isEqualTo(3);
        assertThat(result.failureMessage()).hasValueSatisfying(m -> assertThat(m).contains("exited with status 3"));
    }

    @Test
    void openjdFailMessageBecomesTheFailureMessage() throws Exception {
        ActionRig.Recorder recorder = new ActionRig.Recorder();
        ActionResult result = rig.await(rig.runner.start(
                rig.shell("echo 'openjd_fail: the license server is down'; exit 1"), recorder));

        assertThat(result.state()).isEqualTo(ActionState.FAILED);
        assertThat(result.failureMessage()).contains("the license server is down");
        assertThat(recorder.messages()).containsExactly("fail the license server is down");
    }

    @Test
    void argvWithHostileCharactersIsPassedVerbatim() throws Exception {
        List<String> hostile = List.of("a b", "$(touch pwned)", "`touch pwned`", "*", "'; touch pwned; '",
                "\"quoted\"", "back\\slash", "", "--", "-n", "ünïcødé ✓", "$HOME", "a\tb");
        List<String> argv = new ArrayList<>(List.of("sh", "-c", "for a in \"$@\"; do printf '[%s]\\n' \"$a\"; done",
                "sh"));
        argv.addAll(hostile);
        ActionRig.Recorder recorder = new ActionRig.Recorder();

        ActionResult result = rig.await(rig.runner.start(Action.of(argv, sessionDir), recorder));

        assertThat(result.succeeded()).isTrue();
        assertThat(recorder.events()).containsExactlyElementsOf(hostile.stream().map(a -> "out [" + a + "]").toList());
        assertThat(sessionDir.resolve("pwned")).doesNotExist();
    }

    @Test
    void actionEnvironmentGoesOnTopOfTheBaseAndUnsetWins() throws Exception {
        ActionRunner runner = rig.runner.withBaseEnvironment(Map.of("PATH", System.getenv("PATH"),
                "FROM_BASE", "base", "OVERRIDDEN", "base", "REMOVED", "base"));
        Action action = rig.shell("echo \"FROM_BASE=${FROM_BASE-none} OVERRIDDEN=${OVERRIDDEN-none}"
                        + " REMOVED=${REMOVED-none} EXTRA=${EXTRA-none} HOST_ONLY=${SLUICE_TEST_HOST_ONLY-none}\"")
                .withEnvironment(Map.of("OVERRIDDEN", "action", "EXTRA", "a b=c", "REMOVED", "action"))
                .withUnset(Set.of("REMOVED"));
        ActionRig.Recorder recorder = new ActionRig.Recorder();

        rig.await(runner.start(action, recorder));

        assertThat(recorder.events()).containsExactly(
                "out FROM_BASE=base OVERRIDDEN=action REMOVED=none EXTRA=a b=c HOST_ONLY=none");
    }

    @Test
    void theProcessStartsInTheWorkDirectoryWithStdinAtEndOfFile() throws Exception {
        Path workDir = Files.createDirectory(sessionDir.resolve("work"));
        ActionRig.Recorder recorder = new ActionRig.Recorder();

        // cat would wait for ever on an inherited or open stdin; /dev/null ends it at once.
        ActionResult result = rig.await(rig.runner.start(
                Action.of(List.of("sh", "-c", "cat; pwd -P"), workDir), recorder));

        assertThat(result.succeeded()).isTrue();
        assertThat(recorder.events()).containsExactly("out " + workDir.toRealPath());
    }

    @Test
    void stdoutAndStderrAreMergedIntoTheLogInOrder() throws Exception {
        Path logFile = sessionDir.resolve("action.log");
        Files.writeString(logFile, "earlier action\n");

        rig.await(rig.runner.start(rig.shell("echo one; echo two >&2; echo three"), logFile, ActionListener.NONE));

        assertThat(Files.readAllLines(logFile)).containsExactly("earlier action", "one", "two", "three");
    }

    @Test
    @DisplayName("regression: output written just before exit was lost")
    void outputWrittenJustBeforeExitWasLost() throws Exception {
        ActionRig.Recorder recorder = new ActionRig.Recorder();

        rig.await(rig.runner.start(rig.shell("i=0; while [ $i -lt 2000 ]; do echo line$i; i=$((i+1)); done;"
                + " echo 'openjd_env: LAST=yes'"), recorder));

        List<String> expected = new ArrayList<>(IntStream.range(0, 2000).mapToObj(i -> "out line" + i).toList());
        expected.add("out openjd_env: LAST=yes");
        expected.add("set LAST=yes");
        assertThat(recorder.events()).containsExactlyElementsOf(expected);
    }

    @Test
    void aProgramNotOnThePathIsRefusedBeforeLaunch() {
        assertThatThrownBy(() -> rig.runner.start(Action.of(List.of("no-such-program-for-sluice"), sessionDir),
                ActionListener.NONE))
                .isInstanceOf(ActionException.class)
                .hasMessageContaining("'no-such-program-for-sluice'")
                .hasMessageContaining("PATH");
    }

    @Test
    void aMissingWorkDirectoryIsRefusedBeforeLaunch() {
        Path missing = sessionDir.resolve("missing");

        assertThatThrownBy(() -> rig.runner.start(Action.of(List.of("true"), missing), ActionListener.NONE))
                .isInstanceOf(ActionException.class)
                .hasMessageContaining(missing.toString())
                .hasMessageContaining("create it");
    }

    @Test
    void aListenerThatThrowsDoesNotStopTheAction() throws Exception {
        ActionListener throwing = new ActionListener() {
            @Override
            public void onOutput(String line) {
                throw new IllegalStateException("listener bug");
            }
        };
        Path logFile = sessionDir.resolve("action.log");

        ActionResult result = rig.await(rig.runner.start(rig.shell("echo a; echo b"), logFile, throwing));

        assertThat(result.succeeded()).isTrue();
        assertThat(Files.readAllLines(logFile)).containsExactly("a", "b");
    }
}
