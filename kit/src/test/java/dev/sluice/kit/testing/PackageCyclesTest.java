package dev.sluice.kit.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PackageCyclesTest {
    @TempDir
    Path sources;

    @Test
    void kitPackagesHaveNoCycles() throws IOException {
        PackageCycles.assertNone(Path.of("src/main/java"), "dev.sluice.kit", 1);
    }

    @Test
    void aCycleIsFound() {
        Map<String, Set<String>> uses = new TreeMap<>();
        uses.put("a", Set.of("b"));
        uses.put("b", Set.of("c"));
        uses.put("c", Set.of("a"));
        uses.put("d", Set.of("a"));
        assertThat(PackageCycles.cycles(uses)).containsExactly(List.of("a", "b", "c"));
    }

    @Test
    void importsAndQualifiedNamesUnderTheRootAreRead() throws IOException {
        write("x/a/A.java", "package x.a;\n\nimport x.b.B;\n\nclass A { java.util.List<y.C> c; }\n");
        write("x/b/B.java", "package x.b;\n\nclass B { x.a.sub.D d; }\n");
        write("x/a/sub/D.java", "package x.a.sub;\n\nclass D { }\n");

        assertThat(PackageCycles.dependencies(sources, "x")).isEqualTo(Map.of(
                "x.a", Set.of("x.b"), "x.b", Set.of("x.a.sub"), "x.a.sub", Set.of()));
        PackageCycles.assertNone(sources, "x", 3);
    }

    @Test
    void aCycleInTheSourcesFails() throws IOException {
        write("x/a/A.java", "package x.a;\n\nimport x.b.B;\n\nclass A { }\n");
        write("x/b/B.java", "package x.b;\n\nclass B { x.a.A a; }\n");

        assertThatThrownBy(() -> PackageCycles.assertNone(sources, "x", 2))
                .hasMessageContaining("package cycles under x")
                .hasMessageContaining("[[\"x.a\", \"x.b\"]]");
    }

    @Test
    void tooFewPackagesFail() throws IOException {
        write("x/a/A.java", "package x.a;\n\nclass A { }\n");

        assertThatThrownBy(() -> PackageCycles.assertNone(sources, "x", 2)).hasMessageContaining("packages read from");
    }

    private void write(String name, String text) throws IOException {
        Path file = sources.resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }
}
