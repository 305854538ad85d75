/** Signalling process groups: shared by the local executor and the action runner (program lookup is the kit's). */
package dev.sluice.host.process;
