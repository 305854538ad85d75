/**
 * Environment definitions: what a pipeline's {@code environments:} map and the Open Job Description
 * environment templates it references say, checked before anything runs. Nothing here runs an
 * environment; the session runtime builds on {@link dev.sluice.openjd.model.EnvironmentDef}.
 *
 * <p>Entry points: {@link dev.sluice.openjd.model.EnvironmentLoader} (used by the pipeline loader,
 * or {@link dev.sluice.openjd.model.EnvironmentLoader#loadTemplate} for one template file), and
 * the records it makes. The format is described in {@code docs/user-guide/environments.md}.
 */
package dev.sluice.openjd.model;
