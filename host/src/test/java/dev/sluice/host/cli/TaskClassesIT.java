package dev.sluice.host.cli;

import static dev.sluice.host.cli.SluiceProcess.column;
import static dev.sluice.host.cli.SluiceProcess.traceRows;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.host.DockerEngine;
import dev.sluice.host.SlurmCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The task-class example ({@code examples/task-classes}) as a new user runs it from the README: four
 * classes routed by label, the CPU ones for real on the local executor and Docker, the GPU ones with
 * devices handed out by the gpu plugin from a written-out inventory.
 */
class TaskClassesIT {
    private static final Path EXAMPLE = Path.of(System.getProperty("user.dir")).getParent()
            .resolve("examples/task-classes");

    @TempDir
    Path dir;

    @BeforeAll
    static void engine() {
        DockerEngine.require();
    }

    @Test
    void theFourClassesRunWhereTheConfigRoutesThemAndTheTraceEventsAndDevicesSaySo() throws Exception {
        Path work = dir.resolve("work");
        SluiceProcess.Result r = SluiceProcess.run(dir, "run", EXAMPLE.resolve("pipeline.yaml").toString(),
                "-c", EXAMPLE.resolve("try-here.yaml").toString(), "-w", work.toString(), "--progress", "off");
        assertThat(r.exitCode()).as(r.all()).isZero();

        List<String[]> rows = traceRows(r.stdout());
        Map<String, String[]> byName = rows.subList(1, rows.size()).stream()
                .collect(Collectors.toMap(row -> row[column(rows, "name")], Function.identity()));
        assertThat(byName).hasSize(8);
        Function<String, String> labels = name -> byName.get(name)[column(rows, "labels")];
        Function<String, String> gpus = name -> byName.get(name)[column(rows, "gpus")];
        assertThat(labels.apply("qc (sample=a)")).isEqualTo("cpu_short");
        assertThat(labels.apply("assemble")).isEqualTo("cpu_long");
        assertThat(labels.apply("train (fold=1)")).isEqualTo("gpu");
        assertThat(labels.apply("infer")).isEqualTo("gpu_slurm");
        assertThat(gpus.apply("qc (sample=a)")).isEqualTo("-");

        // Each GPU task held a device of its own, and saw exactly that device.
        String fold1 = gpus.apply("train (fold=1)");
        String fold2 = gpus.apply("train (fold=2)");
        assertThat(List.of(fold1, fold2)).allMatch(d -> d.startsWith("GPU-"));
        assertThat(fold1).isNotEqualTo(fold2);
        for (String fold : List.of("1", "2")) {
            String[] row = byName.get("train (fold=" + fold + ")");
            assertThat(Path.of(row[column(rows, "workdir")]).resolve(".command.out"))
                    .content().contains("fold " + fold + " trains on GPU " + row[column(rows, "gpus")]);
        }
        assertThat(gpus.apply("infer")).startsWith("GPU-");

        // cpu_long ran in a container with its limits: the executor column of the events says docker.
        Path events = work.resolve("runs").resolve(runId(r.stdout())).resolve("events.jsonl");
        List<JsonNode> lines = Files.readAllLines(events).stream().map(TaskClassesIT::json).toList();
        JsonNode assembleSubmitted = lines.stream()
                .filter(e -> e.path("event").asText().equals("task_submitted") && e.path("name").asText().equals("assemble"))
                .findFirst().orElseThrow();
        assertThat(assembleSubmitted.path("executor").asText()).isEqualTo("docker");
        assertThat(assembleSubmitted.path("labels").get(0).asText()).isEqualTo("cpu_long");
        JsonNode trainSubmitted = lines.stream()
                .filter(e -> e.path("event").asText().equals("task_submitted")
                        && e.path("name").asText().equals("train (fold=1)"))
                .findFirst().orElseThrow();
        assertThat(trainSubmitted.path("assigned").path("gpu").get(0).asText()).isEqualTo(fold1);
    }

