package dev.sluice.kit.batch;

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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The batch script's body, run by bash for real (a scheduler only adds its directives' effects): output
 * files, exit code, signals passed on, the time-limit marker and the callback keyed by the task's attempt.
 */
class JobScriptTest {
    @TempDir
    Path dir;

    private TaskLaunch launch(List<String> argv, Map<String, String> env, Resources resources) {
        TestTaskHandle task = TestTaskHandle.of("7").withWorkDir(dir).withResources(resources);
        return new TaskLaunch(task, new LaunchCommand(argv, env, dir), TaskFiles.in(dir));
    }

    @Test
    void directivesComeFirstWithTheSchedulersPrefix() {
        String script = JobScript.render(launch(List.of("true"), Map.of(), Resources.DEFAULT), "#TOY",
                List.of("--name=x", "--cpus=1"), Optional.empty());
        assertThat(script).startsWith("#!/bin/bash\n#TOY --name=x\n#TOY --cpus=1\n# Written by sluice for task");
    }

    private Process runScript(TaskLaunch launch, Optional<CallbackEndpoint> callback, Map<String, String> env)
            throws IOException {
        Path script = dir.resolve(JobScript.FILE);
        Files.writeString(script, JobScript.render(launch, "#TOY", List.of("--name=x"), callback));
        ProcessBuilder pb = new ProcessBuilder("bash", script.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve(JobScript.LOG).toFile());
        pb.environment().put("TOY_JOB_ID", "4242");
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
        assertThat(dir.resolve(JobScript.TIME_LIMIT_MARKER)).doesNotExist();
    }

    /** Waits up to 10 s for the pid in {@code file} to be gone (or a zombie). */
    private static boolean goneWithin10s(Path file) throws Exception {
        long pid = Long.parseLong(Files.readString(file).trim());
        for (int i = 0; i < 400; i++) {
            Path stat = Path.of("/proc", Long.toString(pid), "stat");
            String s;
            try {
                s = Files.readString(stat);
            } catch (IOException gone) {
                return true;
            }
            if (s.substring(s.lastIndexOf(')') + 2).startsWith("Z")) {
                return true;
            }
            Thread.sleep(25);
        }
        return false;
    }

    @Test
    void sigtermReachesTheTasksChildrenToo() throws Exception {
        TaskLaunch launch = launch(List.of("sh", "-c", "sleep 300 & echo $! > child; wait"), Map.of(),
                Resources.DEFAULT);
        Process p = runScript(launch, Optional.empty(), Map.of());
        awaitFile(dir.resolve("child"));
        new ProcessBuilder("kill", "-TERM", Long.toString(p.pid())).start().waitFor();
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(goneWithin10s(dir.resolve("child"))).as("the task's child").isTrue();
    }

    @Test
    void whatTheTaskLeavesRunningEndsWithIt() throws Exception {
        TaskLaunch launch = launch(List.of("sh", "-c", "sleep 300 & echo $! > child"), Map.of(), Resources.DEFAULT);
        Process p = runScript(launch, Optional.empty(), Map.of());
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(dir.resolve(".exitcode")).content().isEqualTo("0\n");
        assertThat(goneWithin10s(dir.resolve("child"))).as("the child left behind").isTrue();
    }

    @Test
    void sigusr2KillsATaskThatIgnoresSigtermAtOnce() throws Exception {
        TaskLaunch launch = launch(List.of("sh", "-c", "trap '' TERM; sleep 300 & echo $! > child; wait"), Map.of(),
                Resources.DEFAULT);
        Process p = runScript(launch, Optional.empty(), Map.of());
        awaitFile(dir.resolve("child"));
        new ProcessBuilder("kill", "-TERM", Long.toString(p.pid())).start().waitFor();
        assertThat(p.waitFor(1, TimeUnit.SECONDS)).as("SIGTERM is ignored").isFalse();
        new ProcessBuilder("kill", "-USR2", Long.toString(p.pid())).start().waitFor();
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(dir.resolve(".exitcode")).content().isEqualTo("137\n");
        assertThat(goneWithin10s(dir.resolve("child"))).isTrue();
    }

    @Test
    void theTimeLimitWarningMarksTheEndAsATimeout() throws Exception {
        TaskLaunch launch = launch(List.of("sh", "-c", "touch started; sleep 30 & wait"), Map.of(), Resources.DEFAULT);
        Process p = runScript(launch, Optional.empty(), Map.of());
        awaitFile(dir.resolve("started"));
        new ProcessBuilder("kill", "-USR1", Long.toString(p.pid())).start().waitFor();
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(dir.resolve(JobScript.TIME_LIMIT_MARKER)).exists();
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
        URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/v1/callbacks/toy");
        return new CallbackEndpoint() {
            @Override
            public URI url() {
                return url;
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
    }

    @Test
    void theScriptCallsBackWithItsExitCodeThroughCurl() throws Exception {
        BlockingQueue<Received> received = new LinkedBlockingQueue<>();
        HttpServer server = server(received);
        try {
            TaskLaunch launch = launch(List.of("sh", "-c", "exit 5"), Map.of(), Resources.DEFAULT);
            Process p = runScript(launch, Optional.of(endpoint(server)), Map.of());
            assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
            String key = launch.task().id() + "." + launch.task().attempt();
            assertThat(received.poll(10, TimeUnit.SECONDS)).as("keyed by its attempt, with that key's token only")
                    .isEqualTo(new Received("/v1/callbacks/toy/" + key, "Bearer s3cret-" + key, "5"));
            assertThat(dir.resolve(JobScript.FILE)).content().doesNotContain("every-key");
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
            TaskLaunch launch = launch(List.of("sh", "-c", "exit 0"), Map.of(), Resources.DEFAULT);
            Process p = runScript(launch, Optional.of(endpoint(server)), Map.of("PATH", bin.toString()));
            assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
            String key = launch.task().id() + "." + launch.task().attempt();
            assertThat(received.poll(10, TimeUnit.SECONDS)).isEqualTo(
                    new Received("/v1/callbacks/toy/" + key, "Bearer s3cret-" + key, "0"));
        } finally {
            server.stop(0);
        }
        assertThat(dir.resolve(".exitcode")).content().isEqualTo("0\n");
    }
}
