/**
 * The sluice plugin API.
 *
 * <p>Extension points, each a PF4J {@link org.pf4j.ExtensionPoint}:
 * <ul>
 *   <li>{@link dev.sluice.spi.TaskReadinessGate}: blocks a task until it is ready to submit;</li>
 *   <li>{@link dev.sluice.spi.TaskExecutor}: launches, polls and kills tasks;</li>
 *   <li>{@link dev.sluice.spi.TaskWrapper}: rewrites the command a task runs;</li>
 *   <li>{@link dev.sluice.spi.TaskHealthMonitor}: probes running tasks.</li>
 * </ul>
 * Plugins see tasks through {@link dev.sluice.spi.TaskHandle}, read their policy from namespaced
 * {@link dev.sluice.spi.Hints}, and reach the host only through {@link dev.sluice.spi.PluginContext}.
 * Plugins depend on this module and on PF4J with scope {@code provided}.
 */
package dev.sluice.spi;
