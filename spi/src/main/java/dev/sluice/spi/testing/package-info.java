/** Test doubles for plugin authors: a fake clock and a simple task handle. */
package dev.sluice.spi.testing;
