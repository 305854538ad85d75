package dev.sluice.plugins.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.spi.Hints;
import dev.sluice.spi.InvalidSettingException;
import dev.sluice.spi.TaskException;
import dev.sluice.spi.testing.TestPluginContext;
import dev.sluice.spi.testing.TestTaskHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The allow-list against a fake engine, for every form of rule and of reference: an image it refuses
 * never reaches the engine (no lookup, no pull), and {@code sluice validate} refuses exactly what the gate
 * refuses at run time.
 */
class ImageGateAllowListTest {
    private static final String PIN = "sha256:" + "ab".repeat(32);
    private static final String OTHER = "sha256:" + "cd".repeat(32);

    private final FakeEngine engine = new FakeEngine();

    private ImageGate gate(String rules, String pull) {
        return new ImageGate(TestPluginContext.of("docker").withConfig(Map.of("allowedImages", rules, "pull", pull)),
                host -> engine);
    }

    private static TestTaskHandle task(String image) {
        return TestTaskHandle.of("t1").withHints(Map.of(TaskOptions.IMAGE, image)).withExecutor(DockerExecutor.NAME);
    }

    /** Rules, then the images they allow, then those they refuse. */
    private static final List<Object[]> CASES = List.of(
            new Object[] {"busybox",
                    List.of("busybox", "busybox:latest", "docker.io/library/busybox", "library/busybox:latest",
                            "index.docker.io/library/busybox:latest"),
                    List.of("busybox:1.36", "busybox@" + PIN, "busybox:latest@" + PIN, "evil.example/busybox",
                            "registry.local:5000/busybox", "busybox2")},
            new Object[] {"busybox:1.36",
                    List.of("busybox:1.36", "docker.io/library/busybox:1.36"),
                    List.of("busybox", "busybox:1.37", "busybox:1.36@" + PIN, "localhost:5000/busybox:1.36")},
            new Object[] {"lab/tool@" + PIN,
                    List.of("lab/tool@" + PIN, "docker.io/lab/tool@" + PIN, "lab/tool:2@" + PIN),
                    List.of("lab/tool:2", "lab/tool", "lab/tool@" + OTHER, "evil.example/lab/tool@" + PIN,
                            "registry.local:5000/lab/tool@" + PIN, "other/tool@" + PIN)},
            new Object[] {"registry.local:5000/lab/tool:2@" + PIN,
                    List.of("registry.local:5000/lab/tool@" + PIN, "registry.local:5000/lab/tool:9@" + PIN),
                    List.of("registry.local:5000/lab/tool:2", "lab/tool@" + PIN, "registry.local/lab/tool@" + PIN)},
            new Object[] {PIN,
                    List.of("lab/tool@" + PIN, "registry.local:5000/x:1@" + PIN),
                    List.of("lab/tool:2", "lab/tool@" + OTHER, OTHER)},
            new Object[] {"lab/*@" + PIN,
                    List.of("lab/tool@" + PIN, "lab/other:3@" + PIN),
                    List.of("lab/tool:3", "evil/tool@" + PIN, "lab/tool@" + OTHER, "lab/deep/tool@" + PIN)},
            new Object[] {"registry.local:5000/lab/*",
                    List.of("registry.local:5000/lab/tool:2", "registry.local:5000/lab/tool",
                            "registry.local:5000/lab/tool@" + PIN),
                    List.of("registry.local/lab/tool:2", "registry.local:5000/lab/deep/tool:2", "lab/tool:2")},
            new Object[] {"busybox:1.*",
                    List.of("busybox:1.36", "docker.io/library/busybox:1.36"),
                    List.of("busybox:latest", "busybox", "busybox:1.36@" + PIN, "busybox@" + PIN)},
            new Object[] {"mirror.local/**",
                    List.of("mirror.local/a/b/c:1", "mirror.local/a@" + PIN),
                    List.of("mirror.local:5000/a:1", "a/mirror.local/b:1")});