    /**
     * The two GPU classes routed as {@code site.yaml} routes them, on this machine: {@code gpu} on Docker
     * with a device from a written-out inventory, {@code gpu_slurm} on the real Slurm cluster (whose
     * {@code .ci/slurm-up} gives the node two pretend GPUs) with the task inside Apptainer (the plugin's
     * stand-in {@code apptainer}, as these machines have no Apptainer).
     */
    @Test
    void theGpuClassesLaunchWithTheirDevicesOnDockerAndOnSlurmInsideApptainer() throws Exception {
        SlurmCluster.require();
        Path fakeApptainer = Path.of(System.getProperty("user.dir")).getParent()
                .resolve("plugins/apptainer/src/test/resources/fake-apptainer");
        Path work = dir.resolve("work");
        Path pipeline = dir.resolve("gpu-classes.yaml");
        Files.writeString(pipeline, """
                name: gpu-classes
                processes:
                  train:
                    labels: [gpu]
                    resources: {accelerators: 1}
                    errorStrategy: ignore
                    command: [true]
                  infer:
                    labels: [gpu_slurm]
                    resources: {accelerators: 1}
                    script: |
                      echo "inference on GPU $CUDA_VISIBLE_DEVICES in $SLUICE_TASK_ID"
                """);
        Path config = dir.resolve("site-here.yaml");
        Files.writeString(config, """
                process:
                  withLabel:
                    gpu:
                      executor: docker
                      hints: {docker/image: "%s"}
                    gpu_slurm:
                      executor: slurm
                      hints: {apptainer/image: "docker://registry.local/lab/infer:1"}
                executors:
                  slurm: {pollInterval: 1s}
                plugins:
                  gpu:
                    devices: ["0|GPU-00000000-0000-4000-8000-000000000000|Pretend GPU"]
                    healthCheck: false
                  apptainer:
                    apptainer: %s
                    cacheDir: %s
                    allowedImages: ["registry.local/lab/*"]
                """.formatted(DockerEngine.TEST_IMAGE, fakeApptainer, dir.resolve("sif")));
        SluiceProcess.Result r = SluiceProcess.run(dir, "run", pipeline.toString(), "-c", config.toString(),
                "-w", work.toString(), "--progress", "off", "--http-port", "0");
        List<String[]> rows = traceRows(r.stdout());
        Map<String, String[]> byName = rows.subList(1, rows.size()).stream()
                .collect(Collectors.toMap(row -> row[column(rows, "name")], Function.identity()));

        // gpu on Docker: the gate handed out the one device and the container asked the engine for it;
        // this engine has no NVIDIA runtime, and says so.
        String[] train = byName.get("train");
        assertThat(train[column(rows, "gpus")]).isEqualTo("GPU-00000000-0000-4000-8000-000000000000");
        assertThat(train[column(rows, "error")]).as(r.all()).contains("could not select device driver");

        // gpu_slurm: nothing reserved here; the batch job asked Slurm for a GPU and ran inside Apptainer
        // with --nv, and the device Slurm chose reached the task through --cleanenv.
        String[] infer = byName.get("infer");
        assertThat(infer[column(rows, "status")]).as(r.all()).isEqualTo("SUCCEEDED");
        assertThat(infer[column(rows, "gpus")]).isEqualTo("1 by slurm");
        Path inferDir = Path.of(infer[column(rows, "workdir")]);
        String script = Files.readString(inferDir.resolve(".command.run"));
        assertThat(script).contains("--gres=gpu:1").contains(fakeApptainer.toString()).contains("exec")
                .contains("--nv").contains("--cleanenv").contains(dir.resolve("sif").toString());
        assertThat(inferDir.resolve(".command.out")).content().matches("inference on GPU [01] in \\d+\\s*");
        assertThat(r.exitCode()).as(r.all()).isZero();
    }

    private static String runId(String stdout) {
        String trace = stdout.lines().filter(l -> l.startsWith("Trace: ")).findFirst().orElseThrow().substring(7);
        return Path.of(trace).getParent().getFileName().toString();
    }

    private static JsonNode json(String line) {
        try {
            return new ObjectMapper().readTree(line);
        } catch (java.io.IOException e) {
            throw new AssertionError("not JSON: " + line, e);
        }
    }
}
