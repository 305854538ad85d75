package dev.sluice.host.run;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HostVersionTest {

    /** PF4J skips every plugin.requires check when the system version is 0.0.0. */
    @Test
    void systemVersionIsReadFromTheBuildSoPluginRequirementsAreEnforced() {
        assertThat(HostVersion.systemVersion()).isNotEqualTo("0.0.0").matches("\\d+\\.\\d+\\.\\d+");
        assertThat(HostVersion.version()).startsWith(HostVersion.systemVersion());
    }
}
