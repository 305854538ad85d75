package dev.sluice.host.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sluice.yaml.InvalidInputException;
import dev.sluice.yaml.Problem;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Writes pipelines and templates for the tests of pipelines with environments, and copies the fixture templates. */
final class EnvFiles {
    private EnvFiles() {
    }

    /** Writes {@code text} to {@code dir/name} (creating directories) and returns the path. */
    static Path write(Path dir, String name, String text) {
        try {
            Path file = dir.resolve(name);
            Files.createDirectories(file.getParent());
            return Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Copies a fixture template (the openjd module's {@code src/test/resources/env}, from its test jar) into
     * {@code dir/envs/}. Read as a stream: in a jar it is no file.
     */
    static Path copyFixture(Path dir, String name) {
        try (InputStream fixture = EnvFiles.class.getResourceAsStream("/env/" + name)) {
            if (fixture == null) {
                throw new IllegalStateException("no fixture env/" + name + " on the test class path");
            }
            Path target = dir.resolve("envs").resolve(name);
            Files.createDirectories(target.getParent());
            Files.copy(fixture, target);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Loads {@code dir/p.yaml} holding {@code yaml}, which must be valid. */
    static Pipeline load(Path dir, String yaml) {
        Path file = write(dir, "p.yaml", yaml);
        try {
            return PipelineLoader.load(file);
        } catch (InvalidInputException e) {
            throw new AssertionError("expected a valid pipeline, got:\n" + e.getMessage(), e);
        }
    }

    /** The problems of {@code dir/p.yaml} holding {@code yaml}, which must be invalid. */
    static List<Problem> problems(Path dir, String yaml) {
        Path file = write(dir, "p.yaml", yaml);
        InvalidInputException e = catchThrowableOfType(InvalidInputException.class, () -> PipelineLoader.load(file));
        assertThat(e).as("loading should fail:\n" + yaml).isNotNull();
        return e.problems();
    }

    /** The one problem of {@code dir/p.yaml} holding {@code yaml}. */
    static Problem onlyProblem(Path dir, String yaml) {
        List<Problem> problems = problems(dir, yaml);
        assertThat(problems).as(problems.toString()).hasSize(1);
        return problems.get(0);
    }
}
