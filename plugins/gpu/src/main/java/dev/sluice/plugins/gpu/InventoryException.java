package dev.sluice.plugins.gpu;

/**
 * The machine's GPUs could not be listed: nvidia-smi hung, failed or printed something else than a
 * device list, or the operator's config names devices that are not there. The message says which,
 * in the user's terms, and how to fix it.
 */
final class InventoryException extends Exception {
    private static final long serialVersionUID = 1L;

    InventoryException(String message) {
        super(message);
    }
}
