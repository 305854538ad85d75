package dev.sluice.plugins.gpu;

import dev.sluice.spi.TaskHandle;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;

/**
 * A one-shot hook on the plugin's next reported status, for a {@code TestPluginContext}'s status listener:
 * what a test {@link #set}s runs once, on the reporting thread, when the plugin next reports a status.
 */
final class NextStatusHook implements BiConsumer<TaskHandle, String> {
    private final AtomicReference<Runnable> next = new AtomicReference<>();

    /** Runs {@code hook} when the next status is reported (replacing a hook that has not run yet). */
    void set(Runnable hook) {
        next.set(hook);
    }

    @Override
    public void accept(TaskHandle task, String status) {
        Runnable hook = next.getAndSet(null);
        if (hook != null) {
            hook.run();
        }
    }
}
