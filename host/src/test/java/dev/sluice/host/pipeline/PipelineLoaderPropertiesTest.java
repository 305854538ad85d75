package dev.sluice.host.pipeline;

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
 * Every pipeline file loads, or is refused with problems that name the file, a line and the field, in
 * words (issue 16): valid-shaped pipelines of {@link LoaderShapes} mutated, damaged and mixed with
 * random YAML, each within the time and memory bounds of {@link dev.sluice.yaml.testing.Bounded}.
 */
class PipelineLoaderPropertiesTest {
    static final String HELPER_TEMPLATE = """
            specificationVersion: environment-2023-09
            environment:
              name: Helper
              variables: {HELPER_HOME: /opt/helper}
            """;

    private static Path dir;

    @BeforeContainer
    static void makeDir() throws IOException {
        dir = Files.createTempDirectory("pipeline-properties");
        Files.createDirectories(dir.resolve("envs"));
        Files.writeString(dir.resolve("envs/helper.yaml"), HELPER_TEMPLATE);
    }

    @AfterContainer
    static void removeDir() throws IOException {
        dev.sluice.yaml.testing.ScratchDir.deleteTree(dir);
    }

    @Provide
    Arbitrary<String> pipelines() {
        return Yamlish.documents(LoaderShapes.pipelines());
    }

    @Property
    void anyPipelineLoadsOrItsProblemsAreNamed(@ForAll("pipelines") String text) {
        Path file = Yamlish.write(dir.resolve("p.yaml"), text);
        boolean loaded = Checks.loadsOrNamesProblems(text, () -> PipelineLoader.load(file));
        Statistics.collect(loaded ? "loaded" : "refused");
        // The shapes load often enough that the checks behind the parser are passed, not only failed.
        Statistics.coverage(c -> c.check("loaded").percentage(p -> p > 2));
    }
}
