package dev.sluice.host.run;

import dev.sluice.host.pipeline.LoaderShapes;
import dev.sluice.host.plugins.PluginLoadException;
import dev.sluice.spi.TimeSource;
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
 * What {@code sluice validate} does with a pipeline and a config, {@link RunPlan#load}, holds for
 * every pair (issue 16): a plan, or the problems named with file, line and field, or a plugin problem
 * in words; never another exception, never past the bounds of {@link dev.sluice.yaml.testing.Bounded}.
 * No plugin is installed, so a pipeline that needs one is refused, as on a bare host.
 */
class ValidatePropertiesTest {
    private static Path dir;

    @BeforeContainer
    static void makeDir() throws IOException {
        dir = Files.createTempDirectory("validate-properties");
        Files.createDirectories(dir.resolve("envs"));
        Files.createDirectories(dir.resolve("plugins"));
        Files.writeString(dir.resolve("envs/helper.yaml"), """
                specificationVersion: environment-2023-09
                environment:
                  name: Helper
                  variables: {HELPER_HOME: /opt/helper}
                """);
    }

    @AfterContainer
    static void removeDir() throws IOException {
        dev.sluice.yaml.testing.ScratchDir.deleteTree(dir);
    }

    @Provide
    Arbitrary<String> pipelines() {
        return Yamlish.documents(LoaderShapes.pipelines());
    }

    @Provide
    Arbitrary<String> configs() {
        return Yamlish.documents(LoaderShapes.configs());
    }

    @Property
    void anyPipelineAndConfigValidateOrTheirProblemsAreNamed(@ForAll("pipelines") String pipeline,
            @ForAll("configs") String config) {
        Path p = Yamlish.write(dir.resolve("p.yaml"), pipeline);
        Path c = Yamlish.write(dir.resolve("c.yaml"), config);
        String both = pipeline + "\n--- config:\n" + config;
        boolean valid = Checks.loadsOrNamesProblems(both, () -> {
            try (RunPlan plan = RunPlan.load(p, c, dir.resolve("plugins"), TimeSource.system())) {
                return plan;
            } catch (PluginLoadException e) {
                // The documented other refusal: said in words too.
                String why = Checks.javaWords(e.getMessage(), both);
                if (why != null) {
                    throw new AssertionError("the plugin problem '" + e.getMessage() + "' " + why);
                }
                return null;
            }
        });
        Statistics.collect(valid ? "valid" : "refused");
        Statistics.coverage(cov -> cov.check("valid").percentage(x -> x > 1));
    }
}
