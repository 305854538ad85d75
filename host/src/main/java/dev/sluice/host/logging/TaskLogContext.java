package dev.sluice.host.logging;

import org.slf4j.MDC;

/**
 * Marks the log lines written while the host handles one task (on any thread) with the task's id and
 * process, so that the JSON log's {@code task} and {@code process} fields say which task a line is about.
 * Use with try-with-resources; nested use is not needed and not supported.
 */
public final class TaskLogContext implements AutoCloseable {
    public static final String TASK = "task";
    public static final String PROCESS = "process";
    /** Who submitted the task ({@code sluice serve}), where named; set around its audit lines. */
    public static final String TENANT = "tenant";
    /** The orchestrator's workflow of the task ({@code sluice serve}), where named. */
    public static final String WORKFLOW = "workflow_id";
    private static final TaskLogContext INSTANCE = new TaskLogContext();

    private TaskLogContext() {
    }

    public static TaskLogContext of(String taskId, String process) {
        MDC.put(TASK, taskId);
        MDC.put(PROCESS, process);
        return INSTANCE;
    }

    @Override
    public void close() {
        MDC.remove(TASK);
        MDC.remove(PROCESS);
    }
}
