package dev.sluice.kit.batch;

import dev.sluice.spi.TaskLaunch;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A scheduler of our own, "Toy", written as a second scheduler would be: its commands ({@code tsub},
 * {@code tstat}, {@code tdel}) and how to read them, and nothing else. The whole of it is these hooks.
 */
final class ToyScheduler implements BatchScheduler {
    private static final Pattern JOB_ID = Pattern.compile("(\\d+)\\.toy");

    @Override
    public String displayName() {
        return "Toy";
    }

    @Override
    public String installHint() {
        return "install the toy's tools";
    }

    @Override
    public String notAnswering(String said) {
        return "the toy server does not answer: " + said + "; start toyd";
    }

    @Override
    public List<String> requiredPrograms() {
        return List.of("tsub", "tstat", "tdel");
    }

    @Override
    public String directivePrefix() {
        return "#TOY";
    }

    @Override
    public List<String> directives(TaskLaunch launch, String jobName) {
        return List.of("-N " + jobName, "-o " + launch.files().workDir().resolve(JobScript.LOG),
                "-c " + launch.task().resources().cpus());
    }

    @Override
    public List<String> submitCommand(Path script) {
        return List.of("tsub", script.toString());
    }

    /** tsub prints {@code 123.toy}. */
    @Override
    public Optional<String> jobId(String submitOutput) {
        Matcher m = JOB_ID.matcher(submitOutput.strip());
        return m.matches() ? Optional.of(m.group(1)) : Optional.empty();
    }

    @Override
    public boolean isTransient(String message) {
        return message.contains("busy");
    }

    @Override
    public List<String> statusCommand(String jobName) {
        return List.of("tstat", "-N", jobName);
    }

    /** Lines of {@code id state [reason]}: Q queued, R running, E exiting, C complete, K killed, T timed out. */
    @Override
    public Map<String, JobRow> parseStatus(String output) {
        Map<String, JobRow> rows = new HashMap<>();
        for (String line : output.lines().toList()) {
            String[] f = line.strip().split("\\s+", 3);
            if (f.length < 2) {
                continue;
            }
            JobState state = switch (f[1]) {
                case "Q", "H" -> JobState.QUEUED;
                case "R" -> JobState.RUNNING;
                case "E" -> JobState.FINISHING;
                case "C" -> JobState.EXITED;
                case "K" -> JobState.CANCELLED;
                case "T" -> JobState.TIMED_OUT;
                default -> JobState.FAILED;
            };
            rows.put(f[0], new JobRow(f[0], state, f[1], f.length > 2 ? f[2] : "", null, null, "node1"));
        }
        return rows;
    }

    @Override
    public Optional<String> neverStarts(String reason) {
        return "NoSuchQueue".equals(reason) ? Optional.of("the queue does not exist") : Optional.empty();
    }

    @Override
    public List<String> terminateCommand(List<String> ids) {
        return BatchScheduler.withIds(List.of("tdel", "-s", "TERM"), ids);
    }

    @Override
    public List<String> cancelCommand(List<String> ids) {
        return BatchScheduler.withIds(List.of("tdel"), ids);
    }

    @Override
    public List<String> cancelRunCommand(String jobName) {
        return List.of("tdel", "-N", jobName);
    }
}
