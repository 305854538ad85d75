package dev.sluice.host.serve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.host.config.ConfigLoader;
import dev.sluice.host.config.EffectiveProcess;
import dev.sluice.host.config.OperatorConfig;
import dev.sluice.host.config.TaskSpec;
import dev.sluice.host.pipeline.PipelineLoader;
import dev.sluice.host.run.ProcessChecks;
import dev.sluice.spi.InvalidSettingException;
import dev.sluice.spi.TaskHandle;
import dev.sluice.spi.TaskReadinessGate;
import dev.sluice.spi.TaskRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A submission made a task of its class: what the class routes, what the task may set itself within the
 * class's settings, and what the plugins refuse, each refusal naming the submission's field.
 */
class TaskFactoryTest {
    @TempDir
    Path dir;
    private final List<TaskRequest> checked = new ArrayList<>();
    private TaskFactory factory;

    /** A gate as a GPU plugin's would be: two accelerators on this machine, and a hint it checks. */
    private final TaskReadinessGate gpuGate = new TaskReadinessGate() {
        @Override
        public String id() {
            return "gpu";
        }

        @Override
        public void prepare(TaskHandle task) {
        }

        @Override
        public void validate(TaskRequest request) {
            checked.add(request);
            if (request.resources().accelerators() > 2) {
                throw request.invalidResource("accelerators", Integer.toString(request.resources().accelerators()),
                        "this machine has 2 GPUs; ask for at most 2");
            }
            request.hints().string("gpu/share").filter(v -> !v.equals("yes") && !v.equals("no")).ifPresent(v -> {
                throw request.hints().invalid("gpu/share", v, "write yes or no");
            });
            request.hints().string("docker/image").filter(v -> v.startsWith("evil/")).ifPresent(v -> {
                throw request.hints().invalid("docker/image", v, "not in the allow-list");
            });
        }
    };

    @BeforeEach
    void setUp() throws Exception {
        Path pipeline = Files.writeString(dir.resolve("classes.yaml"), """
                name: classes
                processes:
                  cpu: {labels: [cpu], command: ["true"]}
                  gpu: {labels: [gpu], command: ["true"]}
                  box: {labels: [box], command: ["true"]}
                """);
        Path config = Files.writeString(dir.resolve("config.yaml"), """
                process:
                  withLabel:
                    cpu: {resources: {cpus: 1, time: 10m}, env: {A: class}}
                    gpu: {resources: {cpus: 2, memory: 8GiB, accelerators: 1}, hints: {gpu/share: "no"}}
                    box: {executor: docker, hints: {docker/image: "lab/base:1", docker/mounts: "/refs:/refs:ro"}}
                """);
        OperatorConfig cfg = ConfigLoader.load(config);
        Map<String, EffectiveProcess> classes = new LinkedHashMap<>();
        PipelineLoader.load(pipeline).processes().values().forEach(d -> classes.put(d.name(), cfg.resolve(d)));
        Map<String, ClassSettings> settings = Map.of(
                "cpu", ClassSettings.NONE,
                "gpu", new ClassSettings(Limit.NONE, null, new Submission.Ask(4, 16L << 30, Duration.ofHours(4), 2, null),
                        List.of("gpu/*", "files/maxWait")),
                "box", new ClassSettings(Limit.NONE, null, Submission.Ask.NONE, List.of("docker/image")));
        factory = new TaskFactory(classes, settings, new ProcessChecks(List.of(gpuGate), Map.of()), true);
    }

    private static Submission task(String cls, String image, List<String> mounts, Submission.Ask ask,
            Map<String, String> hints) {
        return new Submission(cls, new Submission.Execution(List.of("run"), null, Map.of("A", "task"), image, mounts,
                ask), hints, List.of(), null, Submission.Origin.NONE);
    }

    @Test
    void aTaskTakesItsClassAndSetsWhatTheClassLetsIt() {
        Submission s = task("gpu", null, List.of(), new Submission.Ask(null, 12L << 30, Duration.ofHours(1), 2, null),
                Map.of("gpu/share", "yes"));
        assertThat(factory.problems(s)).isEmpty();
        TaskSpec spec = factory.arrival("t-1", s).spec();
        assertThat(spec.resources()).as("its own over the class's, field by field")
                .isEqualTo(new dev.sluice.spi.Resources(2, 12L << 30, Duration.ofHours(1), 2, null));
        assertThat(spec.hints()).containsEntry("gpu/share", "yes");
        assertThat(spec.env()).containsEntry("A", "task");
        assertThat(checked).last().satisfies(r -> assertThat(r.resources().accelerators()).isEqualTo(2));

        TaskSpec plain = factory.arrival("t-2", task("cpu", null, List.of(), Submission.Ask.NONE, Map.of())).spec();
        assertThat(plain.resources()).isEqualTo(new dev.sluice.spi.Resources(1, 0, Duration.ofMinutes(10), 0, null));
    }

