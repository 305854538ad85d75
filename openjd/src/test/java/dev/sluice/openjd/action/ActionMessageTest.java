package dev.sluice.openjd.action;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The stdout protocol's grammar, line by line. */
class ActionMessageTest {

    @Test
    void everyMessageKindIsRead() {
        assertThat(ActionMessage.parse("openjd_env: FOO=bar"))
                .isEqualTo(new ActionMessage.SetEnvironment("FOO", "bar", false, List.of()));
        assertThat(ActionMessage.parse("openjd_redacted_env: TOKEN=s3cr3t"))
                .isEqualTo(new ActionMessage.SetEnvironment("TOKEN", "s3cr3t", true, List.of("s3cr3t")));
        assertThat(ActionMessage.parse("openjd_unset_env: FOO")).isEqualTo(new ActionMessage.UnsetEnvironment("FOO"));
        assertThat(ActionMessage.parse("openjd_status: loading assets"))
                .isEqualTo(new ActionMessage.Status("loading assets"));
        assertThat(ActionMessage.parse("openjd_progress: 42.5")).isEqualTo(new ActionMessage.Progress(42.5));
        assertThat(ActionMessage.parse("openjd_fail: out of disk")).isEqualTo(new ActionMessage.Fail("out of disk"));
    }

    @Test
    void aValueKeepsEqualsSignsAndBlanksAfterTheFirstEquals() {
        assertThat(ActionMessage.parse("openjd_env: OPTS=-Dx=1 -Dy=2 "))
                .isEqualTo(new ActionMessage.SetEnvironment("OPTS", "-Dx=1 -Dy=2 ", false, List.of()));
        assertThat(ActionMessage.parse("openjd_env: EMPTY="))
                .isEqualTo(new ActionMessage.SetEnvironment("EMPTY", "", false, List.of()));
    }

    @Test
    void blanksBeforeTheAssignmentAreSkippedAsTheReferenceDoes() {
        assertThat(ActionMessage.parse("openjd_env:   FOO=bar"))
                .isEqualTo(new ActionMessage.SetEnvironment("FOO", "bar", false, List.of()));
    }

    @Test
    void theJsonFormCarriesNewlines() {
        assertThat(ActionMessage.parse("openjd_env: \"CERT=line one\\nline two\""))
                .isEqualTo(new ActionMessage.SetEnvironment("CERT", "line one\nline two", false, List.of()));
    }

    @Test
    void aRedactedJsonValueRegistersBothItsDecodedAndItsWrittenForm() {
        ActionMessage message = ActionMessage.parse("openjd_redacted_env: \"KEY=a\\nb\"");

        assertThat(message).isEqualTo(new ActionMessage.SetEnvironment("KEY", "a\nb", true,
                List.of("a\nb", "a\\nb\"")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "100", "7", " 7 ", "42.5", "1e1", ".5", "+3"})
    void progressTakesNumbersFromZeroToHundred(String number) {
        assertThat(ActionMessage.parse("openjd_progress: " + number)).isInstanceOf(ActionMessage.Progress.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"abc", "-1", "100.5", "101", "nan", "inf", "", "50%", "0x10", "12f", "1,5"})
    void progressThatIsNotANumberFromZeroToHundredIsMalformed(String number) {
        assertThat(ActionMessage.parse("openjd_progress: " + number))
                .isInstanceOfSatisfying(ActionMessage.Malformed.class, m -> assertThat(m.problem())
                        .contains("'openjd_progress: " + number + "'")
                        .contains("number from 0 to 100"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"openjd_env FOO=bar", "openjd_envv: FOO=bar", "OPENJD_ENV: FOO=bar",
            "Openjd_Env: FOO=bar", "  openjd_env: FOO=bar", "openjd_env:FOO=bar", "openjd_env=FOO=bar",
            "openjd_unset_env FOO", "OPENJD_UNSET_ENV: FOO", "openjd_env", "\topenjd_redacted_env: X=y"})
    void nearMissesOfEnvironmentMessagesAreMalformed(String line) {
        assertThat(ActionMessage.parse(line)).isInstanceOfSatisfying(ActionMessage.Malformed.class, m ->
                assertThat(m.problem()).contains("'" + line + "'").contains("write exactly"));
    }

    @Test
    void aNearMissNamesTheMessageItWasMeantToBe() {
        assertThat(((ActionMessage.Malformed) ActionMessage.parse("OPENJD_UNSET_ENV: FOO")).problem())
                .contains("'openjd_unset_env: NAME'");
        assertThat(((ActionMessage.Malformed) ActionMessage.parse("openjd_redacted_envv: A=b")).problem())
                .contains("'openjd_redacted_env: NAME=VALUE'");
    }

    @Test
    void aMistypedRedactedLineStillGivesUpItsSecret() {
        assertThat(ActionMessage.parse("openjd_redacted_env TOKEN=hunter2").secrets()).containsExactly("hunter2");
        assertThat(ActionMessage.parse("openjd_redacted_env: 1TOKEN=hunter2").secrets()).containsExactly("hunter2");
        assertThat(ActionMessage.parse("openjd_redacted_env: hunter2").secrets()).containsExactly("hunter2");
    }

    @ParameterizedTest
    @ValueSource(strings = {"openjd_env: 1FOO=bar", "openjd_env: FOO-BAR=x", "openjd_env: FOO", "openjd_env: =x",
            "openjd_env: ", "openjd_env: \"FOO=unterminated", "openjd_env: \"FOO=a\" trailing"})
    void badAssignmentsAreMalformed(String line) {
        assertThat(ActionMessage.parse(line)).isInstanceOfSatisfying(ActionMessage.Malformed.class, m ->
                assertThat(m.problem()).contains("'" + line + "'").contains("openjd_env: "));
    }

    @ParameterizedTest
    @ValueSource(strings = {"openjd_unset_env: FOO BAR", "openjd_unset_env: 9", "openjd_unset_env: FOO=",
            "openjd_unset_env: FOO ", "openjd_unset_env: "})
    void badUnsetsAreMalformed(String line) {
        assertThat(ActionMessage.parse(line)).isInstanceOfSatisfying(ActionMessage.Malformed.class, m ->
                assertThat(m.problem()).contains("'openjd_unset_env: NAME'"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"hello", "", "openjd_progress 50", "OPENJD_STATUS: x", "openjd_statuss: x",
            "echo openjd_env: FOO=bar", "the openjd_env: line", "openjd_session_runtime_loglevel: DEBUG",
            "openjd_: x", "openjd_progress:50"})
    void otherLinesAreOrdinaryOutput(String line) {
        assertThat(ActionMessage.parse(line)).isEqualTo(new ActionMessage.Plain());
    }

    @Test
    void statusAndFailMayBeEmpty() {
        assertThat(ActionMessage.parse("openjd_status: ")).isEqualTo(new ActionMessage.Status(""));
        assertThat(ActionMessage.parse("openjd_fail: ")).isEqualTo(new ActionMessage.Fail(""));
    }
}