    static Stream<Arguments> refused() {
        List<Arguments> all = new ArrayList<>();
        for (Object[] c : CASES) {
            for (Object image : (List<?>) c[2]) {
                all.add(Arguments.of(c[0], image));
            }
        }
        return all.stream();
    }

    static Stream<Arguments> allowed() {
        List<Arguments> all = new ArrayList<>();
        for (Object[] c : CASES) {
            for (Object image : (List<?>) c[1]) {
                all.add(Arguments.of(c[0], image));
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0} refuses {1}")
    @MethodSource("refused")
    void aRefusedImageNeverReachesTheEngineAndValidateRefusesItToo(String rules, String image) {
        for (String pull : List.of("missing", "always")) {
            ImageGate gate = gate(rules, pull);
            engine.registry.put(image, new Engine.ImageInfo(OTHER, List.of()));
            assertThatThrownBy(() -> gate.prepare(task(image))).isInstanceOf(TaskException.class)
                    .hasMessageContaining("image '" + image + "' of process 'test'")
                    .hasMessageContaining("plugins.docker.allowedImages: " + rules);
            assertThat(engine.calls).as("requests to the engine under pull: %s", pull).isEmpty();
            assertThat(engine.images).isEmpty();
            assertThatThrownBy(() -> gate.validateHints(Hints.of(Map.of(TaskOptions.IMAGE, image), "process 'p'")))
                    .isInstanceOf(InvalidSettingException.class).hasMessageContaining(image);
        }
    }

    @ParameterizedTest(name = "{0} allows {1}")
    @MethodSource("allowed")
    void anAllowedImageIsPulledAndValidatePassesIt(String rules, String image) throws Exception {
        ImageGate gate = gate(rules, "missing");
        engine.registry.put(image, new Engine.ImageInfo(OTHER, List.of()));
        assertThatCode(() -> gate.validateHints(Hints.of(Map.of(TaskOptions.IMAGE, image), "process 'p'")))
                .doesNotThrowAnyException();
        gate.prepare(task(image));
        assertThat(engine.calls).containsExactly("image-inspect " + image, "pull " + image, "image-inspect " + image);
    }

    @Test
    void aTagOnlyImageUnderDigestRulesIsRefusedWithThePinToWrite() {
        ImageGate gate = gate("registry.local:5000/lab/tool@" + PIN, "missing");
        assertThatThrownBy(() -> gate.prepare(task("registry.local:5000/lab/tool:2")))
                .hasMessage("image 'registry.local:5000/lab/tool:2' of process 'test' is not in the operator's "
                        + "allow-list (plugins.docker.allowedImages: registry.local:5000/lab/tool@" + PIN + "): it is "
                        + "named by tag only, and the list allows registry.local:5000/lab/tool only pinned by digest, "
                        + "since a tag can move; pin it, e.g. docker/image: registry.local:5000/lab/tool@" + PIN);
        assertThatThrownBy(() -> gate.prepare(task("other/tool:1")))
                .hasMessageContaining("named by tag only").hasMessageContaining("docker/image: other/tool@sha256:<digest>");
        assertThat(engine.calls).isEmpty();
    }

    @Test
    void dockerSkipDoesNotSkipTheAllowList() {
        ImageGate gate = gate("lab/*", "missing");
        TestTaskHandle skipping = TestTaskHandle.of("t1").withHints(Map.of(TaskOptions.IMAGE, "evil.example/x:1",
                "docker/skip", "true")).withExecutor(DockerExecutor.NAME);
        assertThatThrownBy(() -> gate.prepare(skipping)).hasMessageContaining("evil.example/x:1");
        assertThat(engine.calls).isEmpty();
    }

    @Test
    void anImageIdAllowedByABareDigestIsLookedUpButNeverPulled() {
        ImageGate gate = gate(PIN, "always");
        assertThatThrownBy(() -> gate.prepare(task(PIN))).hasMessageContaining("an id cannot be pulled");
        assertThat(engine.calls).containsExactly("image-inspect " + PIN);
    }
}
