package dev.sluice.plugins.slurm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.kit.batch.JobScript;
import dev.sluice.spi.CallbackEndpoint;
import dev.sluice.spi.LaunchCommand;
import dev.sluice.spi.Resources;
import dev.sluice.spi.TaskFiles;
import dev.sluice.spi.TaskLaunch;
import dev.sluice.spi.testing.TestTaskHandle;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The batch script's {@code #SBATCH} directives, and the script Slurm gets around them (its body is the
 * kit's {@code JobScript}, run by bash for real in the kit's tests).
 */
class BatchScriptTest {
    @TempDir
    Path dir;

    private TaskLaunch launch(List<String> argv, Map<String, String> env, Resources resources) {
        TestTaskHandle task = TestTaskHandle.of("7").withWorkDir(dir).withResources(resources);
        return new TaskLaunch(task, new LaunchCommand(argv, env, dir), TaskFiles.in(dir));
    }

    @Test
    void directivesFollowTheTasksResources() {
        Resources res = new Resources(4, 1536L * 1024 * 1024 + 1, Duration.ofMinutes(90), 2, "a100");
        List<String> d = BatchScript.directives(launch(List.of("true"), Map.of(), res), "run-1",
                new BatchScript.JobOptions("gpu", "lab", "high", List.of("--exclusive"), BatchScript.GpuDirective.gres),
                Duration.ofSeconds(60));
        assertThat(d).containsExactly("--job-name=run-1", "--chdir=" + dir, "--output=" + dir.resolve(".command.log"),
                "--nodes=1", "--ntasks=1", "--cpus-per-task=4", "--mem=1537M", "--time=0-01:30:00",
                "--signal=B:USR1@60", "--gres=gpu:a100:2", "--partition=gpu", "--account=lab", "--qos=high",
                "--exclusive");
        List<String> gpus = BatchScript.directives(launch(List.of("true"), Map.of(),
                new Resources(1, 0, Duration.ofSeconds(50), 1, null)), "run-1",
                new BatchScript.JobOptions("", "", "", List.of(), BatchScript.GpuDirective.gpus), Duration.ofSeconds(60));
        assertThat(gpus).contains("--gpus=1", "--time=0-00:00:50", "--signal=B:USR1@25").noneMatch(o -> o.startsWith("--mem"));
        assertThat(BatchScript.slurmTime(Duration.ofDays(2).plusSeconds(1).plusMillis(1))).isEqualTo("2-00:00:02");
    }

    @Test
    void theScriptHasSbatchDirectivesAndCallsBackUnderItsAttemptWithThatAttemptsTokenOnly() {
        SlurmScheduler slurm = new SlurmScheduler(null);
        CallbackEndpoint endpoint = new CallbackEndpoint() {
            @Override
            public URI url() {
                return URI.create("http://127.0.0.1:8080/v1/callbacks/slurm");
            }

            @Override
            public String token() {
                return "every-key";
            }

            @Override
            public String tokenFor(String key) {
                return "s3cret-" + key;
            }
        };
        TaskLaunch launch = launch(List.of("true"), Map.of(), Resources.DEFAULT);
        String key = launch.task().id() + "." + launch.task().attempt();
        String script = JobScript.render(launch, slurm.directivePrefix(), List.of("--job-name=x", "--nodes=1"),
                Optional.of(endpoint));
        assertThat(script).startsWith("#!/bin/bash\n#SBATCH --job-name=x\n#SBATCH --nodes=1\n")
                .contains("'http://127.0.0.1:8080/v1/callbacks/slurm/''" + key + "'")
                .contains("'s3cret-" + key + "'").doesNotContain("every-key");
    }
}
