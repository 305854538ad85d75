package dev.sluice.kit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.spi.InvalidSettingException;
import dev.sluice.spi.Settings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Host paths a task may mount: the listed folders and what is under them, as they really are. */
class HostPathAllowListTest {
    @TempDir
    Path dir;

    private HostPathAllowList list(String value) {
        return HostPathAllowList.from(Settings.of(value == null ? Map.of() : Map.of("allowedHostPaths", value),
                "plugins.x of the config"));
    }

    @Test
    void aListedFolderAndWhatIsUnderItMayBeMountedAndNothingElse() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        HostPathAllowList allowed = list(data + ", /scratch");

        assertThat(allowed.refusal(data, "s")).isNull();
        assertThat(allowed.refusal(data.resolve("refs/hg38"), "s")).as("not made yet: judged by its path").isNull();
        assertThat(allowed.refusal(Path.of("/scratch/me"), "s")).isNull();
        assertThat(allowed.refusal(dir.resolve("data-other"), "s")).as("a sibling that shares a prefix").isNotNull();
        assertThat(allowed.refusal(data.resolve("../etc"), "s")).isNotNull();
        assertThat(allowed.refusal(Path.of("/etc"), "plugins.x.allowedHostPaths")).isEqualTo("/etc is not among the"
                + " host paths the operator lets tasks mount (plugins.x.allowedHostPaths: " + data.toRealPath()
                + ", /scratch); ask the operator to add it or a folder above it, or have the operator mount it for"
                + " every task");
    }

    @Test
    void aLinkThatLeadsOutIsJudgedByWhereItLeads() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        Path etc = Files.createDirectories(dir.resolve("etc"));
        Files.createSymbolicLink(data.resolve("out"), etc);

        assertThat(list(data.toString()).refusal(data.resolve("out/passwd"), "s"))
                .startsWith(data.resolve("out/passwd") + " (really " + etc.toRealPath().resolve("passwd") + ")");
        Files.createSymbolicLink(data.resolve("dangling"), dir.resolve("not-yet"));
        assertThat(list(data.toString()).refusal(data.resolve("dangling"), "s")).as("judged by where it leads, which"
                + " cannot be told").contains("is a symbolic link that leads nowhere");
    }

    @Test
    void unsetAllowsNothingAndARelativeFolderIsRefused() {
        assertThat(list(null).refusal(Path.of("/data"), "s")).contains("(s: none)");
        assertThatThrownBy(() -> list("data")).isInstanceOf(InvalidSettingException.class)
                .hasMessageContaining("'data' is not an absolute path; list the folders tasks may mount");
    }
}
