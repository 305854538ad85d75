/**
 * A Java client of {@code sluice serve}'s task API: {@link dev.sluice.client.SluiceClient}. Depends on the
 * JDK and Jackson only.
 */
package dev.sluice.client;
