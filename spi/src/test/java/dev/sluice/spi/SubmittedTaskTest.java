package dev.sluice.spi;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Written-out equality means what a record's generated one does: every component, nulls included. */
class SubmittedTaskTest {
    @Test
    void equalExactlyWhenEveryComponentIs() {
        SubmittedTask a = new SubmittedTask("7", 2, "4242");
        assertThat(a).isEqualTo(new SubmittedTask("7", 2, "4242")).hasSameHashCodeAs(new SubmittedTask("7", 2, "4242"));
        assertThat(a).isNotEqualTo(new SubmittedTask("8", 2, "4242"))
                .isNotEqualTo(new SubmittedTask("7", 3, "4242"))
                .isNotEqualTo(new SubmittedTask("7", 2, "4243"))
                .isNotEqualTo(new SubmittedTask("7", 2, null))
                .isNotEqualTo(null)
                .isNotEqualTo("7");
        assertThat(new SubmittedTask(null, 1, null)).isEqualTo(new SubmittedTask(null, 1, null))
                .hasSameHashCodeAs(new SubmittedTask(null, 1, null));
    }
}
