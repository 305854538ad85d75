package dev.sluice.openjd.action;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Masking registered secrets in log lines. */
class SessionSecretsTest {
    private final SessionSecrets secrets = new SessionSecrets();

    @Test
    void withoutSecretsTextIsUnchanged() {
        assertThat(secrets.redact("password=hunter2")).isEqualTo("password=hunter2");
        assertThat(secrets.isEmpty()).isTrue();
    }

    @Test
    void everyOccurrenceIsMaskedWithAFixedLengthMask() {
        secrets.register("hunter2");

        assertThat(secrets.redact("a hunter2 b hunter2hunter2 c")).isEqualTo("a ******** b ******** c");
    }

    @Test
    void overlappingSecretsBecomeOneMask() {
        secrets.register("abcd");
        secrets.register("cdef");

        assertThat(secrets.redact("xxabcdefyy")).isEqualTo("xx********yy");
    }

    @Test
    void aMultiLineSecretIsMaskedLineByLine() {
        secrets.register("-----BEGIN KEY-----\nMIIB}\n-----END KEY-----");

        assertThat(secrets.redact("key: -----BEGIN KEY-----")).isEqualTo("key: ********");
        assertThat(secrets.redact("MIIB}")).isEqualTo("********");
        // An inner line is masked as a whole line only, not wherever it occurs.
        assertThat(secrets.redact("xMIIB}x")).isEqualTo("xMIIB}x");
        assertThat(secrets.redact("-----END KEY----- done")).isEqualTo("******** done");
    }

    @Test
    void anEmptySecretIsIgnored() {
        secrets.register("");

        assertThat(secrets.isEmpty()).isTrue();
        assertThat(secrets.redact("text")).isEqualTo("text");
    }
}
