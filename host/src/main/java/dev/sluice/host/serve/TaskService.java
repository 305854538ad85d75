package dev.sluice.host.serve;

import dev.sluice.host.config.EffectiveProcess;
import dev.sluice.host.http.HostEndpoint;
import dev.sluice.host.monitor.Intake;
import dev.sluice.host.monitor.ProcessPlan;
import dev.sluice.host.monitor.RunListener;
import dev.sluice.host.run.ProcessChecks;
import dev.sluice.host.run.RunWiring;
import dev.sluice.spi.TimeSource;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The run of {@code sluice serve} as a service: an intake for submitted tasks, the board the API answers
 * from, the ledger that keeps them across restarts, and the API on the run's endpoint. The classes are
 * the run's processes, as the config routes them. Tasks an earlier start accepted and did not see end
 * are handed to the run first, under their own ids: resume finds what they left (a success is reused,
 * a batch job still running is adopted, a local task that died with its host runs again).
 */
public final class TaskService implements RunWiring.Service, AutoCloseable {
    private final Intake intake = new Intake();
    private final TaskBoard board;
    private final TaskLedger ledger;
    private final Admission admission;
    private final ServeMetrics metrics;
    private final EventFeed events;
    private final Callbacks callbacks;
    /** Forgets ended tasks past the retention and compacts the ledger, every {@link #TIDY_EVERY}. */
    private final java.util.concurrent.ScheduledExecutorService tidier = java.util.concurrent.Executors
            .newSingleThreadScheduledExecutor(Thread.ofPlatform().name("sluice-serve-tidy").daemon().factory());
    static final java.time.Duration TIDY_EVERY = java.time.Duration.ofMinutes(1);
    private final TaskFactory factory;
    private final TimeSource time;
    private final ServeSettings settings;
    private final String token;
    private final String tokenSaid;
    private final PrintStream out;
    private int carried;
    private int answered;

    /** What the service is told at start. */
    public record Setup(ServeSettings settings, String token, String tokenSaid, Path workRoot,
            io.micrometer.core.instrument.MeterRegistry registry) {
    }

    private TaskService(TaskFactory factory, Setup setup, TimeSource time, PrintStream out, TaskLedger ledger,
            EventFeed events) {
        this.factory = factory;
        this.settings = setup.settings();
        this.token = setup.token();
        this.tokenSaid = setup.tokenSaid();
        this.time = time;
        this.out = out;
        this.ledger = ledger;
        this.admission = new Admission(settings.limits().total(), settings.classLimits(),
                settings.limits().perTenant(), time);
        this.metrics = new ServeMetrics(setup.registry(), factory.classes().keySet(), admission,
                settings.metricLabels());
        this.events = events;
        this.callbacks = new Callbacks(settings.callbacks(), Callbacks.http(settings.callbacks().timeout()), time,
                this::callbackChanged, metrics);
        this.board = new TaskBoard(time, this::ended, admission::started);
        events.taskFields(id -> board.get(id).map(v -> Audit.fields(v.origin())).orElse(Map.of()));
    }

    /**
     * The service, with what an earlier start left in its ledger taken back.
     *
     * @param plans   the run's processes, one per class
     * @param wrapped whether tasks run inside wrappers (environments, containers)
     * @param checks  the plugins' checks, for tasks that ask for their own resources or hints
     * @throws IOException when the ledger cannot be read or written
     */
    public static TaskService start(List<ProcessPlan> plans, boolean wrapped, ProcessChecks checks, Setup setup,
            TimeSource time, PrintStream out) throws IOException {
        Map<String, EffectiveProcess> classes = new LinkedHashMap<>();
        plans.forEach(p -> classes.put(p.process().name(), p.process()));
        TaskFactory factory = new TaskFactory(classes, setup.settings().classes(), checks, wrapped);
        // Read first: the count of events goes on from the last start's, so ids a client holds stay valid.
        EventFeed events = EventFeed.open(new EventArchive(setup.workRoot()), time);
        List<TaskLedger.Earlier> earlier = new ArrayList<>(1);
        TaskLedger ledger;
        try {
            ledger = TaskLedger.open(setup.workRoot(), earlier, setup.settings().limits().ended(), time.now());
        } catch (IOException | RuntimeException e) {
            events.close();
            throw e;
        }
        TaskService service = new TaskService(factory, setup, time, out, ledger, events);
        service.takeBack(earlier.get(0));
        service.tidier.scheduleWithFixedDelay(service::tidy, TIDY_EVERY.toSeconds(), TIDY_EVERY.toSeconds(),
                java.util.concurrent.TimeUnit.SECONDS);
        return service;
    }

