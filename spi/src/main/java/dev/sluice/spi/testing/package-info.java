/** Test doubles for plugin authors: a fake clock, a simple task handle and a plugin context. */
package dev.sluice.spi.testing;
