package dev.sluice.plugins.apptainer;

import dev.sluice.spi.InvalidSettingException;
import dev.sluice.spi.LaunchCommand;
import dev.sluice.spi.PluginContext;
import dev.sluice.spi.TaskException;
import dev.sluice.spi.TaskHandle;
import dev.sluice.spi.TaskWrapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.pf4j.Extension;

/**
 * The {@code apptainer} task wrapper: a task that names an image ({@code apptainer/image}) runs through
 * {@code apptainer exec} inside it ({@link ExecCommand}), under the local executor and inside Slurm batch
 * scripts alike. Quick and free of I/O, as wrappers must be: the image was made ready by the gate, and
 * the program was found then.
 */
@Extension
public final class ApptainerWrapper implements TaskWrapper {
    private final Apptainer apptainer;

    /** @throws InvalidSettingException when the operator's {@code plugins.apptainer} settings are bad */
    public ApptainerWrapper(PluginContext context) {
        this(Apptainer.of(context));
    }

    ApptainerWrapper(Apptainer apptainer) {
        this.apptainer = apptainer;
    }

    @Override
    public String id() {
        return ApptainerGate.ID;
    }

    @Override
    public boolean appliesTo(TaskHandle task) {
        return task.hints().isSet(ApptainerGate.IMAGE);
    }

    @Override
    public LaunchCommand wrap(TaskHandle task, LaunchCommand command) throws TaskException {
        ImageSource source;
        ExecCommand.Request request;
        try {
            source = Apptainer.image(task.hints()).orElseThrow();
            boolean gpu = Apptainer.holdsGpu(task);
            List<BindSpec> binds = new ArrayList<>();
            // A task may start elsewhere than in its own work directory (an environment's sessionDirectory
            // starts it in the session directory), and its script and files stay there: bind both.
            if (!command.workDir().startsWith(task.workDir()) && !task.workDir().startsWith(command.workDir())) {
                binds.add(new BindSpec(task.workDir(), task.workDir(), false));
            }
            binds.addAll(apptainer.binds(task.hints()));
            request = new ExecCommand.Request(apptainer.program.require(), apptainer.imagePath(source),
                    binds, apptainer.options(task.hints()),
                    gpu ? Optional.of(apptainer.gpuEnvFile()) : Optional.empty(),
                    task.assigned().getOrDefault("gpu", List.of()));
        } catch (InvalidSettingException e) {
            throw new TaskException(e.getMessage());
        }
        return ExecCommand.wrap(task.name(), request, command);
    }
}
