package dev.sluice.kit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.spi.InvalidSettingException;
import dev.sluice.spi.Settings;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ImageAllowListTest {
    private static final String PINNED = "sha256:" + "ab".repeat(32);

    private static ImageAllowList list(String value) {
        return ImageAllowList.from(Settings.of(Map.of("allowedImages", value), "plugins.x of the config"),
                "allowedImages");
    }

    @Test
    void emptyAllowsEverything() {
        ImageAllowList any = ImageAllowList.from(Settings.of(Map.of(), "o"), "allowedImages");
        assertThat(any.allowsAny()).isTrue();
        assertThat(any.allowsByName("anything:1")).isTrue();
    }

    @Test
    void globsDoNotCrossSlashesButDoubleStarDoes() {
        ImageAllowList s = list("registry.local/lab/*\nbusybox:1.*\nmirror.local/**");
        assertThat(s.allowsByName("registry.local/lab/tool:2")).isTrue();
        assertThat(s.allowsByName("registry.local/lab/deep/tool:2")).isFalse();
        assertThat(s.allowsByName("busybox:1.36")).isTrue();
        assertThat(s.allowsByName("busybox:latest")).isFalse();
        assertThat(s.allowsByName("mirror.local/a/b/c:1")).isTrue();
        assertThat(s.allowsByName("evil.example/miner")).isFalse();
        assertThat(s.describe()).isEqualTo("registry.local/lab/*, busybox:1.*, mirror.local/**");
    }

    @Test
    void aGlobWithoutTagMatchesTheDefaultTag() {
        assertThat(list("busybox:latest").allowsByName("busybox")).isTrue();
    }

    @Test
    void pinnedDigestAllowsWhatResolvesToThatContent() {
        ImageAllowList s = list("lab/tool@" + PINNED + ", busybox:*");
        assertThat(s.allowsByName("lab/tool@" + PINNED)).isTrue();
        assertThat(s.allowsByName("lab/tool:2")).as("only its content can tell").isNull();
        assertThat(s.allows("lab/tool:2", "sha256:" + "cd".repeat(32), List.of("lab/tool@" + PINNED))).isTrue();
        assertThat(s.allows("lab/tool:3", "sha256:" + "cd".repeat(32), List.of("lab/tool@sha256:" + "ef".repeat(32))))
                .isFalse();
        assertThat(list(PINNED).allows("local/imported:1", PINNED, List.of())).isTrue();
    }

    @Test
    void badEntriesNameTheKeyAndTheFix() {
        assertThatThrownBy(() -> list("lab@sha256:nothex")).isInstanceOf(InvalidSettingException.class)
                .hasMessageContaining("'allowedImages' = 'lab@sha256:nothex' in plugins.x of the config")
                .hasMessageContaining("pinned digest");
        assertThatThrownBy(() -> list("a b")).hasMessageContaining("image glob");
    }

    @Test
    void referencesAreCheckedLikeARegistryWould() {
        assertThat(ImageRefs.problem("127.0.0.1:5000/sluice-test/pullable:1")).isEmpty();
        assertThat(ImageRefs.problem("busybox@sha256:" + "ab".repeat(32))).isEmpty();
        assertThat(ImageRefs.problem("Lab/Tool:2")).get().asString().contains("lower-case");
        assertThat(ImageRefs.problem(" ")).isPresent();
        assertThat(ImageRefs.withDefaultTag("registry.local:5000/lab/tool")).isEqualTo("registry.local:5000/lab/tool:latest");
    }
}
