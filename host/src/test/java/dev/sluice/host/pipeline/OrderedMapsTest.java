package dev.sluice.host.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OrderedMapsTest {
    @Test
    void aCopyKeepsTheOrderAndCannotBeChanged() {
        Map<String, String> source = new LinkedHashMap<>();
        source.put("z", "1");
        source.put("a", "2");
        source.put("m", "3");
        Map<String, String> copy = OrderedMaps.copyOf(source);
        source.put("b", "4");
        assertThat(copy.keySet()).containsExactly("z", "a", "m");
        assertThat(copy).isEqualTo(Map.of("z", "1", "a", "2", "m", "3")).hasSameHashCodeAs(Map.of("z", "1", "a", "2",
                "m", "3"));
        assertThat(copy.get("a")).isEqualTo("2");
        assertThatThrownBy(() -> copy.put("q", "5")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> copy.entrySet().iterator().next().setValue("x"))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> copy.keySet().remove("z")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void aCopyOfACopyIsTheSameMapAndSmallMapsAreCompact() {
        Map<String, String> two = OrderedMaps.copyOf(Map.of("a", "1", "b", "2"));
        assertThat(OrderedMaps.copyOf(two)).isSameAs(two);
        assertThat(OrderedMaps.copyOf(null)).isEmpty();
        assertThat(OrderedMaps.copyOf(new LinkedHashMap<>(Map.of("k", "v")))).isEqualTo(Map.of("k", "v"))
                .isInstanceOf(Map.of("k", "v").getClass());
    }
}
