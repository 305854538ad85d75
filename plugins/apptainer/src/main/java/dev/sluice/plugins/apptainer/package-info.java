/**
 * The {@code apptainer} plugin.
 */
package dev.sluice.plugins.apptainer;
