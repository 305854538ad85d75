/**
 * Machinery that more than one plugin needs, kept once: the operator's image allow-list
 * ({@link dev.sluice.kit.ImageAllowList}, {@link dev.sluice.kit.ImagePattern}) and the checks of OCI image
 * references it relies on ({@link dev.sluice.kit.ImageRefs}); the way plugins run external commands, with
 * a timeout that kills the command's whole process tree ({@link dev.sluice.kit.CommandRunner}). A plugin bundles this library in its zip
 * (compile scope); the kit itself depends only on the SPI, which the host provides.
 */
package dev.sluice.kit;
