package dev.sluice.plugins.apptainer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Which of Apptainer's words make a failed pull worth another try. */
class PullFailureTest {
    private static final String PREFIX = "FATAL:   While making image from oci registry: error fetching image to cache: ";

    private static PullFailure of(String words) {
        return PullFailure.of(List.of("INFO:    Converting OCI blobs to SIF format", PREFIX + words), 255);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            // Go's resolver: NXDOMAIN, SERVFAIL; glibc's through cgo
            "failed to get checksum for docker://registry.example/lab/tool:2: pinging container registry "
                    + "registry.example: Get \"https://registry.example/v2/\": dial tcp: lookup registry.example on "
                    + "127.0.0.53:53: no such host",
            "pinging container registry registry.example: Get \"https://registry.example/v2/\": dial tcp: lookup "
                    + "registry.example on 10.0.0.2:53: server misbehaving",
            "dial tcp: lookup registry.example: Temporary failure in name resolution",
            "dial tcp: lookup registry.example: Name or service not known",
            // The reference's own words are no verdict when the registry was never reached.
            "failed to get checksum for docker://registry.example/lab/access-denied:2: dial tcp: lookup "
                    + "registry.example: no such host",
            "reading manifest: received unexpected HTTP status: 503 Service Unavailable",
            "Get \"https://registry.example/v2/\": dial tcp 10.0.0.9:443: connect: connection refused",
            "reading blob sha256:abc: unexpected EOF",
            "toomanyrequests: You have reached your pull rate limit (429 Too Many Requests)",
    })
    void networkAndRegistryHiccupsAreRetried(String words) {
        PullFailure failure = of(words);
        assertThat(failure.retryable()).as(words).isTrue();
        assertThat(failure.message()).startsWith("While making image").contains(words);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "reading manifest 9 in registry.local/lab/tool: manifest unknown: manifest unknown",
            "initializing source docker://lab/tool:9: Error response from daemon: No such image: lab/tool:9",
            "open /home/u/.apptainer/docker-config.json: no such file or directory",
            "reading manifest 2 in registry.local/lab/tool: no such repository",
            "reading manifest: unauthorized: authentication required",
            "received unexpected HTTP status: 403 Forbidden",
            // Permanent words win over transient ones from the same failure.
            "received unexpected HTTP status: 404 Not Found (after a timeout and a retry)",
            // Words that say neither fail fast.
            "something nobody foresaw",
    })
    void missingImagesWrongAccessAndTheUnknownAreNot(String words) {
        assertThat(of(words).retryable()).as(words).isFalse();
    }

    @Test
    void aPullPastItsTimeLimitIsRetriedAndSaysSo() {
        assertThat(PullFailure.timedOut("30m")).isEqualTo(new PullFailure("did not finish within 30m", true));
        assertThat(PullFailure.of(List.of(), 255).message()).isEqualTo("apptainer pull exited with status 255 and said nothing");
    }
}
