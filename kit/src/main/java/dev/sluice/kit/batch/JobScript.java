package dev.sluice.kit.batch;

import dev.sluice.spi.CallbackEndpoint;
import dev.sluice.spi.LaunchCommand;
import dev.sluice.spi.TaskLaunch;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The batch script of one task attempt: the scheduler's directives, then a body that runs the (wrapped)
 * command with its output in the task's files, forwards the scheduler's signals to it, writes its exit
 * status to the exit-code file as its last act and, when the host's endpoint is on, reports that status
 * to it. The body is plain bash and the same for every scheduler: only the directives and the variable
 * that holds the job's id differ.
 */
public final class JobScript {
    /** The script, in the task's work directory; only its owner may read it, since it holds its callback token. */
    public static final String FILE = ".command.run";
    /** Where the scheduler writes the batch step's own output (its messages, not the task's). */
    public static final String LOG = ".command.log";
    /** Created by the script when the scheduler warned that the time limit is near, so that the end reads as a timeout. */
    public static final String TIME_LIMIT_MARKER = ".command.timelimit";
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private JobScript() {
    }

    /**
     * The whole script.
     *
     * @param prefix        what starts each directive line, e.g. {@code #SBATCH}
     * @param directives    the directives, without the prefix
     * @param callback      where the job reports its end, with the token of its own key only
     */
    public static String render(TaskLaunch launch, String prefix, List<String> directives,
            Optional<CallbackEndpoint> callback) {
        LaunchCommand command = launch.command();
        StringBuilder s = new StringBuilder("#!/bin/bash\n");
        for (String directive : directives) {
            s.append(prefix).append(' ').append(directive).append('\n');
        }
        s.append("# Written by sluice for task '").append(oneLine(launch.task().name())).append("' (attempt ")
                .append(launch.task().attempt()).append(").\n");
        s.append("# Runs the task in a process group of its own, passes the scheduler's signals on to the group, ends\n"
                + "# what is left of it when the task ends, and writes its exit status as its last act.\n");
        s.append("set -u\n");
        s.append("cd ").append(quote(command.workDir().toString())).append(" || exit 1\n");
        for (Map.Entry<String, String> e : new TreeMap<>(command.environment()).entrySet()) {
            if (ENV_NAME.matcher(e.getKey()).matches()) {
                s.append("export ").append(e.getKey()).append('=').append(quote(e.getValue())).append('\n');
            }
        }
        String exitFile = launch.files().exitCode().toString();
        String marker = launch.files().workDir().resolve(TIME_LIMIT_MARKER).toString();
        // Job control gives the task a process group of its own, so that every signal below reaches its
        // children too, and what it leaves running ends with it.
        s.append("set -m\n");
        s.append(String.join(" ", command.argv().stream().map(JobScript::quote).toList()))
                .append(" >").append(quote(launch.files().stdout().toString()))
                .append(" 2>").append(quote(launch.files().stderr().toString())).append(" </dev/null &\n");
        s.append("sluice_pid=$!\n");
        s.append("trap 'kill -TERM -- -\"$sluice_pid\" 2>/dev/null' TERM INT\n");
        s.append("trap ': >").append(quote(marker).replace("'", "'\\''"))
                .append("; kill -TERM -- -\"$sluice_pid\" 2>/dev/null' USR1\n");
        // The host's force, once the grace has passed.
        s.append("trap 'kill -KILL -- -\"$sluice_pid\" 2>/dev/null' USR2\n");
        // A trapped signal interrupts wait; wait again until the task has really ended. Bash keeps a
        // reaped child's status, so the last wait returns it.
        s.append("wait \"$sluice_pid\"; sluice_status=$?\n");
        s.append("while kill -0 \"$sluice_pid\" 2>/dev/null; do wait \"$sluice_pid\"; sluice_status=$?; done\n");
        s.append("wait \"$sluice_pid\" 2>/dev/null; sluice_last=$?\n");
        s.append("[ \"$sluice_last\" -ne 127 ] && sluice_status=$sluice_last\n");
        s.append("kill -KILL -- -\"$sluice_pid\" 2>/dev/null\n");
        s.append("printf '%s\\n' \"$sluice_status\" >").append(quote(exitFile + ".tmp")).append(" && mv -f ")
                .append(quote(exitFile + ".tmp")).append(' ').append(quote(exitFile)).append('\n');
        callback.ifPresent(endpoint -> appendCallback(s, endpoint, callbackKey(launch.task())));
        s.append("exit \"$sluice_status\"\n");
        return s.toString();
    }

    /** Reports the exit status to the host: curl when the node has it, else bash's own /dev/tcp. */
    private static void appendCallback(StringBuilder s, CallbackEndpoint endpoint, String key) {
        URI url = endpoint.url();
        String hostPort = url.getHost() + ":" + url.getPort();
        String token = endpoint.tokenFor(key);
        // In the URL the key is percent-encoded; the host decodes it before it checks the token.
        String jobId = quote(java.net.URLEncoder.encode(key, StandardCharsets.UTF_8).replace("+", "%20"));
        s.append("sluice_callback() {\n");
        s.append("    if command -v curl >/dev/null 2>&1; then\n");
        // The token goes in through stdin, so that it never shows in the node's process list.
        s.append("        printf 'Authorization: Bearer %s\\n' ").append(quote(token))
                .append(" | curl -fsS -m 5 -o /dev/null -H @- --data-binary \"$1\" ")
                .append(quote(url.toString() + "/")).append(jobId).append('\n');
        s.append("        return\n");
        s.append("    fi\n");
        s.append("    exec 3<>").append(quote("/dev/tcp/" + url.getHost() + "/" + url.getPort()))
                .append(" || return\n");
        s.append("    printf 'POST %s/%s HTTP/1.0\\r\\nHost: %s\\r\\nAuthorization: Bearer %s\\r\\n");
        s.append("Content-Length: %s\\r\\n\\r\\n%s' ").append(quote(url.getPath())).append(' ').append(jobId)
                .append(' ').append(quote(hostPort)).append(' ').append(quote(token))
                .append(" \"${#1}\" \"$1\" >&3\n");
        s.append("    read -r -t 5 _ <&3\n");
        s.append("    exec 3<&- 3>&-\n");
        s.append("}\n");
        s.append("sluice_callback \"$sluice_status\" 2>/dev/null || true\n");
    }

    /**
     * What a job's callback is keyed by: its task and attempt, known before the job is submitted, so that
     * the script can carry the token of its own key only ({@link CallbackEndpoint#tokenFor}).
     */
    public static String callbackKey(dev.sluice.spi.TaskHandle task) {
        return task.id() + "." + task.attempt();
    }

    /** Single-quoted for bash. */
    public static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    private static String oneLine(String s) {
        return s.replaceAll("[\\r\\n]+", " ");
    }
}
