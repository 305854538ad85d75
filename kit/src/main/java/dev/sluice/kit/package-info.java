/**
 * Machinery that more than one plugin (or a plugin and the host) needs, kept once: the operator's image
 * allow-list ({@link dev.sluice.kit.ImageAllowList}, {@link dev.sluice.kit.ImagePattern}) and the checks of
 * OCI image references it relies on ({@link dev.sluice.kit.ImageRefs}); the way plugins run external
 * commands, with a timeout that kills the command's whole process tree ({@link dev.sluice.kit.CommandRunner});
 * and what executors share: the in-memory table their polls answer from ({@link dev.sluice.kit.StatusTable}),
 * program lookup on a PATH ({@link dev.sluice.kit.ProgramLocator}) and the common config keys
 * ({@link dev.sluice.kit.ExecutorConfig}); and the base of batch-scheduler executors
 * ({@link dev.sluice.kit.batch}). A plugin bundles this library in its zip (compile scope); the kit
 * itself depends only on the SPI, which the host provides.
 */
package dev.sluice.kit;