    @Test
    void aTaskOnDockerGivesItsImageAndMountsAfterTheClasses() {
        Submission s = task("box", "lab/align:2", List.of("/data/run7:/in:ro"), Submission.Ask.NONE, Map.of());
        assertThat(factory.problems(s)).isEmpty();
        Map<String, String> hints = factory.arrival("t-1", s).spec().hints();
        assertThat(hints).containsEntry("docker/image", "lab/align:2")
                .containsEntry("docker/mounts", "/refs:/refs:ro,/data/run7:/in:ro");
    }

    @Test
    void whatTheClassDoesNotLetATaskSetIsRefusedByField() {
        assertThat(factory.problems(task("cpu", "lab/x:1", List.of(), Submission.Ask.NONE, Map.of())))
                .singleElement().satisfies(p -> {
                    assertThat(p.field()).isEqualTo("execution.image");
                    assertThat(p.message()).isEqualTo("class 'cpu' runs its tasks on the local executor, in no"
                            + " container; send the task to a class that runs containers, or the operator sets"
                            + " serve.classes.cpu.container (docker or apptainer)");
                });
        assertThat(factory.problems(task("cpu", null, List.of(), Submission.Ask.NONE, Map.of("files/skip", "true"))))
                .singleElement().satisfies(p -> {
                    assertThat(p.field()).isEqualTo("hints.files/skip");
                    assertThat(p.message()).isEqualTo("class 'cpu' does not let a task set the hint 'files/skip'; it"
                            + " lets a task set no hints (the operator's serve.classes.cpu.taskHints)");
                });
        assertThat(factory.problems(task("gpu", null, List.of(), new Submission.Ask(8, 32L << 30, Duration.ofHours(5),
                null, null), Map.of()))).extracting(TaskFactory.Problem::field).containsExactly(
                        "execution.resources.cpus", "execution.resources.memory", "execution.resources.time");
        assertThat(factory.problems(task("box", "lab/a:1", List.of(), Submission.Ask.NONE,
                Map.of("docker/image", "lab/b:1")))).singleElement().satisfies(p -> assertThat(p.message())
                        .isEqualTo("the task gives execution.image too; give one of them"));
    }

    @Test
    void aProgramNotOnThePathIsRefusedWithoutShowingTheHostsPath() throws Exception {
        TaskFactory local = new TaskFactory(Map.of("cpu", factory.classes().get("cpu")), Map.of(),
                new ProcessChecks(List.of(), Map.of()), false);
        Submission s = new Submission("cpu", new Submission.Execution(List.of("no-such-program-here"), null, Map.of(),
                null, List.of(), Submission.Ask.NONE), Map.of(), List.of(), null, Submission.Origin.NONE);
        assertThat(local.problems(s)).singleElement().satisfies(p -> {
            assertThat(p.field()).isEqualTo("execution.command");
            assertThat(p.message()).isEqualTo("command 'no-such-program-here' was not found on the service's PATH;"
                    + " give the program's full path, or ask the operator to install it");
        });
    }

    @Test
    void whatThePluginsRefuseIsSaidAtSubmissionUnderTheTasksOwnField() {
        assertThat(factory.problems(task("gpu", null, List.of(), Submission.Ask.NONE, Map.of("gpu/share", "maybe"))))
                .singleElement().satisfies(p -> {
                    assertThat(p.field()).isEqualTo("hints.gpu/share");
                    assertThat(p.message()).contains("write yes or no").contains("the task (class 'gpu')");
                });
        assertThat(factory.problems(task("box", "evil/miner:1", List.of(), Submission.Ask.NONE, Map.of())))
                .singleElement().satisfies(p -> {
                    assertThat(p.field()).isEqualTo("execution.image");
                    assertThat(p.message()).contains("not in the allow-list");
                });
        // A class with no bound of its own: the gate's own bound still holds.
        assertThat(factory.problems(task("cpu", null, List.of(), new Submission.Ask(null, null, null, 3, null),
                Map.of()))).singleElement().satisfies(p -> {
                    assertThat(p.field()).isEqualTo("execution.resources.accelerators");
                    assertThat(p.message()).contains("this machine has 2 GPUs; ask for at most 2");
                });
        checked.clear();
        assertThat(factory.problems(task("cpu", null, List.of(), Submission.Ask.NONE, Map.of()))).isEmpty();
        assertThat(checked).as("a task that sets nothing of its own was checked with its class, at start").isEmpty();
    }
}
