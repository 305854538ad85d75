package dev.sluice.host.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.yaml.InvalidInputException;
import dev.sluice.yaml.Problem;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** A submission's body, read with the loaders' checks: each mistake named by place, field and fix. */
class SubmissionReaderTest {
    private static final Set<String> CLASSES = new java.util.LinkedHashSet<>(List.of("cpu_short", "gpu"));

    @Test
    void aFullSubmissionIsReadWithEveryPart() throws Exception {
        Submission s = SubmissionReader.read("""
                {"class": "gpu", "execution": {"command": ["python", "train.py"], "env": {"EPOCHS": "3"},
                   "image": "ghcr.io/lab/train:2.1", "mounts": ["/data/refs:/refs:ro", "/scratch"],
                   "resources": {"cpus": 4, "memory": "16GiB", "time": "2h", "accelerators": 1}},
                 "hints": {"files/maxWait": "10m"},
                 "callback": {"url": "https://orch.lab/hooks/1", "token": "cb-secret"},
                 "inputs": ["/data/../data/refs.fa"], "workflow_id": "wf-9", "tenant": "lab-a",
                 "context": {"step": "train", "n": [1, 2]}}""", CLASSES, new CallbackSettings(List.of("orch.lab"),
                java.time.Duration.ofHours(1), java.time.Duration.ofSeconds(5)));
        assertThat(s.taskClass()).isEqualTo("gpu");
        assertThat(s.execution().argv()).containsExactly("python", "train.py");
        assertThat(s.execution().script()).isNull();
        assertThat(s.execution().env()).containsEntry("EPOCHS", "3");
        assertThat(s.execution().image()).isEqualTo("ghcr.io/lab/train:2.1");
        assertThat(s.execution().mounts()).containsExactly("/data/refs:/refs:ro", "/scratch");
        assertThat(s.execution().resources()).isEqualTo(new Submission.Ask(4, 16L << 30, java.time.Duration.ofHours(2),
                1, null));
        assertThat(s.hints()).containsExactly(java.util.Map.entry("files/maxWait", "10m"));
        assertThat(s.callback()).isEqualTo(new Submission.Callback(java.net.URI.create("https://orch.lab/hooks/1"),
                "cb-secret"));
        assertThat(s.inputs()).containsExactly(Path.of("/data/refs.fa"));
        assertThat(s.origin().workflowId()).isEqualTo("wf-9");
        assertThat(s.origin().tenant()).isEqualTo("lab-a");
        assertThat(s.origin().context().get("n").get(1).asInt()).isEqualTo(2);
    }

