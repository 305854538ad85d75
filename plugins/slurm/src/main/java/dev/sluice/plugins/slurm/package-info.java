/**
 * The {@code slurm} plugin: a {@link dev.sluice.plugins.slurm.SlurmExecutor} that runs each task as a
 * Slurm batch job, on the kit's batch-scheduler base ({@link dev.sluice.kit.batch.BatchExecutor}) with
 * Slurm's hooks ({@link dev.sluice.plugins.slurm.SlurmScheduler}). It submits with {@code sbatch} and lets
 * go; one {@code squeue} per poll reports on every job of the run; a job's batch script writes the task's
 * exit code and, when the host serves its HTTP endpoint, calls back so the host learns of the end at once;
 * {@code scancel} ends jobs in batches. No thread or slot is held per job.
 */
package dev.sluice.plugins.slurm;
