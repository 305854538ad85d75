package dev.sluice.host.serve;

import dev.sluice.host.config.EffectiveProcess;
import dev.sluice.host.http.HostEndpoint;
import dev.sluice.host.monitor.Intake;
import dev.sluice.host.monitor.ProcessPlan;
import dev.sluice.host.monitor.RunListener;
import dev.sluice.host.run.RunWiring;
import dev.sluice.spi.TimeSource;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The run of {@code sluice serve} as a service: an intake for submitted tasks, the board the API answers
 * from, and the API on the run's endpoint. The classes are the run's processes, as the config routes
 * them.
 */
public final class TaskService implements RunWiring.Service {
    private final Intake intake = new Intake();
    private final TaskBoard board;
    private final Map<String, EffectiveProcess> classes = new LinkedHashMap<>();
    private final boolean wrapped;
    private final TimeSource time;
    private final ServeSettings settings;
    private final String token;
    private final String tokenSaid;
    private final PrintStream out;

    /**
     * @param plans     the run's processes, one per class
     * @param wrapped   whether tasks run inside wrappers (environments, containers)
     * @param token     the bearer token
     * @param tokenSaid where the token is, for the second line of output
     */
    public TaskService(List<ProcessPlan> plans, boolean wrapped, ServeSettings settings, String token,
            String tokenSaid, TimeSource time, PrintStream out) {
        plans.forEach(p -> classes.put(p.process().name(), p.process()));
        this.wrapped = wrapped;
        this.settings = settings;
        this.token = token;
        this.tokenSaid = tokenSaid;
        this.time = time;
        this.board = new TaskBoard(time);
        this.out = out;
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
    public void mount(HostEndpoint endpoint) {
        endpoint.context(ApiRouter.TASKS, new ApiRouter(classes, wrapped, intake, board, time, token,
                settings.maxBodyBytes()));
        // The first line is the URL, for scripts that start the service on port 0.
        out.println("sluice serve: " + endpoint.url());
        out.println("Token: " + tokenSaid);
        out.println("Classes: " + String.join(", ", classes.keySet()) + "; tasks at " + endpoint.url()
                + ApiRouter.TASKS + ", metrics at /metrics, health at /healthz");
        out.flush();
    }
}
