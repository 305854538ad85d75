package dev.sluice.host.config;

import dev.sluice.host.pipeline.LoaderShapes;
import dev.sluice.yaml.testing.Checks;
import dev.sluice.yaml.testing.Yamlish;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;

/**
 * Every operator config loads, or is refused with problems that name the file, a line and the field,
 * in words (issue 16), within the bounds of {@link dev.sluice.yaml.testing.Bounded}.
 */
class ConfigLoaderPropertiesTest {
    private static Path dir;

    @BeforeContainer
    static void makeDir() throws IOException {
        dir = Files.createTempDirectory("config-properties");
    }

    @AfterContainer
    static void removeDir() throws IOException {
        dev.sluice.yaml.testing.ScratchDir.deleteTree(dir);
    }

    @Provide
    Arbitrary<String> configs() {
        return Yamlish.documents(LoaderShapes.configs());
    }

    @Property
    void anyConfigLoadsOrItsProblemsAreNamed(@ForAll("configs") String text) {
        Path file = Yamlish.write(dir.resolve("c.yaml"), text);
        boolean loaded = Checks.loadsOrNamesProblems(text, () -> ConfigLoader.load(file));
        Statistics.collect(loaded ? "loaded" : "refused");
        Statistics.coverage(c -> c.check("loaded").percentage(p -> p > 2));
    }
}
