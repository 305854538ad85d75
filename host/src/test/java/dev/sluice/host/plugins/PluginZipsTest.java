package dev.sluice.host.plugins;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Plugin zips are checked whole before anything is written, and a bad one leaves nothing usable. */
class PluginZipsTest {
    @TempDir
    Path dir;

    private Path plugins() throws IOException {
        return Files.createDirectories(dir.resolve("plugins"));
    }

    private static Path zip(Path file, Map<String, String> entries) throws IOException {
        try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(file))) {
            for (Map.Entry<String, String> e : entries.entrySet()) {
                out.putNextEntry(new ZipEntry(e.getKey()));
                out.write(e.getValue().getBytes(StandardCharsets.UTF_8));
                out.closeEntry();
            }
        }
        return file;
    }

    private static Map<String, String> good(String id) {
        Map<String, String> entries = new LinkedHashMap<>();
        entries.put("plugin.properties", "plugin.id=" + id + "\nplugin.version=1.0.0\n");
        entries.put("classes/a.txt", "a");
        return entries;
    }

    /** Every file and directory under the test's directory, but the extraction lock. */
    private List<Path> everything() throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            return all.filter(p -> !p.getFileName().toString().equals(PluginZips.LOCK)).toList();
        }
    }

    @Test
    void aGoodZipIsExtractedBesideItselfWithAMarkerNamingItsDigest() throws Exception {
        Path zip = zip(plugins().resolve("p-1.0.0.zip"), good("p"));
        PluginZips repo = new PluginZips(plugins());

        assertThat(repo.getPluginPaths()).containsExactly(plugins().resolve("p-1.0.0"));
        assertThat(repo.broken()).isEmpty();
        assertThat(plugins().resolve("p-1.0.0/classes/a.txt")).hasContent("a");
        assertThat(PluginZips.zipSha256(plugins().resolve("p-1.0.0"))).isEqualTo(PluginZips.sha256(zip))
                .hasSize(64);
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(plugins().resolve("p-1.0.0")))).as("other users load it too")
                .isEqualTo("rwxr-xr-x");
        assertThat(everything()).as("no copy of the zip or old directory left")
                .allSatisfy(p -> assertThat(p.getFileName().toString()).doesNotStartWith(".p-1.0.0"));
    }

    @Test
    void anUpgradeLeavesOnlyTheNewVersionInstalled() throws Exception {
        Path old = zip(plugins().resolve("p-1.0.0.zip"), good("p"));
        assertThat(new PluginZips(plugins()).getPluginPaths()).containsExactly(plugins().resolve("p-1.0.0"));
        Files.delete(old);
        zip(plugins().resolve("p-1.1.0.zip"), good("p"));
        // The old extraction stays on disk, but its zip is gone: it is not a plugin any more.
        assertThat(new PluginZips(plugins()).getPluginPaths()).containsExactly(plugins().resolve("p-1.1.0"));
        assertThat(plugins().resolve("p-1.0.0")).isDirectory();
    }

    @Test
    void anEntryThatClimbsOutIsRefusedBeforeAnythingIsWrittenAndTheZipIsNotUsable() throws Exception {
        Map<String, String> entries = good("evil");
        entries.put("../../escape.txt", "x");
        zip(plugins().resolve("evil.zip"), entries);
        PluginZips repo = new PluginZips(plugins());

        assertThat(repo.getPluginPaths()).isEmpty();
        assertThat(repo.broken()).singleElement().satisfies(b -> {
            assertThat(b.id()).as("read from its descriptor, for messages").isEqualTo("evil");
            assertThat(b.problem()).isEqualTo("its entry '../../escape.txt' would be written outside the plugin's"
                    + " directory");
        });
        assertThat(everything()).as("nothing extracted, nothing left half-done, nothing outside")
                .containsExactlyInAnyOrder(dir, plugins(), plugins().resolve("evil.zip"));
    }

    @Test
    void anAbsoluteEntryAndAZipWithoutADescriptorAreRefused() throws Exception {
        Map<String, String> absolute = good("abs");
        absolute.put("/etc/x", "x");
        zip(plugins().resolve("abs.zip"), absolute);
        zip(plugins().resolve("nodesc.zip"), Map.of("classes/a.txt", "a"));
        zip(plugins().resolve("notazip.zip"), Map.of()).toFile().delete();
        Files.writeString(plugins().resolve("notazip.zip"), "not a zip");
        PluginZips repo = new PluginZips(plugins());

        assertThat(repo.getPluginPaths()).isEmpty();
        assertThat(repo.broken()).extracting(b -> b.zip().getFileName().toString() + ": " + b.problem())
                .containsExactlyInAnyOrder(
                        "abs.zip: its entry '/etc/x' would be written outside the plugin's directory",
                        "nodesc.zip: it has no plugin.properties at its top, so it is not a sluice plugin zip",
                        "notazip.zip: it is not a readable zip (zip END header not found)");
    }

    @Test
    void sizesAndEntryCountsAreBoundedByWhatIsWrittenNotWhatEntriesDeclare() throws Exception {
        Map<String, String> big = good("big");
        big.put("classes/big.bin", "x".repeat(10_000)); // compresses to a few bytes
        zip(plugins().resolve("big.zip"), big);
        Map<String, String> many = good("many");
        for (int i = 0; i < 20; i++) {
            many.put("classes/f" + i, "");
        }
        zip(plugins().resolve("many.zip"), many);
        PluginZips repo = new PluginZips(plugins(), new PluginZips.Limits(1 << 20, 5_000, 10));

        assertThat(repo.getPluginPaths()).isEmpty();
        assertThat(repo.broken()).extracting(b -> b.zip().getFileName().toString() + ": " + b.problem())
                .containsExactlyInAnyOrder(
                        "big.zip: it holds more than 5000 bytes once extracted (reached at its entry"
                                + " 'classes/big.bin')",
                        "many.zip: it has more than 10 entries");
        assertThat(everything()).as("no partial extraction left").allSatisfy(p ->
                assertThat(p.getFileName().toString()).doesNotContain("extracting"));
        PluginZips small = new PluginZips(plugins(), new PluginZips.Limits(100, 1 << 20, 100));
        assertThat(small.getPluginPaths()).isEmpty();
        assertThat(small.broken()).first().satisfies(b -> assertThat(b.problem()).startsWith("it is ")
                .endsWith("bytes, more than the 100 bytes a plugin zip may have"));
    }

    @Test
    void aChangedZipIsExtractedAgainAndABadReplacementRetiresTheOldDirectory() throws Exception {
        Path zip = zip(plugins().resolve("p.zip"), good("p"));
        PluginZips repo = new PluginZips(plugins());
        assertThat(repo.getPluginPaths()).containsExactly(plugins().resolve("p"));
        String first = PluginZips.zipSha256(plugins().resolve("p"));

        Map<String, String> second = good("p");
        second.put("classes/b.txt", "b");
        zip(zip, second);
        Files.setLastModifiedTime(zip, FileTime.fromMillis(Files.getLastModifiedTime(zip).toMillis() + 2_000));
        assertThat(repo.getPluginPaths()).containsExactly(plugins().resolve("p"));
        assertThat(plugins().resolve("p/classes/b.txt")).hasContent("b");
        assertThat(PluginZips.zipSha256(plugins().resolve("p"))).isNotEqualTo(first);

        Map<String, String> bad = good("p");
        bad.put("../x", "x");
        zip(zip, bad);
        Files.setLastModifiedTime(zip, FileTime.fromMillis(Files.getLastModifiedTime(zip).toMillis() + 4_000));
        assertThat(repo.getPluginPaths()).as("the directory of the earlier zip is not this zip's plugin").isEmpty();
        assertThat(repo.broken()).singleElement().satisfies(b -> assertThat(b.id()).isEqualTo("p"));
    }

    @Test
    void aPlainDirectoryIsAPluginAsItIsAndHiddenEntriesAreNot() throws Exception {
        Files.createDirectories(plugins().resolve("mine/classes"));
        Files.createDirectories(plugins().resolve(".hidden"));
        PluginZips repo = new PluginZips(plugins());

        assertThat(repo.getPluginPaths()).containsExactly(plugins().resolve("mine"));
        assertThat(PluginZips.zipSha256(plugins().resolve("mine"))).as("not extracted from a zip").isNull();
    }
}
