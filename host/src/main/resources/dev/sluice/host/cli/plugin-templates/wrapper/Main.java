package @PACKAGE@;

import dev.sluice.spi.Hints;
import dev.sluice.spi.LaunchCommand;
import dev.sluice.spi.PluginContext;
import dev.sluice.spi.TaskHandle;
import dev.sluice.spi.TaskWrapper;
import java.util.ArrayList;
import java.util.List;
import org.pf4j.Extension;

/**
 * Task wrapper {@code @ID@}: a task whose process sets the hint {@code @ID@/niceness} runs under
 * {@code nice -n <niceness>}. Replace {@link #wrap} with your own rewrite of the command (run it in a
 * container, under a profiler, with a device); sluice applies every wrapper that applies to a task, in
 * order of priority, on whatever executor runs it.
 */
@Extension
public final class @CLASS@ implements TaskWrapper {
    public static final String ID = "@ID@";
    public static final String NICENESS = "niceness";

    public @CLASS@(PluginContext context) {
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public boolean appliesTo(TaskHandle task) {
        return task.hints().isSet(Hints.key(ID, NICENESS));
    }

    @Override
    public LaunchCommand wrap(TaskHandle task, LaunchCommand command) {
        int niceness = task.hints().integer(Hints.key(ID, NICENESS), 0);
        List<String> argv = new ArrayList<>(List.of("nice", "-n", Integer.toString(niceness)));
        argv.addAll(command.argv());
        return command.withArgv(argv);
    }
}