    /** What keeps a class's {@code container} from taking its tasks' images, one line each. */
    public static List<String> containerProblems(ServeSettings settings, dev.sluice.host.run.RunPlan plan) {
        java.util.Set<String> enabled = new java.util.HashSet<>();
        plan.gates().forEach(g -> enabled.add(g.id()));
        plan.wrappers().forEach(w -> enabled.add(w.id()));
        List<String> out = new ArrayList<>();
        for (ProcessPlan p : plan.plans()) {
            ClassSettings c = settings.classes().get(p.process().name());
            String problem = c == null ? null : c.containerProblem(p.process().name(), p.process().executor(), enabled);
            if (problem != null) {
                out.add(problem);
            }
        }
        return out;
    }

    /**
     * A task ended for its orchestrator: kept in the ledger, and its callback, if any, sent. The monitor's
     * thread, or an API thread for a task the service's stop had ended and a DELETE now ends for good.
     */
    void ended(TaskView view) {
        metrics.ended(view);
        Submission.Callback callback = callbacks.pendingFor(view.id()).orElse(null);
        ledger.ended(view, callback);
        if (callback != null) {
            callbacks.ended(view.id(), time.now(), () -> body(view.id()));
        }
    }

    /** What a callback sends: the task's view as GET answers it. */
    private String body(String id) {
        // Without the callback's own state, which the receiver is changing by taking it.
        return board.get(id).map(v -> TaskViews.withStderr(v, ApiRouter.STDERR_LINES).without("callback").toString())
                .orElse("{}");
    }

    private void callbackChanged(String id, TaskView.Delivery delivery) {
        board.callback(id, delivery);
        if (delivery.state().equals("delivered") || delivery.state().equals("failed")) {
            ledger.notified(id, delivery);
        }
    }

    /** Forgets what the retention lets go of: ended tasks' views, and their lines in a grown ledger. */
    void tidy() {
        try {
            board.forgetEnded(time.now(), settings.limits().ended());
            ledger.compactIfGrown(time.now(), TaskLedger.COMPACT_FROM);
        } catch (IOException | RuntimeException e) {
            // Tried again at the next turn; what was not forgotten is only kept longer.
            org.slf4j.LoggerFactory.getLogger(TaskService.class).warn("tidying the service's tasks failed: {}",
                    e.getMessage());
        }
    }

    /**
     * Whether task {@code id}'s callback, accepted by an earlier start, may still go where it goes; if not,
     * it is given up (the operator has taken its host out of serve.callbacks.allowedHosts since).
     */
    private boolean callbackAllowed(String id, Submission.Callback callback) {
        if (settings.callbacks().allows(callback.url().getHost())) {
            return true;
        }
        callbackChanged(id, new TaskView.Delivery(callback.url().toString(), "failed", 0, "callbacks may no longer go"
                + " to " + callback.url().getHost() + " (serve.callbacks.allowedHosts); not sent"));
        return false;
    }

