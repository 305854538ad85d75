package dev.sluice.plugins.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.command.InspectExecResponse;
import com.github.dockerjava.api.command.InspectImageResponse;
import com.github.dockerjava.api.model.PullResponseItem;
import com.github.dockerjava.api.model.WaitResponse;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.DockerClientException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Event;
import com.github.dockerjava.api.model.EventType;
import com.github.dockerjava.api.model.Frame;
import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Supplier;

/** The engine through docker-java: what {@link Engine} asks, as API requests; failures as {@link EngineException}. */
final class DockerJavaEngine implements Engine {
    private final Daemon daemon;
    private final DockerClient client;

    DockerJavaEngine(Daemon daemon) {
        this.daemon = daemon;
        this.client = daemon.client();
    }

    /** A client for the engine at {@code host}; connects lazily. */
    static DockerJavaEngine connect(String host) {
        return new DockerJavaEngine(Daemon.at(host));
    }

    @Override
    public void ping() {
        try {
            client.pingCmd().exec();
        } catch (RuntimeException e) {
            // Whatever the failure, the engine cannot be used: say so, with the fix.
            throw new EngineException(EngineException.Kind.UNREACHABLE, daemon.unreachable(e),
                    String.valueOf(e.getMessage()), e);
        }
    }

    @Override
    public int cpus() {
        Integer cpus = call(() -> client.infoCmd().exec().getNCPU());
        return cpus == null ? 0 : cpus;
    }

    @Override
    public String createContainer(ContainerRequest request) {
        return call(() -> request.applyTo(client.createContainerCmd(request.image())).exec().getId());
    }

