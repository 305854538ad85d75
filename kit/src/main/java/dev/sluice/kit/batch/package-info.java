/**
 * The base of batch-scheduler executors: {@link dev.sluice.kit.batch.BatchExecutor} does what every
 * scheduler needs (the job script, one status thread for all of a run's jobs, exit codes, callbacks,
 * batched cancels), and a scheduler is a {@link dev.sluice.kit.batch.BatchScheduler} of hooks: its
 * commands and how to read their output. See {@code docs/extension-points/batch-schedulers.md}.
 */
package dev.sluice.kit.batch;