    private void takeBack(TaskLedger.Earlier earlier) {
        earlier.ended().values().forEach(view -> board.accepted(TaskViews.fromJson(view)));
        answered = earlier.ended().size();
        // Callbacks of tasks that ended before the restart and were not delivered: sent now, where still allowed.
        earlier.undelivered().forEach((id, callback) -> {
            if (callbackAllowed(id, callback)) {
                callbacks.register(id, callback);
                TaskView view = board.get(id).orElseThrow();
                callbacks.ended(id, view.transitions().get(view.transitions().size() - 1).at(), () -> body(id));
            }
        });
        for (TaskLedger.Accepted a : earlier.unended().values()) {
            TaskView view = TaskView.accepted(a.id(), a.submission(), a.at());
            EffectiveProcess cls = factory.classes().get(a.submission().taskClass());
            board.accepted(view);
            if (a.submission().callback() != null && callbackAllowed(a.id(), a.submission().callback())) {
                callbacks.register(a.id(), a.submission().callback());
            }
            view = board.get(a.id()).orElseThrow();
            if (earlier.cancelled().contains(a.id())) {
                // Asked to end before the restart: it ends now, whatever became of its class.
                TaskView cancelled = view.withCancelRequested().moved(ApiState.CANCELLED, time.now(),
                        TaskView.Attempt.failedBeforeStart("cancelled through the API"));
                board.accepted(cancelled);
                ended(cancelled);
                continue;
            }
            if (cls == null) {
                TaskView failed = view.moved(ApiState.FAILED, time.now(), TaskView.Attempt.failedBeforeStart(
                        "its class '" + a.submission().taskClass() + "' is no longer in serve.classes of the config"));
                board.accepted(failed);
                ended(failed);
                continue;
            }
            // The config may have changed since it was accepted: what it may set is judged by today's.
            List<TaskFactory.Problem> problems = factory.problems(a.submission());
            if (!problems.isEmpty()) {
                TaskView failed = view.moved(ApiState.FAILED, time.now(), TaskView.Attempt.failedBeforeStart(
                        "the config changed since it was accepted, and it may no longer run: " + problems.stream()
                                .map(p -> p.field() + ": " + p.message()).collect(java.util.stream.Collectors
                                        .joining("; "))));
                board.accepted(failed);
                ended(failed);
                continue;
            }
            admission.carried(a.id(), a.submission().taskClass(), a.submission().origin().tenant());
            intake.offer(factory.arrival(a.id(), a.submission()));
            carried++;
        }
    }

    TaskFactory factory() {
        return factory;
    }

    ServeSettings settings() {
        return settings;
    }

    TaskBoard board() {
        return board;
    }

    TaskLedger ledger() {
        return ledger;
    }

    Callbacks callbacks() {
        return callbacks;
    }

    Admission admission() {
        return admission;
    }

    ServeMetrics metrics() {
        return metrics;
    }

    TimeSource time() {
        return time;
    }

    @Override
    public Intake intake() {
        return intake;
    }

    @Override
    public RunListener listener() {
        return board;
    }

    @Override
    public dev.sluice.host.events.EventLog.Sink events() {
        return events;
    }

    @Override
    public void mount(HostEndpoint endpoint) {
        endpoint.context(ApiRouter.TASKS, new ApiRouter(this, token, settings.api().maxBodyBytes()));
        endpoint.context(EventStream.PATH, new EventStream(events, new BearerAuth(token), board, factory.classes().keySet(),
                settings.limits().maxStreams()));
        // The first line is the URL, for scripts that start the service on port 0.
        out.println("sluice serve: " + endpoint.url());
        out.println("Token: " + tokenSaid);
        out.println("Classes: " + String.join(", ", factory.classes().keySet()) + "; tasks at " + endpoint.url()
                + ApiRouter.TASKS + ", events at " + EventStream.PATH + ", metrics at /metrics, health at /healthz");
        if (carried > 0 || answered > 0) {
            out.println("Taken back from before the restart: " + carried + " task(s) not ended, which go on; "
                    + answered + " ended, which GET still answers for");
        }
        out.flush();
    }

    @Override
    public java.time.Duration drain() {
        return settings.drain();
    }

    @Override
    public void close() {
        // Streams still open (the run ended some other way than its event log's close) end here.
        tidier.shutdownNow();
        try {
            // A compaction under way ends before the ledger closes.
            tidier.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        events.close();
        // Before the ledger: what was delivered by now is recorded; the rest is sent at the next start.
        callbacks.close();
        ledger.close();
    }
}
