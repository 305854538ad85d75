/**
 * Reading YAML into located nodes and checking them field by field, with problems that name the
 * file, line, field and fix. Shared by the pipeline, config and environment loaders; it knows none
 * of them.
 */
package dev.sluice.yaml;