    static Stream<Arguments> mistakes() {
        return Stream.of(
                Arguments.of("{\"execution\": {\"command\": [\"true\"]}}", "class",
                        "no class: add \"class\": one of cpu_short, gpu"),
                Arguments.of("{\"class\": \"gpus\", \"execution\": {\"command\": [\"true\"]}}", "class",
                        "unknown class 'gpus'; did you mean 'gpu'?; the classes are cpu_short, gpu"),
                Arguments.of("{\"class\": \"gpu\"}", "execution", "no execution: add e.g."),
                Arguments.of("{\"class\": \"gpu\", \"execution\": {\"command\": [\"a\"], \"script\": \"b\"}}",
                        "execution", "give command or script, not both"),
                Arguments.of("{\"class\": \"gpu\", \"execution\": {\"command\": []}}", "execution.command",
                        "the command is empty"),
                Arguments.of("{\"class\": \"gpu\", \"execution\": {\"script\": \"x\", \"env\": {\"1X\": \"y\"}}}",
                        "execution.env.1X", "'1X' is not an environment variable name"),
                Arguments.of("{\"class\": \"gpu\", \"execution\": {\"script\": \"x\", \"image\": \"ubu ntu\"}}",
                        "execution.image", "'ubu ntu' is not an image reference"),
                Arguments.of("{\"class\": \"gpu\", \"execution\": {\"script\": \"x\", \"mounts\": [\"data:/d\"]}}",
                        "execution.mounts", "'data:/d' is not a mount; write /host/path:/container/path"),
                Arguments.of("{\"class\": \"gpu\", \"execution\": {\"script\": \"x\", \"mounts\": [\"/a:/b:rx\"]}}",
                        "execution.mounts", "'/a:/b:rx' is not a mount"),
                Arguments.of("{\"class\": \"gpu\", \"execution\": {\"script\": \"x\", \"resources\": {\"cpus\": 0}}}",
                        "execution.resources.cpus", "at least 1"),
                Arguments.of("{\"class\": \"gpu\", \"execution\": {\"script\": \"x\", \"resources\": {\"memory\": \"lots\"}}}",
                        "execution.resources.memory", "lots"),
                Arguments.of("{\"class\": \"gpu\", \"execution\": {\"script\": \"x\", \"resources\": {\"gpus\": 1}}}",
                        "execution.resources.gpus", "unknown field 'gpus'"),
                Arguments.of("{\"class\": \"gpu\", \"execution\": {\"script\": \"x\"}, \"hints\": {\"maxWait\": \"1m\"}}",
                        "hints.maxWait", "has no plugin namespace"),
                Arguments.of("{\"class\": \"gpu\", \"execution\": {\"script\": \"x\"}, \"callback\": \"ftp://h/x\"}",
                        "callback.url", "is not an http or https URL"),
                Arguments.of("{\"class\": \"gpu\", \"execution\": {\"script\": \"x\"}, \"callback\": \"http://u:p@h/x\"}",
                        "callback.url", "no user:password in it"),
                Arguments.of("{\"class\": \"gpu\", \"execution\": {\"script\": \"x\"}, \"callback\": {\"token\": \"t\"}}",
                        "callback.url", "no url"),
                Arguments.of("{\"class\": \"gpu\", \"execution\": {\"script\": \"x\"}, \"callback\": \"http://h x/\"}",
                        "callback.url", "is not a URL"),
                Arguments.of("{\"class\": \"gpu\", \"execution\": {\"script\": \"x\"}, \"inputs\": [\"rel/x\"]}",
                        "inputs", "'rel/x' is not an absolute path"),
                Arguments.of("{\"class\": \"gpu\", \"execution\": {\"script\": \"x\"}, \"tenat\": \"a\"}", "tenat",
                        "unknown field 'tenat'; did you mean 'tenant'?"),
                Arguments.of("{\"class\": \"gpu\", \"execution\": ", "", "malformed JSON"),
                Arguments.of("", "", "the body is empty"));
    }

    @ParameterizedTest
    @MethodSource("mistakes")
    void eachMistakeIsNamedWithItsFieldAndFix(String body, String field, String message) {
        assertThatThrownBy(() -> SubmissionReader.read(body, CLASSES, CallbackSettings.DEFAULT)).isInstanceOfSatisfying(
                InvalidInputException.class, e -> assertThat(e.problems()).anySatisfy(p -> {
                    assertThat(p.field()).isEqualTo(field);
                    assertThat(p.message()).contains(message).doesNotContain("YAML").doesNotContain("Exception");
                    assertThat(p.location()).extracting(l -> l.file().toString()).isEqualTo("request body");
                }));
    }

    @Test
    void aProblemSaysWhereInTheBodyItIs() {
        assertThatThrownBy(() -> SubmissionReader.read("{\n  \"class\": \"cpu\",\n  \"execution\": {\"script\": \"x\"}\n}",
                CLASSES, CallbackSettings.DEFAULT)).isInstanceOfSatisfying(InvalidInputException.class, e -> {
                    Problem p = e.problems().get(0);
                    assertThat(p.location().line()).isEqualTo(2);
                    assertThat(p.location().column()).isEqualTo(12);
                });
    }

