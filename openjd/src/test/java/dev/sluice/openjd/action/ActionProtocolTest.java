package dev.sluice.openjd.action;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The stdout protocol as real actions speak it: listener events, failures, redaction in logs. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ActionProtocolTest {
    @TempDir
    Path sessionDir;

    private ActionRig rig;

    @BeforeEach
    void createRunner() throws Exception {
        rig = new ActionRig(sessionDir);
    }

    @Test
    void everyMessageReachesTheListenerInOrder() throws Exception {
        ActionRig.Recorder recorder = new ActionRig.Recorder();
        String script = String.join("\n",
                "echo 'openjd_status: downloading'",
                "echo 'openjd_progress: 12.5'",
                "echo 'openjd_env: RENDERER=arnold 7'",
                "echo 'openjd_unset_env: DISPLAY' >&2",
                "echo 'openjd_progress: 100'",
                "echo 'plain output'");

        ActionResult result = rig.await(rig.runner.start(rig.shell(script), recorder));

        assertThat(result.succeeded()).isTrue();
        assertThat(recorder.messages()).containsExactly("status downloading", "progress 12.5",
                "set RENDERER=arnold 7", "unset DISPLAY", "progress 100.0");
        assertThat(recorder.events()).contains("out plain output", "out openjd_status: downloading");
    }

    @Test
    void aNearMissFailsAnActionThatWouldHaveSucceeded() throws Exception {
        ActionRig.Recorder recorder = new ActionRig.Recorder();

        ActionResult result = rig.await(rig.runner.start(rig.shell("echo hello; echo 'openjd_env FOO=bar'; exit 0"),
                recorder));

        assertThat(result.state()).isEqualTo(ActionState.FAILED);
        assertThat(result.failureMessage()).hasValueSatisfying(m -> assertThat(m)
                .contains("output line 2").contains("'openjd_env FOO=bar'").contains("'openjd_env: NAME=VALUE'"));
        assertThat(recorder.messages()).isEmpty();
    }

    @Test
    void aMalformedLineCancelsTheActionStillRunning() throws Exception {
        // exec: the shell becomes sleep, which only a signal ends.
        ActionResult result = rig.await(rig.runner.start(
                rig.shell("echo 'OPENJD_ENV: FOO=bar'; exec sleep 300"), ActionListener.NONE));

        assertThat(result.state()).isEqualTo(ActionState.FAILED);
        assertThat(result.exitCode()).as("SIGKILL").isEqualTo(137);
        assertThat(result.failureMessage()).hasValueSatisfying(m -> assertThat(m).contains("'OPENJD_ENV: FOO=bar'"));
    }

    @Test
    void progressOutOfRangeFailsTheAction() throws Exception {
        ActionResult result = rig.await(rig.runner.start(rig.shell("echo 'openjd_progress: 150'"), ActionListener.NONE));

        assertThat(result.state()).isEqualTo(ActionState.FAILED);
        assertThat(result.failureMessage()).hasValueSatisfying(m -> assertThat(m)
                .contains("'openjd_progress: 150'").contains("number from 0 to 100"));
    }

    @Test
    void aBadVariableNameFailsTheAction() throws Exception {
        ActionResult result = rig.await(rig.runner.start(rig.shell("echo 'openjd_env: 2FAST=yes'"),
                ActionListener.NONE));

        assertThat(result.state()).isEqualTo(ActionState.FAILED);
        assertThat(result.failureMessage()).hasValueSatisfying(m -> assertThat(m).contains("valid variable name"));
    }

    @Test
    void aRedactedValueIsMaskedInTheLineThatSetsItAndEveryLaterLine() throws Exception {
        Path logFile = sessionDir.resolve("enter.log");
        ActionRig.Recorder recorder = new ActionRig.Recorder();
        String script = String.join("\n",
                "echo 'before: s3cr3t-token'",
                "echo 'openjd_redacted_env: API_TOKEN=s3cr3t-token'",
                "echo 'using s3cr3t-token now'",
                "echo 'openjd_status: logged in with s3cr3t-token'",
                "echo 'openjd_fail: rejected s3cr3t-token' >&2",
                "exit 1");

        ActionResult result = rig.await(rig.runner.start(rig.shell(script), logFile, recorder));

        // A line before the secret was announced cannot be taken back; everything after is masked.
        assertThat(Files.readAllLines(logFile)).containsExactly("before: s3cr3t-token",
                "openjd_redacted_env: API_TOKEN=********", "using ******** now",
                "openjd_status: logged in with ********", "openjd_fail: rejected ********");
        assertThat(recorder.messages()).containsExactly("secret API_TOKEN=s3cr3t-token",
                "status logged in with ********", "fail rejected ********");
        assertThat(result.failureMessage()).contains("rejected ********");
    }

    @Test
    void aSecretIsMaskedInTheLogsOfLaterActionsOfTheSameSession() throws Exception {
        rig.await(rig.runner.start(rig.shell("echo 'openjd_redacted_env: PASSWORD=pa55word'"), ActionListener.NONE));
        ActionRunner otherRunner = rig.runner.withBaseEnvironment(
                java.util.Map.of("PATH", System.getenv("PATH"), "PASSWORD", "pa55word"));
        Path taskLog = sessionDir.resolve("task.log");

        rig.await(otherRunner.start(rig.shell("echo \"the password is $PASSWORD\""), taskLog, ActionListener.NONE));

        assertThat(Files.readAllLines(taskLog)).containsExactly("the password is ********");
    }

    @Test
    @DisplayName("regression: a mistyped openjd_redacted_env line leaked its secret into the log")
    void aMistypedRedactedLineLeakedItsSecret() throws Exception {
        Path logFile = sessionDir.resolve("enter.log");

        ActionResult result = rig.await(rig.runner.start(
                rig.shell("echo 'openjd_redacted_env TOKEN=hunter2'; echo 'again hunter2'"), logFile,
                ActionListener.NONE));

        assertThat(result.state()).isEqualTo(ActionState.FAILED);
        assertThat(result.failureMessage()).hasValueSatisfying(m -> assertThat(m).doesNotContain("hunter2"));
        assertThat(Files.readString(logFile)).doesNotContain("hunter2").contains("TOKEN=********");
    }

    @Test
    void aMultiLineJsonValueIsSetWhole() throws Exception {
        ActionRig.Recorder recorder = new ActionRig.Recorder();

        rig.await(rig.runner.start(rig.shell("printf '%s\\n' 'openjd_env: \"MOTD=hello\\nworld\"'"), recorder));

        assertThat(recorder.messages()).isEqualTo(List.of("set MOTD=hello\nworld"));
    }
}
