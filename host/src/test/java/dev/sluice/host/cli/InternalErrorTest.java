package dev.sluice.host.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A failure nothing else caught reaches users as words: no exception class, no stack trace. */
class InternalErrorTest {
    @Test
    void theMessageIsShownWithoutTheExceptionsClassAndSaysWhereTheDetailsAre() throws Exception {
        String said = SluiceMain.internalError(new IllegalArgumentException("port out of range:99999"));
        assertThat(said).startsWith("sluice: internal error: port out of range:99999. This is a bug in sluice;"
                + " please report it with ").endsWith(", which holds the details")
                .doesNotContain("IllegalArgumentException");
        java.nio.file.Path file = java.nio.file.Path.of(said.substring(said.indexOf(" with ") + 6,
                said.indexOf(", which holds")));
        assertThat(file).as("the stack trace, in a file of its own").content()
                .contains("java.lang.IllegalArgumentException: port out of range:99999").contains("\tat ");
        java.nio.file.Files.delete(file);
        String npe = SluiceMain.internalError(new NullPointerException());
        assertThat(npe).contains("internal error: an unexpected failure.").doesNotContain("NullPointerException");
        java.nio.file.Files.deleteIfExists(java.nio.file.Path.of(npe.substring(npe.indexOf(" with ") + 6,
                npe.indexOf(", which holds"))));
    }
}
