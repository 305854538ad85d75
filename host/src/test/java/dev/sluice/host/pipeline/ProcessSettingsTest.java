package dev.sluice.host.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProcessSettingsTest {

    @Test
    void eachFieldTheLaterLayerSetsWinsAndTheOthersStay() {
        ProcessSettings earlier = ProcessSettings.builder().executor("local").cpus(2).memoryBytes(100L)
                .errorStrategy(ErrorStrategy.FINISH).queueSize(3).build();
        ProcessSettings later = ProcessSettings.builder().cpus(8).time(Duration.ofHours(1))
                .errorStrategy(ErrorStrategy.RETRY).build();

        ProcessSettings merged = earlier.overriddenBy(later);

        assertThat(merged).isEqualTo(ProcessSettings.builder().executor("local").cpus(8).memoryBytes(100L)
                .time(Duration.ofHours(1)).errorStrategy(ErrorStrategy.RETRY).queueSize(3).build());
    }

    @Test
    void hintsAndEnvMergeKeyByKeyTheLaterValueWinning() {
        ProcessSettings earlier = ProcessSettings.builder().hint("files/maxWait", "10m").hint("files/skip", "false")
                .env("A", "1").build();
        ProcessSettings later = ProcessSettings.builder().hint("files/maxWait", "1h").env("B", "2").build();

        ProcessSettings merged = earlier.overriddenBy(later);

        assertThat(merged.hints()).containsExactly(Map.entry("files/maxWait", "1h"), Map.entry("files/skip", "false"));
        assertThat(merged.env()).containsExactly(Map.entry("A", "1"), Map.entry("B", "2"));
    }

    @Test
    void anEmptyLayerChangesNothing() {
        ProcessSettings s = ProcessSettings.builder().executor("slurm").hint("a/b", "c").pollInterval(Duration.ofSeconds(5))
                .build();

        assertThat(s.overriddenBy(ProcessSettings.NONE)).isEqualTo(s);
        assertThat(ProcessSettings.NONE.overriddenBy(s)).isEqualTo(s);
    }

    @Test
    void everyComponentIsOverridable() {
        ProcessSettings all = ProcessSettings.builder().executor("e").cpus(1).memoryBytes(1L).time(Duration.ofSeconds(1))
                .accelerators(1).acceleratorType("t").hint("a/b", "c").env("E", "v")
                .errorStrategy(ErrorStrategy.IGNORE).maxRetries(1).retryBackoff(Backoff.DEFAULT).queueSize(1)
                .submitRateLimit(RateLimit.parse("1/s")).pollInterval(Duration.ofSeconds(1)).build();

        assertThat(ProcessSettings.NONE.overriddenBy(all)).isEqualTo(all);
        assertThat(all.isEmpty()).isFalse();
        assertThat(ProcessSettings.NONE.isEmpty()).isTrue();
        assertThat(all.toBuilder().build()).isEqualTo(all);
    }

    @Test
    void nullMapsBecomeEmptyMaps() {
        ProcessSettings s = new ProcessSettings(null, null, null, null, null, null, null, null, null, null, null, null,
                null, null, null);

        assertThat(s.hints()).isEmpty();
        assertThat(s.env()).isEmpty();
        assertThat(s).isEqualTo(ProcessSettings.NONE);
    }

    @Test
    void aLayerIsEmptyExactlyWhenItEqualsNone() throws Exception {
        List<java.util.function.UnaryOperator<ProcessSettings.Builder>> eachAlone = List.of(
                b -> b.executor("e"), b -> b.cpus(1), b -> b.memoryBytes(1L), b -> b.time(Duration.ofSeconds(1)),
                b -> b.accelerators(1), b -> b.acceleratorType("t"), b -> b.hint("a/b", "c"), b -> b.env("E", "v"),
                b -> b.errorStrategy(ErrorStrategy.IGNORE), b -> b.maxRetries(1), b -> b.retryBackoff(Backoff.DEFAULT),
                b -> b.queueSize(1), b -> b.submitRateLimit(RateLimit.parse("1/s")),
                b -> b.pollInterval(Duration.ofSeconds(1)), b -> b.cache(CacheMode.values()[0]));
        // Each sets exactly one component, and together they set every one: a component added without its
        // check in isEmpty() fails here.
        java.util.Set<String> covered = new java.util.HashSet<>();
        for (var set : eachAlone) {
            ProcessSettings one = set.apply(ProcessSettings.builder()).build();
            List<String> differing = new java.util.ArrayList<>();
            for (java.lang.reflect.RecordComponent c : ProcessSettings.class.getRecordComponents()) {
                if (!java.util.Objects.equals(c.getAccessor().invoke(one), c.getAccessor().invoke(ProcessSettings.NONE))) {
                    differing.add(c.getName());
                }
            }
            assertThat(differing).as("%s", one).hasSize(1);
            covered.addAll(differing);
            assertThat(one.isEmpty()).as("%s", one).isFalse().isEqualTo(one.equals(ProcessSettings.NONE));
        }
        assertThat(covered).containsExactlyInAnyOrder(java.util.Arrays.stream(ProcessSettings.class.getRecordComponents())
                .map(java.lang.reflect.RecordComponent::getName).toArray(String[]::new));
        assertThat(ProcessSettings.NONE.isEmpty()).isTrue();
        assertThat(ProcessSettings.builder().build().isEmpty()).isTrue();
    }
}