    @Test
    void jsonThatYamlWouldRefuseIsRead() throws Exception {
        // Tab-indented, as Go's MarshalIndent(v, "", "\t"), jq --tab and Python's indent="\t" write it; "/"
        // escaped as "\/", as PHP's json_encode and org.json write it.
        Submission s = SubmissionReader.read("{\n\t\"class\": \"gpu\",\n\t\"execution\": {\n\t\t\"script\":"
                + " \"cat \\/data\\/in.txt\"\n\t},\n\t\"inputs\": [\"\\/data\\/in.txt\"],\n\t\"context\": {\"url\":"
                + " \"http:\\/\\/x\"}\n}\n", CLASSES, CallbackSettings.DEFAULT);
        assertThat(s.taskClass()).isEqualTo("gpu");
        assertThat(s.execution().script()).isEqualTo("cat /data/in.txt");
        assertThat(s.inputs()).containsExactly(Path.of("/data/in.txt"));
        assertThat(s.origin().context().get("url").asText()).isEqualTo("http://x");
    }

    static Stream<Arguments> refusedJson() {
        String deep = "[".repeat(40) + "]".repeat(40);
        return Stream.of(
                Arguments.of("{\"class\": \"gpu\",\n \"class\": \"cpu_short\", \"execution\": {\"script\": \"x\"}}",
                        "class", "2:2", "duplicate key 'class', already set at line 1:2; remove one of them"),
                Arguments.of("{\"class\": \"gpu\", \"execution\": {\"script\": \"x\"}, \"context\": {\"a\": " + deep + "}}",
                        "context.a[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]"
                                + "[0][0][0]", "1:95",
                        "the request body nests objects and lists more than 32 deep; sluice reads at most 32 levels"),
                Arguments.of("{\"class\": \"gpu\", \"execution\": {\"script\": \"x\"}, \"context\": [" + "1".repeat(101)
                        + "]}", "context[0]", "1:60", "a number longer than 100 characters; send it as text in double quotes"),
                Arguments.of("{\"class\": \"gpu\" \"execution\": {\"script\": \"x\"}}", "", "1:17",
                        "malformed JSON at 1:17: expected ',' or '}', found '\"'"),
                Arguments.of("{\"class\": \"gpu\", \"execution\": {\"script\": \"\\q\"}}", "", "1:44",
                        "malformed JSON at 1:44: unknown escape '\\q' in a text"));
    }

    @ParameterizedTest
    @MethodSource("refusedJson")
    void jsonPastTheBoundsOrMalformedIsNamedInWordsAtItsPlace(String body, String field, String at, String message) {
        assertThatThrownBy(() -> SubmissionReader.read(body, CLASSES, CallbackSettings.DEFAULT)).isInstanceOfSatisfying(
                InvalidInputException.class, e -> {
                    assertThat(e.problems()).hasSize(1);
                    Problem p = e.problems().get(0);
                    assertThat(p.field()).isEqualTo(field);
                    assertThat(p.location().line() + ":" + p.location().column()).isEqualTo(at);
                    assertThat(p.message()).contains(message).doesNotContain("YAML").doesNotContain("Exception")
                            .doesNotContain("TAB").doesNotContain("StreamReadConstraints");
                });
    }

