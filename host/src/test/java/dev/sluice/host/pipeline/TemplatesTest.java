package dev.sluice.host.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class TemplatesTest {

    @Test
    void findsParamNamesWithOrWithoutSpacesInOrderOfFirstUse() {
        assertThat(Templates.paramNames("{{Task.Param.b}} {{ Task.Param.a }} {{  Task.Param.b  }}"))
                .containsExactly("b", "a");
    }

    @Test
    void ignoresOtherExpressions() {
        assertThat(Templates.paramNames("{{ Env.HOME }} {{ Task.Attempt }} {{ Task.Param. }} {Task.Param.x}"))
                .isEmpty();
    }

    @Test
    void substitutesKnownParamsAndLeavesEverythingElse() {
        String text = "align {{ Task.Param.sample }} on {{Task.Param.ref}} in {{ Env.HOME }} {{ Task.Param.other }}";

        assertThat(Templates.substituteParams(text, Map.of("sample", "a", "ref", "hg38")))
                .isEqualTo("align a on hg38 in {{ Env.HOME }} {{ Task.Param.other }}");
    }

    @Test
    void valuesWithDollarsAndBackslashesAreInsertedLiterally() {
        assertThat(Templates.substituteParams("x={{ Task.Param.v }}", Map.of("v", "$1\\n")))
                .isEqualTo("x=$1\\n");
    }

    @Test
    void nullAndTemplateFreeTextPassThrough() {
        assertThat(Templates.substituteParams(null, Map.of("a", "b"))).isNull();
        assertThat(Templates.substituteParams("plain", Map.of("a", "b"))).isEqualTo("plain");
    }
}
