package dev.sluice.plugins.apptainer;

import dev.sluice.spi.InvalidSettingException;
import dev.sluice.spi.Settings;
import java.util.List;
import java.util.Map;

/**
 * Extra {@code apptainer exec} options from the config ({@code options}) and hints
 * ({@code apptainer/options}), each one argument such as {@code --writable-tmpfs} or
 * {@code --network=none}. Options the plugin sets itself are refused, since a second value would
 * silently undo what the plugin relies on (a clean environment, the work directory, the GPU setup).
 */
final class ExecOptions {
    /** The options the plugin sets, and what to use instead. */
    private static final Map<String, String> OWN = Map.ofEntries(
            Map.entry("--cleanenv", "the plugin always runs tasks with a clean environment"),
            Map.entry("-e", "the plugin always runs tasks with a clean environment (-e is --cleanenv)"),
            Map.entry("--no-home", "the plugin always leaves the home directory out"),
            Map.entry("--home", "the plugin leaves the home directory out (--no-home); bind what the task needs"
                    + " with binds"),
            Map.entry("-H", "the plugin leaves the home directory out (--no-home); bind what the task needs with binds"),
            Map.entry("--bind", "write the mount in binds (plugins.apptainer.binds or the hint apptainer/binds)"),
            Map.entry("-B", "write the mount in binds (plugins.apptainer.binds or the hint apptainer/binds)"),
            Map.entry("--pwd", "the plugin runs the task in its work directory"),
            Map.entry("--cwd", "the plugin runs the task in its work directory"),
            Map.entry("--nv", "the plugin adds --nv for tasks that hold a GPU"),
            Map.entry("--env", "set the variable in the process's env: it reaches the container"),
            Map.entry("--env-file", "set the variable in the process's env: it reaches the container"));

    /**
     * Options a process may give on its own: they narrow what a task can do, or tidy its container, and
     * reach no host path. Any other needs the operator's {@code allowedOptions}: an allow-list, since
     * apptainer keeps adding options that mount or grant things ({@code --mount}, {@code --overlay},
     * {@code --fakeroot}, {@code --add-caps}, ...). {@code --network} and {@code --net} pass only as
     * {@code =none}.
     */
    static final java.util.Set<String> HARMLESS = java.util.Set.of("--writable-tmpfs", "--contain", "--containall",
            "--no-privs", "--drop-caps", "--userns", "--no-init", "--no-eval", "--no-umask", "--compat", "--ipc",
            "--pid", "--uts", "--no-mount", "--unsquash", "--app", "--disable-cache");

    private ExecOptions() {
    }

    /**
     * Checks a process's own options: long ones only (short ones can be run together, {@code -fC}, or
     * carry a value without {@code =}, {@code -B/:/host}), each harmless or allowed by the operator.
     *
     * @param setting where the operator's list is, for the message
     * @throws InvalidSettingException naming the hint, the option and the fix
     */
    static void checkProcessOptions(Settings hints, String key, List<String> options, java.util.Set<String> allowed,
            String setting) {
        for (String option : options) {
            if (!option.startsWith("--")) {
                throw hints.invalid(key, option, "a process's own options are written in their long form"
                        + " (--name or --name=value), so that each can be checked; e.g. --writable-tmpfs");
            }
            String name = option.contains("=") ? option.substring(0, option.indexOf('=')) : option;
            boolean network = name.equals("--network") || name.equals("--net");
            boolean harmless = network ? option.equals(name + "=none") : HARMLESS.contains(name);
            if (!harmless && !allowed.contains(name)) {
                throw hints.invalid(key, option, name + " is not among the options a process may give on its own ("
                        + String.join(", ", new java.util.TreeSet<>(HARMLESS)) + ", --network=none) nor among those"
                        + " the operator allows (" + setting + ": " + (allowed.isEmpty() ? "none"
                        : String.join(", ", allowed)) + "); ask the operator to add it there, or to give it in"
                        + " plugins.apptainer.options");
            }
        }
    }

    /**
     * Reads and checks the options under {@code key}.
     *
     * @throws InvalidSettingException naming the key, the option and the fix
     */
    static List<String> parse(Settings settings, String key) {
        List<String> options = settings.list(key);
        for (String option : options) {
            if (!option.startsWith("-")) {
                throw settings.invalid(key, option, "each item is one option of apptainer exec starting with '-'; "
                        + "write an option with a value as one item, e.g. --network=none");
            }
            if (option.chars().anyMatch(Character::isWhitespace)) {
                throw settings.invalid(key, option, "an option is one argument without spaces; write an option"
                        + " with a value as --name=value");
            }
            String name = option.contains("=") ? option.substring(0, option.indexOf('=')) : option;
            String why = OWN.get(name);
            if (why != null) {
                throw settings.invalid(key, option, name + " is set by the plugin itself: " + why);
            }
        }
        return options;
    }
}
