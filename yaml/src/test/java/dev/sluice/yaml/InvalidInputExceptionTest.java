package dev.sluice.yaml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class InvalidInputExceptionTest {
    private final Path file = Path.of("hello.yaml");

    @Test
    void theMessageHasOneProblemPerLineSortedByPlace() {
        InvalidInputException e = new InvalidInputException(List.of(
                new Problem(new Location(file, 7, 5), "processes.b", "second"),
                new Problem(new Location(file, 2, 3), "processes.a.command", "first"),
                new Problem(Location.ofFile(file), "", "whole file")));

        assertThat(e.getMessage()).isEqualTo("""
                hello.yaml: whole file
                hello.yaml:2:3: processes.a.command: first
                hello.yaml:7:5: processes.b: second""");
        assertThat(e.problems()).extracting(Problem::message).containsExactly("whole file", "first", "second");
    }

    @Test
    void aProblemWithoutPlaceOrFieldIsJustItsMessage() {
        assertThat(new Problem(null, "", "no such file: x.yaml")).hasToString("no such file: x.yaml");
        assertThat(new Problem(null, null, "m").field()).isEmpty();
    }

    @Test
    void locationPrintsFileLineAndColumn() {
        assertThat(new Location(file, 12, 3)).hasToString("hello.yaml:12:3");
    }

    @Test
    void needsAtLeastOneProblem() {
        assertThatThrownBy(() -> new InvalidInputException(List.of())).isInstanceOf(IllegalArgumentException.class);
    }
}
