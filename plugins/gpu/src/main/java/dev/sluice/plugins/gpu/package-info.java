/**
 * The {@code gpu} plugin.
 */
package dev.sluice.plugins.gpu;
