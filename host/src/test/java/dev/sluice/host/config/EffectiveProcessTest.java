package dev.sluice.host.config;

import static dev.sluice.host.pipeline.TestFiles.write;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.host.pipeline.Pipeline;
import dev.sluice.host.pipeline.PipelineLoader;
import dev.sluice.host.pipeline.TestFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EffectiveProcessTest {
    @TempDir
    Path dir;

    private List<TaskSpec> tasks(String yaml, String process) throws Exception {
        return tasks(yaml, process, OperatorConfig.empty());
    }

    private List<TaskSpec> tasks(String yaml, String process, OperatorConfig config) throws Exception {
        Pipeline p = PipelineLoader.load(write(dir, "p.yaml", yaml));
        return config.resolve(p.processes().get(process)).expand(p.baseDir());
    }

    @Test
    void aMatrixExpandsToOneTaskPerCombinationWithNamesAndParams() throws Exception {
        Pipeline p = PipelineLoader.load(TestFiles.example("hello.yaml"));

        List<TaskSpec> fetch = OperatorConfig.empty().resolve(p.processes().get("fetch")).expand(p.baseDir());

        assertThat(fetch).hasSize(6);
        assertThat(fetch).extracting(TaskSpec::name).containsExactly(
                "fetch (sample=a, ref=hg38)", "fetch (sample=a, ref=t2t)", "fetch (sample=b, ref=hg38)",
                "fetch (sample=b, ref=t2t)", "fetch (sample=c, ref=hg38)", "fetch (sample=c, ref=t2t)");
        assertThat(fetch).extracting(TaskSpec::index).containsExactly(0, 1, 2, 3, 4, 5);
        assertThat(fetch).allSatisfy(t -> assertThat(t.processName()).isEqualTo("fetch"));
        TaskSpec third = fetch.get(2);
        assertThat(third.params()).containsExactly(Map.entry("sample", "b"), Map.entry("ref", "hg38"));
        assertThat(third.argv()).containsExactly("curl", "-o", "out.txt", "https://x/b");
        assertThat(third.script()).isNull();
    }

    @Test
    void eachSubstitutesScriptEnvHintsAndInputs() throws Exception {
        List<TaskSpec> tasks = tasks("""
                processes:
                  align:
                    script: |
                      echo aligning {{ Task.Param.sample }} {{ Env.HOME }}
                    each: [{sample: a}, {sample: b}]
                    env: {SAMPLE: "{{Task.Param.sample}}", THREADS: "4"}
                    hints: {files/glob: "data/{{ Task.Param.sample }}*"}
                    inputs: ["data/{{ Task.Param.sample }}.fq", "../shared/./ref.fa", "/abs/{{ Task.Param.sample }}"]
                """, "align");

        assertThat(tasks).hasSize(2);
        TaskSpec b = tasks.get(1);
        assertThat(b.name()).isEqualTo("align (sample=b)");
        assertThat(b.argv()).isNull();
        assertThat(b.script()).isEqualTo("echo aligning b {{ Env.HOME }}\n");
        assertThat(b.env()).containsExactly(Map.entry("SAMPLE", "b"), Map.entry("THREADS", "4"));
        assertThat(b.hints()).containsExactly(Map.entry("files/glob", "data/b*"));
        Path base = dir.toAbsolutePath();
        assertThat(b.inputs()).containsExactly(base.resolve("data/b.fq"), base.getParent().resolve("shared/ref.fa"),
                Path.of("/abs/b"));
    }

    @Test
    void configHintsAndEnvAreSubstitutedToo() throws Exception {
        Path configFile = write(dir, "c.yaml", "process: {defaults: {hints: {files/glob: \"{{ Task.Param.item }}.*\"}}}\n");

        List<TaskSpec> tasks = tasks("processes: {a: {command: [x], each: [one]}}\n", "a",
                ConfigLoader.load(configFile));

        assertThat(tasks.get(0).hints()).containsExactly(Map.entry("files/glob", "one.*"));
    }

    @Test
    void aProcessWithoutFanOutIsOneTaskNamedAfterIt() throws Exception {
        List<TaskSpec> tasks = tasks("processes: {hello: {command: [echo, hi]}}\n", "hello");

        assertThat(tasks).singleElement().satisfies(t -> {
            assertThat(t.name()).isEqualTo("hello");
            assertThat(t.index()).isZero();
            assertThat(t.params()).isEmpty();
            assertThat(t.argv()).containsExactly("echo", "hi");
            assertThat(t.inputs()).isEmpty();
        });
    }

    @Test
    void theTaskHintsReadThroughTheSpiNameTheProcess() throws Exception {
        Pipeline p = PipelineLoader.load(write(dir, "p.yaml", "processes: {a: {command: [x], hints: {files/maxWait: soon}}}\n"));
        EffectiveProcess a = OperatorConfig.empty().resolve(p.processes().get("a"));

        var hints = a.hintsOf(a.expand(p.baseDir()).get(0));

        assertThat(hints.string("files/maxWait")).contains("soon");
        assertThat(hints.origin()).startsWith("process 'a' (");
    }

    @Test
    void theSameInputGivesTheSameKeyInEveryLoad() throws Exception {
        String yaml = "processes: {a: {command: [x, \"{{ Task.Param.item }}\"], each: [one, two], env: {E: v}}}\n";

        List<TaskSpec> first = tasks(yaml, "a");
        List<TaskSpec> second = tasks(yaml, "a");

        assertThat(first).extracting(TaskSpec::key).containsExactlyElementsOf(
                second.stream().map(TaskSpec::key).toList());
        assertThat(first.get(0).key()).matches("[0-9a-f]{64}");
        assertThat(first.get(0).key()).isNotEqualTo(first.get(1).key());
    }

    @Test
    void theKeyIsAPinnedHashOfTheTasksWork() {
        String key = TaskSpec.keyOf("a", Map.of("item", "one"), List.of("x", "one"), null, Map.of("E", "v"),
                List.of(Path.of("/data/one.fq")));

        // Pinned so that a change to the encoding, which would invalidate every stored key, shows up here.
        assertThat(key).isEqualTo(PINNED_KEY);
    }

    private static final String PINNED_KEY = "098a94b32f8cc53074f8cb2d6c650eef400e2887b79c2479197420d22e94cac0";

    /** The parts' checksums are written with each success for --resume to explain a changed key: pinned too. */
    @Test
    void theKeysPartsArePinnedChecksums() {
        TaskSpec argv = new TaskSpec("a", "a (item=one)", 0, Map.of("item", "one"), List.of("x", "one"), null,
                Map.of("E", "v"), Map.of(), new dev.sluice.spi.Resources(1, 0, null, 0, null), List.of(Path.of("/data/one.fq")),
                "k");
        TaskSpec script = new TaskSpec("a", "a", 0, Map.of(), null, "echo hi", Map.of(), Map.of(),
                new dev.sluice.spi.Resources(1, 0, null, 0, null), List.of(), "k");
        assertThat(argv.keyParts()).isEqualTo(PINNED_PARTS_ARGV);
        assertThat(script.keyParts()).isEqualTo(PINNED_PARTS_SCRIPT);
    }

    private static final String PINNED_PARTS_ARGV = "i=ead16f68 c=cdfdf9d5 e=9e43c0ef n=f32644cf";
    private static final String PINNED_PARTS_SCRIPT = "i=403db3ef c=d59ad492 e=48674bc7 n=48674bc7";

    @Test
    void anyChangeToTheTasksWorkChangesItsKey() {
        String base = TaskSpec.keyOf("a", Map.of("p", "1"), List.of("x"), null, Map.of("E", "v"), List.of());

        assertThat(List.of(
                TaskSpec.keyOf("b", Map.of("p", "1"), List.of("x"), null, Map.of("E", "v"), List.of()),
                TaskSpec.keyOf("a", Map.of("p", "2"), List.of("x"), null, Map.of("E", "v"), List.of()),
                TaskSpec.keyOf("a", Map.of("p", "1"), List.of("y"), null, Map.of("E", "v"), List.of()),
                TaskSpec.keyOf("a", Map.of("p", "1"), null, "x", Map.of("E", "v"), List.of()),
                TaskSpec.keyOf("a", Map.of("p", "1"), List.of("x"), null, Map.of("E", "w"), List.of()),
                TaskSpec.keyOf("a", Map.of("p", "1"), List.of("x"), null, Map.of("E", "v"), List.of(Path.of("/i")))))
                .doesNotContain(base)
                .doesNotHaveDuplicates();
    }

    @Test
    void argvElementBoundariesArePartOfTheKey() {
        assertThat(TaskSpec.keyOf("a", Map.of(), List.of("ab", "c"), null, Map.of(), List.of()))
                .isNotEqualTo(TaskSpec.keyOf("a", Map.of(), List.of("a", "bc"), null, Map.of(), List.of()));
    }

    @Test
    void theOrderParamsAndEnvAreWrittenInDoesNotChangeTheKey() throws Exception {
        List<TaskSpec> ab = tasks("processes: {a: {command: [x], each: [{p: 1, q: 2}], env: {A: x, B: y}}}\n", "a");
        List<TaskSpec> ba = tasks("processes: {a: {command: [x], each: [{q: 2, p: 1}], env: {B: y, A: x}}}\n", "a");

        assertThat(ab.get(0).key()).isEqualTo(ba.get(0).key());
    }

    @Test
    void hintsDoNotChangeTheKey() throws Exception {
        String withHint = tasks("processes: {a: {command: [x], hints: {files/maxWait: 1m}}}\n", "a").get(0).key();
        String without = tasks("processes: {a: {command: [x]}}\n", "a").get(0).key();

        assertThat(withHint).isEqualTo(without);
    }

    @Test
    void expandDoesNotTouchTheFileSystem() throws Exception {
        List<TaskSpec> tasks = tasks("processes: {a: {command: [x], inputs: [missing/file.fq]}}\n", "a");

        assertThat(tasks.get(0).inputs().get(0)).isAbsolute();
        assertThat(Files.exists(tasks.get(0).inputs().get(0))).isFalse();
    }
}
