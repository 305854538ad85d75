package dev.sluice.yaml;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.yaml.Suggestions;
import java.util.List;
import org.junit.jupiter.api.Test;

class SuggestionsTest {
    private final List<String> fields = List.of("command", "script", "dependsOn", "errorStrategy", "env");

    @Test
    void suggestsForOneEditInAShortWord() {
        assertThat(Suggestions.closest("comand", fields)).contains("command");
        assertThat(Suggestions.closest("enw", fields)).contains("env");
    }

    @Test
    void aSwapOfNeighboursCountsAsOneEdit() {
        assertThat(Suggestions.closest("fecth", List.of("fetch", "align"))).contains("fetch");
    }

    @Test
    void caseDoesNotCount() {
        assertThat(Suggestions.closest("DEPENDSON", fields)).contains("dependsOn");
    }

    @Test
    void longWordsAllowMoreEdits() {
        assertThat(Suggestions.closest("errorStrat", fields)).contains("errorStrategy");
        assertThat(Suggestions.closest("scr", fields)).isEmpty();
    }

    @Test
    void nothingCloseGivesNoSuggestion() {
        assertThat(Suggestions.closest("workflow", fields)).isEmpty();
        assertThat(Suggestions.didYouMean("workflow", fields)).isEmpty();
        assertThat(Suggestions.didYouMean("scirpt", fields)).isEqualTo("; did you mean 'script'?");
    }
}
