package dev.sluice.host.run;

import dev.sluice.host.monitor.TaskPollingMonitor;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.time.Duration;
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
    /** How long a first signal lets running tasks end, or {@code null}: the first signal stops them. */
    private Duration drain;
    private volatile int firstNumber;

    private StopSignals() {
    }

    /** Handles SIGINT and SIGTERM for {@code monitor} until {@link #close}. */
    static StopSignals install(TaskPollingMonitor monitor, PrintWriter err) {
        return install(monitor, err, null);
    }

    /**
     * As {@link #install(TaskPollingMonitor, PrintWriter)}, but with {@code drain} set the first signal
     * only drains the run (running tasks may end, for at most that long, before they are stopped); the
     * second stops it, the third forces.
     */
    static StopSignals install(TaskPollingMonitor monitor, PrintWriter err, Duration drain) {
        StopSignals signals = new StopSignals();
        signals.drain = drain;
        for (String name : NAMES) {
            Signal signal = new Signal(name);
            signals.previous.put(signal, Signal.handle(signal, s -> signals.received(s, monitor, err)));
        }
        return signals;
    }

    private void received(Signal signal, TaskPollingMonitor monitor, PrintWriter err) {
        int count = received.incrementAndGet();
        if (drain != null && count == 1) {
            firstNumber = signal.getNumber();
            monitor.drain("the service is stopping");
            err.println("sluice: SIG" + signal.getName() + ": draining: no new task starts, running tasks may end"
                    + " within " + dev.sluice.spi.Units.formatDuration(drain) + ". Send it again to stop them now.");
            err.flush();
            Thread.ofPlatform().daemon().name("sluice-drain").start(() -> {
                try {
                    Thread.sleep(drain);
                    monitor.cancel("the service's drain time (" + dev.sluice.spi.Units.formatDuration(drain)
                            + ") passed");
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            return;
        }
        if (drain != null) {
            count--;
        }
        if (count == 1) {
            firstNumber = firstNumber != 0 ? firstNumber : signal.getNumber();
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
