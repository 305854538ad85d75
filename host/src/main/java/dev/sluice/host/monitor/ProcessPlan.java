package dev.sluice.host.monitor;

import dev.sluice.host.config.EffectiveProcess;
import dev.sluice.host.config.TaskSpec;
import java.util.List;

/** A process and its tasks, in the order the pipeline's DAG allows. */
public record ProcessPlan(EffectiveProcess process, List<TaskSpec> tasks) {
}
