package dev.sluice.host.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A failure nothing else caught reaches users as words: no exception class, no stack trace. */
class InternalErrorTest {
    @Test
    void theMessageIsShownWithoutTheExceptionsClassAndSaysWhereTheDetailsAre() {
        assertThat(SluiceMain.internalError(new IllegalArgumentException("port out of range:99999")))
                .isEqualTo("sluice: internal error: port out of range:99999. This is a bug in sluice; please report"
                        + " it with the run's log.jsonl, which holds the details")
                .doesNotContain("IllegalArgumentException");
        assertThat(SluiceMain.internalError(new NullPointerException())).contains("internal error: an unexpected"
                + " failure.").doesNotContain("NullPointerException");
    }
}
