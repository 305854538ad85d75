/**
 * Reading YAML into located nodes and checking them field by field, shared by the pipeline loader and
 * the config loader. Internal to those loaders: other code uses {@code PipelineLoader} and
 * {@code ConfigLoader}.
 */
package dev.sluice.host.pipeline.yaml;