    @Test
    void aTenantOrWorkflowIdPast256CharactersIsRefusedWithTheLimit() throws Exception {
        String atLimit = "t".repeat(SubmissionReader.MAX_NAME_CHARS);
        Submission s = SubmissionReader.read("{\"class\": \"gpu\", \"execution\": {\"script\": \"x\"}, \"tenant\": \""
                + atLimit + "\", \"workflow_id\": \"" + atLimit + "\"}", CLASSES, CallbackSettings.DEFAULT);
        assertThat(s.origin().tenant()).isEqualTo(atLimit);
        assertThat(s.origin().workflowId()).isEqualTo(atLimit);
        String over = "\u00e9".repeat(SubmissionReader.MAX_NAME_CHARS + 1);
        assertThatThrownBy(() -> SubmissionReader.read("{\"class\": \"gpu\", \"execution\": {\"script\": \"x\"},"
                + " \"tenant\": \"" + over + "\", \"workflow_id\": \"" + "w".repeat(1024 * 1024) + "\"}", CLASSES, CallbackSettings.DEFAULT))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> {
                    // In the order of the body.
                    assertThat(e.problems()).extracting(Problem::field).containsExactly("tenant", "workflow_id");
                    assertThat(e.problems().get(1).message()).isEqualTo("workflow_id is 1048576 characters; keep it"
                            + " within 256 (it is a name, kept with every task and given back in every view)");
                    assertThat(e.problems().get(0).message()).startsWith("tenant is 257 characters; keep it within"
                            + " 256");
                    assertThat(e.problems().get(0).location().column()).isEqualTo(58);
                });
    }

    @Test
    void aCallbackGoesOnlyToAHostTheOperatorAllows() throws Exception {
        CallbackSettings only = new CallbackSettings(List.of("orch.lab", "*.hooks.lab"), java.time.Duration.ofHours(1),
                java.time.Duration.ofSeconds(5));
        String body = "{\"class\": \"gpu\", \"execution\": {\"script\": \"x\"}, \"callback\": \"%s\"}";
        assertThat(SubmissionReader.read(body.formatted("https://ORCH.lab:8443/done"), CLASSES, only).callback().url())
                .hasHost("ORCH.lab");
        assertThat(SubmissionReader.read(body.formatted("http://a.hooks.lab/x"), CLASSES, only).callback()).isNotNull();
        assertThatThrownBy(() -> SubmissionReader.read(body.formatted("http://169.254.169.254/latest"), CLASSES, only))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.problems()).singleElement()
                        .satisfies(p -> {
                            assertThat(p.field()).isEqualTo("callback.url");
                            assertThat(p.message()).isEqualTo("callbacks may not go to 169.254.169.254; the operator"
                                    + " allows orch.lab, *.hooks.lab (serve.callbacks.allowedHosts)");
                        }));
        assertThatThrownBy(() -> SubmissionReader.read(body.formatted("http://hooks.lab.evil/x"), CLASSES, only))
                .isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> SubmissionReader.read(body.formatted("http://orch.lab:99999/x"), CLASSES, only))
                .hasMessageContaining("port 99999 is past 65535");
        assertThatThrownBy(() -> SubmissionReader.read(body.formatted("http://orch_lab/x"), CLASSES, only))
                .hasMessageContaining("a host name may not hold '_'");
        assertThatThrownBy(() -> SubmissionReader.read("{\"class\": \"gpu\", \"execution\": {\"script\": \"x\"},"
                + " \"callback\": {\"url\": \"http://orch.lab/x\", \"token\": \"caf\u00e9\u007f\"}}", CLASSES, only))
                .hasMessageContaining("callback.token: the token must be 1 to 4096 visible ASCII characters");
        assertThatThrownBy(() -> SubmissionReader.read(body.formatted("http://orch.lab/x"), CLASSES,
                CallbackSettings.DEFAULT)).as("none allowed unless the operator lists them")
                .hasMessageContaining("this service sends no callbacks: its operator has listed no host");
    }

    @Test
    void idsSortByTimeAndLookLikeIds() {
        String early = TaskIds.next(1_700_000_000_000L);
        String late = TaskIds.next(1_700_000_000_001L);
        assertThat(early).hasSize(28).startsWith("t-").isLessThan(late);
        assertThat(TaskIds.looksLikeOne(early)).isTrue();
        assertThat(TaskIds.looksLikeOne("t-nope")).isFalse();
        assertThat(TaskIds.next(1L)).isNotEqualTo(TaskIds.next(1L));
    }
}
