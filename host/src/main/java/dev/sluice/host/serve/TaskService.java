package dev.sluice.host.serve;

import dev.sluice.host.config.EffectiveProcess;
import dev.sluice.host.http.HostEndpoint;
import dev.sluice.host.monitor.Intake;
import dev.sluice.host.monitor.ProcessPlan;
import dev.sluice.host.monitor.RunListener;
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
    private final Map<String, EffectiveProcess> classes = new LinkedHashMap<>();
    private final boolean wrapped;
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

    private TaskService(List<ProcessPlan> plans, boolean wrapped, Setup setup, TimeSource time, PrintStream out,
            TaskLedger ledger, EventFeed events) {
        plans.forEach(p -> classes.put(p.process().name(), p.process()));
        this.wrapped = wrapped;
        this.settings = setup.settings();
        this.token = setup.token();
        this.tokenSaid = setup.tokenSaid();
        this.time = time;
        this.out = out;
        this.ledger = ledger;
        this.admission = new Admission(settings.limits().total(), settings.classes(), settings.limits().perTenant(),
                time);
        this.metrics = new ServeMetrics(setup.registry(), classes.keySet(), admission);
        this.events = events;
        this.board = new TaskBoard(time, ledger::ended, admission::started);
    }

    /**
     * The service, with what an earlier start left in its ledger taken back.
     *
     * @param plans   the run's processes, one per class
     * @param wrapped whether tasks run inside wrappers (environments, containers)
     * @throws IOException when the ledger cannot be read or written
     */
    public static TaskService start(List<ProcessPlan> plans, boolean wrapped, Setup setup, TimeSource time,
            PrintStream out) throws IOException {
        // Read first: the count of events goes on from the last start's, so ids a client holds stay valid.
        EventFeed events = EventFeed.open(new EventArchive(setup.workRoot()), time);
        List<TaskLedger.Earlier> earlier = new ArrayList<>(1);
        TaskLedger ledger;
        try {
            ledger = TaskLedger.open(setup.workRoot(), earlier);
        } catch (IOException | RuntimeException e) {
            events.close();
            throw e;
        }
        TaskService service = new TaskService(plans, wrapped, setup, time, out, ledger, events);
        service.takeBack(earlier.get(0));
        return service;
    }

    private void takeBack(TaskLedger.Earlier earlier) {
        earlier.ended().values().forEach(view -> board.accepted(TaskViews.fromJson(view)));
        answered = earlier.ended().size();
        for (TaskLedger.Accepted a : earlier.unended().values()) {
            TaskView view = TaskView.accepted(a.id(), a.submission(), a.at());
            EffectiveProcess cls = classes.get(a.submission().taskClass());
            if (earlier.cancelled().contains(a.id())) {
                // Asked to end before the restart: it ends now, whatever became of its class.
                TaskView cancelled = view.withCancelRequested().moved(ApiState.CANCELLED, time.now(), 0, null,
                        "cancelled through the API", null);
                board.accepted(cancelled);
                ledger.ended(cancelled);
                continue;
            }
            if (cls == null) {
                TaskView failed = view.moved(ApiState.FAILED, time.now(), 0, null, "its class '"
                        + a.submission().taskClass() + "' is no longer in serve.classes of the config", null);
                board.accepted(failed);
                ledger.ended(failed);
                continue;
            }
            board.accepted(view);
            admission.carried(a.id(), a.submission().taskClass(), a.submission().tenant());
            intake.offer(TaskFactory.arrival(a.id(), a.submission(), cls));
            carried++;
        }
    }

    Map<String, EffectiveProcess> classes() {
        return classes;
    }

    boolean wrapped() {
        return wrapped;
    }

    TaskBoard board() {
        return board;
    }

    TaskLedger ledger() {
        return ledger;
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
        endpoint.context(ApiRouter.TASKS, new ApiRouter(this, token, settings.maxBodyBytes()));
        endpoint.context(EventStream.PATH, new EventStream(events, new BearerAuth(token), board, classes.keySet(),
                settings.limits().maxStreams()));
        // The first line is the URL, for scripts that start the service on port 0.
        out.println("sluice serve: " + endpoint.url());
        out.println("Token: " + tokenSaid);
        out.println("Classes: " + String.join(", ", classes.keySet()) + "; tasks at " + endpoint.url()
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
        events.close();
        ledger.close();
    }
}
