package dev.sluice.host.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PluginProjectTest {
    @TempDir
    Path dir;

    @Test
    void namesFollowTheIdAndTheKind() {
        PluginProject project = new PluginProject("disk-space", PluginProject.Kind.MONITOR, "org.example.ds",
                "org.example", "Watches disks & <things>", "9.9.9");
        assertThat(project.className()).isEqualTo("DiskSpaceMonitor");
        assertThat(PluginProject.defaultPackage("disk-space")).isEqualTo("org.example.sluice.diskspace");
    }

    @Test
    void everyTemplatePlaceholderIsFilledIn() throws Exception {
        for (PluginProject.Kind kind : PluginProject.Kind.values()) {
            Path target = dir.resolve(kind.word());
            List<Path> files = new PluginProject("disk-space", kind, "org.example.ds", "org.example",
                    "Watches disks & <things>", "9.9.9").writeTo(target);
            assertThat(files).hasSize(7);
            for (Path file : files) {
                assertThat(Files.readString(file)).as(file.toString()).doesNotContainPattern("@[A-Z_]+@");
            }
            String pom = Files.readString(target.resolve("pom.xml"));
            assertThat(pom).contains("<version>9.9.9</version>", "<plugin.id>disk-space</plugin.id>",
                    "Watches disks &amp; &lt;things&gt;", "<artifactId>sluice-plugin-disk-space</artifactId>");
            String name = "DiskSpace" + kind.name().charAt(0) + kind.name().substring(1).toLowerCase();
            assertThat(target.resolve("src/main/java/org/example/ds/" + name + ".java")).exists();
            assertThat(target.resolve("src/test/java/org/example/ds/" + name + "IT.java")).exists();
        }
    }

    @Test
    void badNamesAreRefusedEachWithWhatToWrite() {
        assertThat(PluginProject.problems("Disk_Space", "9bad", "org example")).hasSize(3)
                .anySatisfy(p -> assertThat(p).startsWith("plugin id 'Disk_Space'").contains("'disk-space'"))
                .anySatisfy(p -> assertThat(p).startsWith("--package '9bad'"))
                .anySatisfy(p -> assertThat(p).startsWith("--group-id 'org example'"));
        assertThat(PluginProject.problems("quota", null, "org.example")).isEmpty();
        assertThat(PluginProject.problems("default", null, "org.example")).singleElement().asString()
                .contains("org.example.sluice.default").contains("Java keyword 'default'").contains("--package");
        assertThat(PluginProject.problems("quota", "org.new.quota", "org.example")).singleElement().asString()
                .startsWith("--package 'org.new.quota' holds the Java keyword 'new'");
    }

    @Test
    void theCommandRefusesAnUnknownTypeAndAFullDirectory() throws Exception {
        Files.writeString(dir.resolve("keep.txt"), "mine");
        java.io.StringWriter err = new java.io.StringWriter();
        picocli.CommandLine cli = SluiceMain.commandLine();
        cli.setErr(new java.io.PrintWriter(err));
        int code = cli.execute("plugins", "new", "quota", "--type", "filter", "--dir", dir.toString());
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("--type 'filter': write gate, executor, wrapper or monitor")
                .contains("already exists and is not empty");
        assertThat(dir.resolve("pom.xml")).doesNotExist();
    }
}
