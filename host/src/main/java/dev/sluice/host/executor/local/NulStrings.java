package dev.sluice.host.executor.local;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * NUL-terminated UTF-8 strings one after the other in a reused buffer, as the native side reads them: a
 * launch handed to the host's native library, a request to the task loop.
 */
final class NulStrings {
    byte[] bytes = new byte[4096];
    int length;

    /** Empties it, keeping the first {@code from} bytes for a header of the caller's. */
    NulStrings clear(int from) {
        length = from;
        return this;
    }

    NulStrings add(String text) {
        byte[] encoded = text.getBytes(StandardCharsets.UTF_8);
        int end = length + encoded.length + 1;
        if (end > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, end));
        }
        System.arraycopy(encoded, 0, bytes, length, encoded.length);
        bytes[end - 1] = 0;
        length = end;
        return this;
    }
}