    @Override
    public boolean attach(String containerId, Output output, Duration timeout) throws InterruptedException {
        Frames frames = new Frames(output);
        call(() -> client.attachContainerCmd(containerId).withStdOut(true).withStdErr(true).withFollowStream(true)
                .withLogs(true).exec(frames));
        return frames.awaitStarted(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void startContainer(String containerId) {
        call(() -> client.startContainerCmd(containerId).exec());
    }

    @Override
    public Optional<ContainerState> inspectContainer(String containerId) {
        InspectContainerResponse.ContainerState s;
        try {
            s = call(() -> client.inspectContainerCmd(containerId).exec().getState());
        } catch (EngineException e) {
            if (e.is(EngineException.Kind.NOT_FOUND)) {
                return Optional.empty();
            }
            throw e;
        }
        return Optional.ofNullable(s).map(state -> new ContainerState(state.getStatus(),
                Boolean.TRUE.equals(state.getRunning()), Boolean.TRUE.equals(state.getPaused()),
                state.getExitCodeLong(), Boolean.TRUE.equals(state.getOOMKilled()), state.getError()));
    }

    @Override
    public Integer waitContainer(String containerId, Duration timeout) {
        return call(() -> client.waitContainerCmd(containerId).exec(new ExitCodeWait()).await(timeout));
    }

    @Override
    public void killContainer(String containerId, String signal) {
        call(() -> client.killContainerCmd(containerId).withSignal(signal).exec());
    }

    @Override
    public void removeContainer(String containerId) {
        call(() -> client.removeContainerCmd(containerId).withForce(true).withRemoveVolumes(true).exec());
    }

    @Override
    public List<ListedContainer> listContainers(Map<String, String> labels) {
        List<Container> found = call(() -> client.listContainersCmd().withShowAll(true).withLabelFilter(labels)
                .exec());
        return found.stream().map(c -> new ListedContainer(c.getId(),
                c.getNames() == null || c.getNames().length == 0 ? c.getId() : c.getNames()[0].replaceFirst("^/", ""),
                c.getLabels() == null ? Map.of() : c.getLabels())).toList();
    }

    @Override
    public String createExec(String containerId, ExecRequest request) {
        return call(() -> {
            var exec = client.execCreateCmd(containerId).withCmd(request.argv().toArray(String[]::new))
                    .withEnv(request.env()).withWorkingDir(request.workDir())
                    .withAttachStdout(true).withAttachStderr(true).withAttachStdin(false).withTty(false);
            if (request.user() != null) {
                exec.withUser(request.user());
            }
            return exec.exec().getId();
        });
    }

    @Override
    public void startExec(String execId, Output output) {
        call(() -> client.execStartCmd(execId).withDetach(false).withTty(false).exec(new Frames(output)));
    }

    @Override
    public ExecState inspectExec(String execId) {
        InspectExecResponse exec = call(() -> client.inspectExecCmd(execId).exec());
        return new ExecState(Boolean.TRUE.equals(exec.isRunning()), exec.getPidLong(), exec.getExitCodeLong());
    }

    @Override
    public void runDetached(String containerId, List<String> argv, String user) {
        call(() -> {
            String id = client.execCreateCmd(containerId).withCmd(argv.toArray(String[]::new)).withUser(user).exec()
                    .getId();
            return client.execStartCmd(id).withDetach(true).exec(new ResultCallback.Adapter<>());
        });
    }

    @Override
    public Closeable watchOutOfMemoryKills(Map<String, String> labels, Consumer<String> killed,
            Consumer<Throwable> ended) {
        ResultCallback.Adapter<Event> callback = new ResultCallback.Adapter<>() {
            @Override
            public void onNext(Event event) {
                String id = event.getId() != null ? event.getId()
                        : event.getActor() == null ? null : event.getActor().getId();
                if (id != null) {
                    killed.accept(id);
                }
            }

            @Override
            public void onError(Throwable throwable) {
                ended.accept(throwable);
            }

            @Override
            public void onComplete() {
                // A daemon that stops ends the stream cleanly: as much the engine going away as an error.
                ended.accept(new IOException("the engine ended its event stream"));
                super.onComplete();
            }
        };
        return call(() -> client.eventsCmd().withEventTypeFilter(EventType.CONTAINER).withEventFilter("oom")
                .withLabelFilter(labels).exec(callback));
    }

    @Override
    public Optional<ImageInfo> inspectImage(String image) {
        InspectImageResponse r;
        try {
            r = call(() -> client.inspectImageCmd(image).exec());
        } catch (EngineException e) {
            if (e.is(EngineException.Kind.NOT_FOUND)) {
                return Optional.empty();
            }
            throw e;
        }
        return Optional.of(new ImageInfo(r.getId(), r.getRepoDigests() == null ? List.of() : r.getRepoDigests()));
    }

    @Override
    public void pullImage(String image, Pulling pulling) {
        call(() -> client.pullImageCmd(image).exec(new PullItems(pulling, daemon)));
    }

    @Override
    public void close() {
        daemon.close();
    }

    /** A pull's messages handed on in the plugin's terms; an error the engine sends in a message ends it failed. */
    static final class PullItems extends ResultCallback.Adapter<PullResponseItem> {
        private final Pulling pulling;
        private final Daemon daemon;
        private volatile String error;

        PullItems(Pulling pulling, Daemon daemon) {
            this.pulling = pulling;
            this.daemon = daemon;
        }

        @Override
        public void onNext(PullResponseItem item) {
            if (item.getErrorDetail() != null || item.getError() != null) {
                error = item.getErrorDetail() != null && item.getErrorDetail().getMessage() != null
                        ? item.getErrorDetail().getMessage() : item.getError();
                return;
            }
            if (item.getId() == null || item.getStatus() == null) {
                return;
            }
            var d = item.getProgressDetail();
            long current = d == null || d.getCurrent() == null ? 0 : d.getCurrent();
            long total = d == null || d.getTotal() == null ? 0 : d.getTotal();
            pulling.layer(item.getId(), item.getStatus(), current, total);
        }

        @Override
        public void onError(Throwable throwable) {
            pulling.ended(daemon == null ? Daemon.rootMessage(throwable) : daemon.describe(throwable));
        }

        @Override
        public void onComplete() {
            pulling.ended(error);
            super.onComplete();
        }
    }

    private <T> T call(Supplier<T> request) {
        try {
            return request.get();
        } catch (RuntimeException e) {
            throw translate(e);
        }
    }

    private EngineException translate(RuntimeException e) {
        EngineException.Kind kind = e instanceof NotFoundException ? EngineException.Kind.NOT_FOUND
                : e instanceof ConflictException ? EngineException.Kind.CONFLICT
                : Daemon.isUnreachable(e) ? EngineException.Kind.UNREACHABLE
                : EngineException.Kind.FAILED;
        return new EngineException(kind, daemon.describe(e), String.valueOf(e.getMessage()), e);
    }

    /**
     * A container's exit code, waited for. The library's own callback also logs a failure (an engine
     * going away) at ERROR with its stack trace, on the user's console; this one only hands it over.
     */
    private static final class ExitCodeWait extends ResultCallback.Adapter<WaitResponse> {
        private final CompletableFuture<Integer> code = new CompletableFuture<>();

        @Override
        public void onNext(WaitResponse response) {
            code.complete(response.getStatusCode());
        }

        @Override
        public void onError(Throwable throwable) {
            code.completeExceptionally(throwable);
            try {
                close();
            } catch (IOException e) {
                // Nothing left to release.
            }
        }

        @Override
        public void onComplete() {
            code.completeExceptionally(new DockerClientException("the engine ended the wait without an exit code"));
            super.onComplete();
        }

        Integer await(Duration timeout) {
            try {
                return code.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                throw new DockerClientException("Awaiting status code timeout.");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DockerClientException("interrupted while waiting for a container's exit code", e);
            } catch (ExecutionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : new DockerClientException(
                        String.valueOf(e.getCause().getMessage()), e.getCause());
            }
        }
    }

    /** An attached stream's frames, handed on by the stream they came from; the end once, then the stream closed. */
    private static final class Frames extends ResultCallback.Adapter<Frame> {
        private final Output output;

        Frames(Output output) {
            this.output = output;
        }

        @Override
        public void onNext(Frame frame) {
            switch (frame.getStreamType()) {
                case STDERR -> output.stderr(frame.getPayload());
                case STDOUT, RAW -> output.stdout(frame.getPayload());
                default -> {
                    // STDIN frames are never sent back.
                }
            }
        }

        @Override
        public void onError(Throwable throwable) {
            output.ended();
            release();
        }

        @Override
        public void onComplete() {
            output.ended();
            release();
        }

        private void release() {
            try {
                close();
            } catch (IOException e) {
                // The stream is gone either way.
            }
        }
    }
}
