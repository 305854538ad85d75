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
     * Options that widen what a task may do on the machine: a process may give them only where the
     * operator's {@code allowedOptions} names them (the operator's own {@code options} are not checked).
     */
    static final Map<String, String> PRIVILEGED = Map.ofEntries(
            Map.entry("--fakeroot", "it runs the task as root inside a user namespace"),
            Map.entry("-f", "it runs the task as root inside a user namespace (-f is --fakeroot)"),
            Map.entry("--add-caps", "it gives the task Linux capabilities"),
            Map.entry("--allow-setuid", "it lets setuid programs in the image run as their owner"),
            Map.entry("--keep-privs", "it lets a task started by root keep root's privileges"),
            Map.entry("--security", "it changes the task's security profile (seccomp, AppArmor, SELinux)"),
            Map.entry("--net", "it joins the task to a network other than none"),
            Map.entry("-n", "it joins the task to a network other than none (-n is --net)"),
            Map.entry("--network", "it joins the task to a network other than none"),
            Map.entry("--network-args", "it configures the task's network"));

    private ExecOptions() {
    }

    /**
     * Checks a process's options against what the operator allows.
     *
     * @param setting where the operator's list is, for the message
     * @throws InvalidSettingException naming the hint, the option and the fix
     */
    static void checkPrivileged(Settings hints, String key, List<String> options, java.util.Set<String> allowed,
            String setting) {
        for (String option : options) {
            String name = option.contains("=") ? option.substring(0, option.indexOf('=')) : option;
            String why = PRIVILEGED.get(name);
            boolean harmless = (name.equals("--network") || name.equals("--net")) && option.equals(name + "=none");
            if (why != null && !harmless && !allowed.contains(name)) {
                throw hints.invalid(key, option, name + " is not among the options the operator lets processes give ("
                        + setting + ": " + (allowed.isEmpty() ? "none" : String.join(", ", allowed)) + "): " + why
                        + "; ask the operator to add it there, or to give it in plugins.apptainer.options");
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
