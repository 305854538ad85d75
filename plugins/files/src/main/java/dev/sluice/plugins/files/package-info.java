/**
 * The {@code files} plugin: {@link dev.sluice.plugins.files.FilesGate}, a readiness gate that holds a
 * task until its input files exist and have stopped growing.
 */
package dev.sluice.plugins.files;
