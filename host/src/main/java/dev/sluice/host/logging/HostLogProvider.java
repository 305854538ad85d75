package dev.sluice.host.logging;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.LogbackServiceProvider;
import ch.qos.logback.classic.util.ContextInitializer;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.joran.spi.JoranException;
import ch.qos.logback.core.status.Status;
import ch.qos.logback.core.status.StatusUtil;
import ch.qos.logback.core.util.StatusListenerConfigHelper;
import ch.qos.logback.core.util.StatusPrinter;
import java.util.function.Supplier;
import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * Logback as the distribution starts it: named to SLF4J by the {@code slf4j.provider} property in the
 * distribution's {@code jvm.options}, it sets the console log up directly ({@link ConsoleLog}) instead
 * of letting SLF4J and then logback look for their providers and configurators as services, each look a
 * walk over every jar of the class path (35): a one-task start about 10 ms shorter
 * ({@code docs/adr/2026-11-22-local-launch-cost.md}, 2026-12-05). Where the JVM is started without that
 * file (in-process tests, a plugin project's harness) SLF4J finds logback's own provider as before, which
 * finds {@link ConsoleLog} as a service: the same console log either way. Logback's own files
 * ({@code -Dlogback.configurationFile}) and status listener ({@code -Dlogback.statusListenerClass}) work
 * here too.
 */
public final class HostLogProvider implements SLF4JServiceProvider {
    private final Supplier<Configurator> console;
    private LoggerContext context;
    private IMarkerFactory markers;
    private MDCAdapter mdc;

    /** The provider SLF4J makes. */
    public HostLogProvider() {
        this(ConsoleLog::new);
    }

    /** For tests: the console log's set-up replaced. */
    HostLogProvider(Supplier<Configurator> console) {
        this.console = console;
    }

    @Override
    public void initialize() {
        LoggerContext created = new LoggerContext();
        created.setName(CoreConstants.DEFAULT_CONTEXT_NAME);
        LogbackMDCAdapter adapter = new LogbackMDCAdapter();
        created.setMDCAdapter(adapter);
        try {
            configure(created);
        } catch (JoranException | RuntimeException e) {
            // As logback's own provider goes on: the host runs, its console log without a set-up. Told in
            // one line, since no log exists yet to hold the stack trace.
            System.err.println("sluice: the console log could not be set up (" + e.getMessage()
                    + "); messages may be missing from the console");
        }
        // As logback's own start does after configuring: its warnings and errors, if there were any. Looked
        // at first: the printer's class, once loaded, sets a date format up through java.time's zone rules,
        // a look-up over every jar of the class path (LocalClockConverter).
        if (!StatusUtil.contextHasStatusListener(created)
                && new StatusUtil(created).getHighestLevel(0) >= Status.WARN) {
            StatusPrinter.printInCaseOfErrorsOrWarnings(created);
        }
        created.start();
        this.mdc = adapter;
        this.markers = new BasicMarkerFactory();
        this.context = created;
    }

    private void configure(LoggerContext created) throws JoranException {
        Configurator configurator = console.get();
        configurator.setContext(created);
        if (configurator.configure(created) == Configurator.ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY) {
            // What logback's own start does first; it does it itself in the branch below.
            StatusListenerConfigHelper.installIfAsked(created);
        } else {
            // Logback's own configuration decides (a file named to it, or one on a test class path).
            new ContextInitializer(created).autoConfig();
        }
    }

    @Override
    public ILoggerFactory getLoggerFactory() {
        return context;
    }

    @Override
    public IMarkerFactory getMarkerFactory() {
        return markers;
    }

    @Override
    public MDCAdapter getMDCAdapter() {
        return mdc;
    }

    @Override
    public String getRequestedApiVersion() {
        return LogbackServiceProvider.REQUESTED_API_VERSION;
    }
}
