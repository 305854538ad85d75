package dev.sluice.host.run;

import dev.sluice.host.monitor.TaskPollingMonitor;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * SIGINT and SIGTERM while a run goes. The first stops the run: nothing new starts and running tasks
 * are asked to stop, then forced when their grace has passed. A second forces them at once (an
 * impatient Ctrl-C, or a service manager's stop). Once the JVM shuts down for a signal no later signal
 * reaches the program, so the two are handled here rather than in a shutdown hook; the handlers that
 * were there before come back when the run ends.
 */
final class StopSignals implements AutoCloseable {
    private static final String[] NAMES = {"INT", "TERM"};

    private final Map<Signal, SignalHandler> previous = new LinkedHashMap<>();
    private final AtomicInteger received = new AtomicInteger();
    private volatile int firstNumber;

    private StopSignals() {
    }

    /** Handles SIGINT and SIGTERM for {@code monitor} until {@link #close}. */
    static StopSignals install(TaskPollingMonitor monitor, PrintWriter err) {
        StopSignals signals = new StopSignals();
        for (String name : NAMES) {
            Signal signal = new Signal(name);
            signals.previous.put(signal, Signal.handle(signal, s -> signals.received(s, monitor, err)));
        }
        return signals;
    }

    private void received(Signal signal, TaskPollingMonitor monitor, PrintWriter err) {
        if (received.incrementAndGet() == 1) {
            firstNumber = signal.getNumber();
            monitor.cancel("the host received a stop signal");
            err.println("sluice: SIG" + signal.getName() + ": stopping; running tasks get SIGTERM, then SIGKILL after"
                    + " their grace. Send it again to kill them now.");
        } else {
            monitor.force("the host received a second stop signal");
            err.println("sluice: SIG" + signal.getName() + " again: killing the running tasks now.");
        }
        err.flush();
    }

    /** Whether a stop signal came. */
    boolean received() {
        return received.get() > 0;
    }

    /** The exit code of a run the first signal stopped: 128 + its number (130 for SIGINT, 143 for SIGTERM). */
    int exitCode() {
        int number = firstNumber;
        return number > 0 ? 128 + number : ExitCodes.INTERRUPTED;
    }

    @Override
    public void close() {
        previous.forEach(Signal::handle);
    }
}
