package dev.sluice.plugins.slurm;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.sluice.spi.CallbackEndpoint;
import dev.sluice.spi.LaunchCommand;
import dev.sluice.spi.Resources;
import dev.sluice.spi.TaskFiles;
import dev.sluice.spi.TaskLaunch;
import dev.sluice.spi.testing.TestTaskHandle;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The batch script: its directives, and its body run by bash for real (Slurm only adds the directives'
 * effects): output files, exit code, signals passed on, the time-limit marker and the callback.
 */
class BatchScriptTest {
    @TempDir
    Path dir;

    private static final BatchScript.JobOptions NONE = new BatchScript.JobOptions("", "", "", List.of(),
            BatchScript.GpuDirective.gres);

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

    private Process runScript(TaskLaunch launch, Optional<CallbackEndpoint> callback, Map<String, String> env)
            throws IOException {
        Path script = dir.resolve(BatchScript.FILE);
        Files.writeString(script, BatchScript.render(launch, List.of("--job-name=x"), callback));
        ProcessBuilder pb = new ProcessBuilder("bash", script.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve(BatchScript.LOG).toFile());
        pb.environment().put("SLURM_JOB_ID", "4242");
        pb.environment().putAll(env);
        return pb.start();
    }

    @Test
    void theTaskRunsWithItsEnvironmentAndItsExitCodeIsWrittenLast() throws Exception {
        TaskLaunch launch = launch(List.of("sh", "-c", "echo \"out $GREETING\"; echo err >&2; exit 3"),
                Map.of("GREETING", "it's a \"b c\" $HOME"), Resources.DEFAULT);
        Process p = runScript(launch, Optional.empty(), Map.of());
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(3);
        assertThat(dir.resolve(".command.out")).content().isEqualTo("out it's a \"b c\" $HOME\n");
        assertThat(dir.resolve(".command.err")).content().isEqualTo("err\n");
        assertThat(dir.resolve(".exitcode")).content().isEqualTo("3\n");
        assertThat(dir.resolve(".exitcode.tmp")).doesNotExist();
    }

    private static void awaitFile(Path file) throws InterruptedException {
        for (int i = 0; i < 400 && !Files.exists(file); i++) {
            Thread.sleep(25);
        }
        assertThat(file).exists();
    }

    @Test
    void sigtermToTheBatchShellReachesTheTaskAndItsOwnExitCodeIsKept() throws Exception {
        TaskLaunch launch = launch(List.of("sh", "-c", "trap 'echo got-term; exit 7' TERM; touch started; "
                + "sleep 30 & wait"), Map.of(), Resources.DEFAULT);
        Process p = runScript(launch, Optional.empty(), Map.of());
        awaitFile(dir.resolve("started"));
        new ProcessBuilder("kill", "-TERM", Long.toString(p.pid())).start().waitFor();
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(dir.resolve(".exitcode")).content().isEqualTo("7\n");
        assertThat(dir.resolve(".command.out")).content().isEqualTo("got-term\n");
        assertThat(dir.resolve(BatchScript.TIME_LIMIT_MARKER)).doesNotExist();
    }

    @Test
    void theTimeLimitWarningMarksTheEndAsATimeout() throws Exception {
        TaskLaunch launch = launch(List.of("sh", "-c", "touch started; sleep 30 & wait"), Map.of(), Resources.DEFAULT);
        Process p = runScript(launch, Optional.empty(), Map.of());
        awaitFile(dir.resolve("started"));
        new ProcessBuilder("kill", "-USR1", Long.toString(p.pid())).start().waitFor();
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(dir.resolve(BatchScript.TIME_LIMIT_MARKER)).exists();
        assertThat(dir.resolve(".exitcode")).content().isEqualTo("143\n");
    }

    /** A stand-in for the host's endpoint that records what arrives. */
    private record Received(String path, String auth, String body) {
    }

    private HttpServer server(BlockingQueue<Received> into) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            into.add(new Received(exchange.getRequestURI().getPath(),
                    exchange.getRequestHeaders().getFirst("Authorization"),
                    new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        server.start();
        return server;
    }

    private static CallbackEndpoint endpoint(HttpServer server) {
        URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/v1/callbacks/slurm");
        return new CallbackEndpoint() {
            @Override
            public URI url() {
                return url;
            }

            @Override
            public String token() {
                return "s3cret";
            }
        };
    }

    @Test
    void theScriptCallsBackWithItsExitCodeThroughCurl() throws Exception {
        BlockingQueue<Received> received = new LinkedBlockingQueue<>();
        HttpServer server = server(received);
        try {
            Process p = runScript(launch(List.of("sh", "-c", "exit 5"), Map.of(), Resources.DEFAULT),
                    Optional.of(endpoint(server)), Map.of());
            assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(received.poll(10, TimeUnit.SECONDS)).isEqualTo(
                    new Received("/v1/callbacks/slurm/4242", "Bearer s3cret", "5"));
        } finally {
            server.stop(0);
        }
    }

    @Test
    void withoutCurlTheScriptCallsBackThroughBashAlone() throws Exception {
        // A PATH with what the script needs besides bash's builtins, and no curl.
        Path bin = Files.createDirectories(dir.resolve("bin"));
        for (String tool : List.of("sh", "mv")) {
            Files.createSymbolicLink(bin.resolve(tool), Path.of("/bin", tool));
        }
        BlockingQueue<Received> received = new LinkedBlockingQueue<>();
        HttpServer server = server(received);
        try {
            Process p = runScript(launch(List.of("sh", "-c", "exit 0"), Map.of(), Resources.DEFAULT),
                    Optional.of(endpoint(server)), Map.of("PATH", bin.toString()));
            assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(received.poll(10, TimeUnit.SECONDS)).isEqualTo(
                    new Received("/v1/callbacks/slurm/4242", "Bearer s3cret", "0"));
        } finally {
            server.stop(0);
        }
        assertThat(dir.resolve(".exitcode")).content().isEqualTo("0\n");
    }
}
