/**
 * The {@code docker} plugin: a {@link dev.sluice.plugins.docker.DockerExecutor} that runs tasks on a
 * Docker Engine (by {@code exec} in a session container, or in a container of their own), an
 * {@link dev.sluice.plugins.docker.ImageGate} that makes sure a task's image is present and allowed
 * before it is submitted, and a {@link dev.sluice.plugins.docker.ContainerMonitor} that fails the tasks
 * of a container that died. It talks to the engine through docker-java's API, never the CLI; the
 * executor does so behind an {@link dev.sluice.plugins.docker.Engine} of its own, which tests replace.
 */
package dev.sluice.plugins.docker;
