package dev.sluice.plugins.slurm;

import dev.sluice.kit.batch.JobState;
import java.util.Map;
import java.util.Set;

/** Slurm's job states and pending reasons, as squeue and sacct print them, and what they mean for a task. */
final class SlurmStates {
    private static final Set<String> PENDING = Set.of("PENDING", "CONFIGURING", "REQUEUED", "REQUEUE_FED",
            "REQUEUE_HOLD", "RESV_DEL_HOLD", "SUSPENDED", "STOPPED", "RESIZING");

    /**
     * Pending reasons after which Slurm will not start the job without someone changing it or the
     * cluster: waiting would be forever, so the task fails with Slurm's reason and the job is cancelled.
     */
    static final Map<String, String> NEVER_STARTS = Map.ofEntries(
            Map.entry("PartitionConfig", "the request exceeds what the partition's nodes or limits allow"),
            Map.entry("BadConstraints", "no node can satisfy the request's constraints"),
            Map.entry("PartitionNodeLimit", "the request needs more nodes than the partition allows"),
            Map.entry("PartitionTimeLimit", "the time limit exceeds the partition's maximum"),
            Map.entry("InvalidAccount", "the account is not valid"),
            Map.entry("InvalidQOS", "the QOS is not valid"),
            Map.entry("QOSJobLimit", "the QOS does not allow such a job"),
            Map.entry("AccountNotAllowed", "the account may not use this partition"),
            Map.entry("QOSNotAllowed", "the QOS may not be used with this partition"),
            Map.entry("DependencyNeverSatisfied", "a dependency can never be satisfied"));

    private SlurmStates() {
    }

    static boolean isPending(String state) {
        return PENDING.contains(state);
    }

    /** What a Slurm state means to the executor; a state Slurm adds later reads as a failure with its name. */
    static JobState meaning(String state) {
        if (isPending(state)) {
            return JobState.QUEUED;
        }
        return switch (state) {
            case "RUNNING", "SIGNALING" -> JobState.RUNNING;
            // The batch script has ended and Slurm is cleaning up: the exit code may come any moment.
            case "COMPLETING", "STAGE_OUT" -> JobState.FINISHING;
            case "COMPLETED", "FAILED" -> JobState.EXITED;
            case "TIMEOUT", "DEADLINE" -> JobState.TIMED_OUT;
            case "OUT_OF_MEMORY" -> JobState.OUT_OF_MEMORY;
            case "NODE_FAIL", "BOOT_FAIL", "PREEMPTED" -> JobState.NODE_FAILED;
            case "CANCELLED" -> JobState.CANCELLED;
            default -> JobState.FAILED;
        };
    }
}
