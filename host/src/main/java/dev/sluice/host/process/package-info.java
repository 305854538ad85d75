/** Starting and signalling processes and process groups: shared by executors and the action runner. */
package dev.sluice.host.process;
