package dev.sluice.host.logging;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.LogbackServiceProvider;
import ch.qos.logback.classic.util.ContextInitializer;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.joran.spi.JoranException;
import ch.qos.logback.core.status.StatusUtil;
import ch.qos.logback.core.util.StatusListenerConfigHelper;
import ch.qos.logback.core.util.StatusPrinter;
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
 * ({@code docs/adr/2026-11-22-local-launch-cost.md}, 2026-12-05). Anywhere else (tests, a plugin
 * project's harness) SLF4J finds logback's own provider as before, which finds {@link ConsoleLog} as a
 * service: the same console log either way, and logback's own files ({@code -Dlogback.configurationFile})
 * win here too.
 */
public final class HostLogProvider implements SLF4JServiceProvider {
    private LoggerContext context;
    private IMarkerFactory markers;
    private MDCAdapter mdc;

    @Override
    public void initialize() {
        LoggerContext created = new LoggerContext();
        created.setName(CoreConstants.DEFAULT_CONTEXT_NAME);
        // As logback's own start does: -Dlogback.statusListenerClass still works.
        StatusListenerConfigHelper.installIfAsked(created);
        if (!configuredInCode(created)) {
            try {
                new ContextInitializer(created).autoConfig();
            } catch (JoranException e) {
                // Recorded in the context's status, printed below.
            }
            if (!StatusUtil.contextHasStatusListener(created)) {
                StatusPrinter.printInCaseOfErrorsOrWarnings(created);
            }
        }
        created.start();
        LogbackMDCAdapter adapter = new LogbackMDCAdapter();
        created.setMDCAdapter(adapter);
        this.mdc = adapter;
        this.markers = new BasicMarkerFactory();
        this.context = created;
    }

    /** {@link ConsoleLog}'s set-up, or false where logback's own configuration decides or the set-up failed. */
    private static boolean configuredInCode(LoggerContext context) {
        ConsoleLog console = new ConsoleLog();
        console.setContext(context);
        try {
            return console.configure(context) == Configurator.ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
        } catch (RuntimeException e) {
            // As logback does with a configurator that fails: noted in the status, and the next one tried.
            console.addError("the console log could not be set up in code", e);
            return false;
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
