package dev.sluice.plugins.apptainer;

import dev.sluice.spi.LaunchCommand;
import dev.sluice.spi.TaskException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Builds the {@code apptainer exec} command that runs a task inside its image:
 *
 * <pre>
 * /path/to/apptainer exec --cleanenv --no-home --bind WORK:WORK --pwd WORK
 *     [--bind SPEC]... [--nv --env-file CACHE/.sluice-gpu.env] [OPTION]... IMAGE ARGV...
 * </pre>
 *
 * <p>{@code apptainer} is the direct child of whatever starts the command (the local executor, the Slurm
 * batch script): it passes the signals it gets on to the process in the container, so a kill or a
 * time limit ends the task as it would a bare process, and its exit status is the task's.
 *
 * <p>The task's own variables cannot simply be left in the environment: {@code --cleanenv} drops
 * them. They are passed as {@code APPTAINERENV_<NAME>=<value>} in the outer command's environment,
 * which Apptainer strips of its prefix and sets inside, verbatim. ({@code --env NAME=value} on the
 * command line would put every value in the process list, and Apptainer reads a value with more
 * than one {@code =} as a comma-separated list, splitting or unquoting it.) {@code HOME} is left out:
 * Apptainer refuses to set it that way and sets it itself.
 */
final class ExecCommand {
    static final String ENV_PREFIX = "APPTAINERENV_";
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    /**
     * @param program  the {@code apptainer} program
     * @param image    the SIF file or sandbox directory
     * @param binds    extra bind mounts: the operator's, then the process's
     * @param options  extra {@code exec} options: the operator's, then the process's
     * @param gpuEnv   the {@link GpuEnvFile} when the task holds a GPU, else empty
     * @param gpus     the devices a gate assigned to the task ({@code TaskHandle.assigned().get("gpu")})
     */
    record Request(Path program, Path image, List<BindSpec> binds, List<String> options, Optional<Path> gpuEnv,
            List<String> gpus) {
    }

    private ExecCommand() {
    }

    /**
     * The wrapped command: same work directory, the argv above, and the environment as described.
     *
     * @param taskName for error messages
     * @throws TaskException when a variable's name cannot be passed into a container
     */
    static LaunchCommand wrap(String taskName, Request r, LaunchCommand inner) throws TaskException {
        String work = inner.workDir().toString();
        List<String> argv = new ArrayList<>(List.of(r.program().toString(), "exec", "--cleanenv", "--no-home",
                "--bind", work + ":" + work, "--pwd", work));
        for (BindSpec b : r.binds()) {
            argv.add("--bind");
            argv.add(b.spec());
        }
        r.gpuEnv().ifPresent(file -> {
            argv.add("--nv");
            argv.add("--env-file");
            argv.add(file.toString());
        });
        argv.addAll(r.options());
        argv.add(r.image().toString());
        argv.addAll(inner.argv());
        return new LaunchCommand(argv, environment(taskName, r, inner.environment()), inner.workDir());
    }

    private static Map<String, String> environment(String taskName, Request r, Map<String, String> task)
            throws TaskException {
        Map<String, String> outer = new TreeMap<>();
        for (Map.Entry<String, String> e : task.entrySet()) {
            String name = e.getKey();
            if (!NAME.matcher(name).matches()) {
                throw new TaskException("task " + taskName + ": the environment variable '" + name + "' cannot be "
                        + "passed into an Apptainer container (a name is letters, digits and _, not starting with a"
                        + " digit); rename it in the process's env");
            }
            if (name.startsWith(ENV_PREFIX) || name.startsWith("APPTAINER_")) {
                outer.put(name, e.getValue()); // already meant for Apptainer itself
            } else if (!name.equals("HOME")) {
                outer.put(ENV_PREFIX + name, e.getValue());
            }
            if (GpuEnvFile.VARIABLES.contains(name)) {
                // Also outside, where the GPU env file (and --nvccli) reads it.
                outer.put(name, e.getValue());
            }
        }
        if (r.gpuEnv().isPresent() && !task.containsKey("CUDA_VISIBLE_DEVICES") && !r.gpus().isEmpty()) {
            // A gate assigned devices but nobody named them for CUDA: its ids (indexes or GPU-UUIDs) are
            // what CUDA_VISIBLE_DEVICES takes.
            String devices = String.join(",", r.gpus());
            outer.put("CUDA_VISIBLE_DEVICES", devices);
            outer.put(ENV_PREFIX + "CUDA_VISIBLE_DEVICES", devices);
        }
        return outer;
    }
}
