/**
 * The gate layer of the sluice host: {@link dev.sluice.gate.TaskGateManager} runs the installed
 * {@link dev.sluice.spi.TaskReadinessGate}s of every scheduled task on virtual threads and reports one
 * {@link dev.sluice.gate.GateOutcome} per task to a {@link dev.sluice.gate.GateListener}.
 */
package dev.sluice.gate;
