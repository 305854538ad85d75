package dev.sluice.spi.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.spi.InvalidSettingException;
import dev.sluice.spi.PluginMetrics;
import dev.sluice.spi.TimeSource;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

class TestPluginContextTest {

    @Test
    void givesThePluginItsIdConfigAndAFakeClock() throws Exception {
        TestPluginContext context = TestPluginContext.of("files");
        assertThat(context.pluginId()).isEqualTo("files");
        assertThat(context.config().keys()).isEmpty();
        assertThat(context.time()).isInstanceOf(FakeTimeSource.class);

        TestPluginContext configured = context.withConfig(Map.of("maxWait", "soon"));
        assertThatThrownBy(() -> configured.config().duration("maxWait", Duration.ZERO))
                .isInstanceOf(InvalidSettingException.class)
                .hasMessageContaining("'maxWait' = 'soon' in plugins.files of the config");

        FakeTimeSource clock = new FakeTimeSource();
        clock.advance(Duration.ofMinutes(1));
        assertThat(configured.withTime(clock).time()).isSameAs(clock);
        assertThat(configured.withTime(clock).config().string("maxWait", "")).isEqualTo("soon");
        assertThat(context.withTime(TimeSource.system()).time()).isSameAs(TimeSource.system());
        assertThat(context).isNotEqualTo(TestPluginContext.of("files"));
    }

    @Test
    void keepsCountersAndGaugesByNameAndTags() {
        TestPluginContext context = TestPluginContext.of("x");
        PluginMetrics metrics = context.metrics();
        metrics.counter("pulls", "Pulls", "outcome", "pulled").increment();
        metrics.counter("pulls", "Pulls", "outcome", "pulled").increment(2);
        metrics.counter("pulls", "Pulls", "outcome", "failed").increment();
        metrics.counter("plain", "Untagged").increment();
        AtomicInteger waiting = new AtomicInteger(3);
        metrics.gauge("waiting", "Waiting", waiting::get);

        assertThat(context.metrics().counterTotal("pulls", "outcome", "pulled")).isEqualTo(3);
        assertThat(context.metrics().counterTotal("pulls", "outcome", "failed")).isEqualTo(1);
        assertThat(context.metrics().counterTotal("pulls")).isZero();
        assertThat(context.metrics().counterTotal("plain")).isEqualTo(1);
        assertThat(context.metrics().counterTotal("never")).isZero();
        assertThat(context.metrics().counterNames()).containsExactlyInAnyOrder("pulls", "plain");
        assertThat(context.metrics().gaugeNames()).containsExactly("waiting");
        assertThat(context.metrics().gaugeValue("waiting")).isEqualTo(3);
        waiting.set(5);
        assertThat(context.metrics().gaugeValue("waiting")).as("read now, not when registered").isEqualTo(5);
        assertThatThrownBy(() -> context.metrics().gaugeValue("absent")).isInstanceOf(AssertionError.class)
                .hasMessageContaining("no gauge absent").hasMessageContaining("waiting");
    }

    @Test
    void recordsStatusesPerTaskAndTellsTheListener() {
        List<String> heard = new CopyOnWriteArrayList<>();
        TestPluginContext context = TestPluginContext.of("x")
                .withStatusListener((task, status) -> heard.add(task.id() + " " + status));
        context.reportStatus(TestTaskHandle.of("a"), "pulling");
        context.reportStatus(TestTaskHandle.of("b"), "waiting");
        context.reportStatus(TestTaskHandle.of("a"), "pulled");

        assertThat(context.statuses()).containsExactly("a: pulling", "b: waiting", "a: pulled");
        assertThat(context.statusesOf("a")).containsExactly("pulling", "pulled");
        assertThat(context.statusesOf("c")).isEmpty();
        assertThat(heard).containsExactly("a pulling", "b waiting", "a pulled");
    }

    @Test
    void itsLoggerKeepsFormattedLinesByLevel() {
        TestPluginContext context = TestPluginContext.of("gpu");
        context.logger().warn("device {} is lost: {}", 0, "no answer");
        context.logger().info("started");
        context.logger().debug("detail {}", 1, new IllegalStateException("not kept"));

        assertThat(context.logger().getName()).isEqualTo("sluice.plugin.gpu");
        assertThat(context.logger().at(Level.WARN)).containsExactly("device 0 is lost: no answer");
        assertThat(context.logger().lines()).containsExactly("WARN device 0 is lost: no answer", "INFO started",
                "DEBUG detail 1");
    }

    @Test
    void metricsFollowTheHostsRules() {
        TestPluginContext.Metrics metrics = TestPluginContext.of("gpu").metrics();
        metrics.counter("pulls_total", "pulls", "image", "a", "outcome", "ok").increment(2);
        metrics.counter("pulls", "pulls", "outcome", "ok", "image", "a").increment();
        // One counter: _total or not, tags in any order.
        assertThat(metrics.counterTotal("pulls", "outcome", "ok", "image", "a")).isEqualTo(3);
        assertThat(metrics.counterTotal("pulls_total", "image", "a", "outcome", "ok")).isEqualTo(3);

        metrics.gauge("devices", "devices", () -> 4);
        metrics.gauge("devices", "devices", () -> 9);
        assertThat(metrics.gaugeValue("devices")).as("the first registered is read, as the host does").isEqualTo(4);

        PluginMetrics.Counter pulls = metrics.counter("pulls", "pulls");
        assertThatThrownBy(() -> pulls.increment(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("counters only go up");
        assertThatThrownBy(() -> metrics.counter("Pulls", "pulls")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lower-case");
        assertThatThrownBy(() -> metrics.gauge("devices", "devices", () -> 1, "odd"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("key, value pairs");
    }
}
