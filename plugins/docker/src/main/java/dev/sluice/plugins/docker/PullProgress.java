package dev.sluice.plugins.docker;

import dev.sluice.spi.Units;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** How far a pull has come, from the engine's progress messages, one entry per layer. */
final class PullProgress {
    private final String image;
    /** Per layer: bytes done and bytes in all. */
    private final Map<String, long[]> layers = new ConcurrentHashMap<>();

    PullProgress(String image) {
        this.image = image;
    }

    /** A layer's progress message: its id, the engine's status, bytes done and in all (0: not said). */
    void update(String layer, String status, long current, long total) {
        switch (status) {
            case "Pulling fs layer", "Waiting" -> layers.putIfAbsent(layer, new long[2]);
            case "Downloading" -> {
                if (total > 0) {
                    layers.put(layer, new long[] {current, total});
                }
            }
            case "Download complete", "Verifying Checksum", "Extracting", "Pull complete", "Already exists" -> {
                long[] now = layers.computeIfAbsent(layer, l -> new long[2]);
                if (now[1] == 0) {
                    // A layer whose size was never announced counts as one unit, done.
                    now[1] = 1;
                }
                now[0] = now[1];
            }
            default -> {
                // "Pulling from ...", "Digest: ...", "Status: ...": nothing per layer.
            }
        }
    }

    /**
     * e.g. {@code pulling lab/tool:2: 45% of 2.1 MB (1/3 layers)}, or {@code pulling lab/tool:2} at
     * first. The percentage counts bytes once every layer's size is known, layers before that.
     */
    String describe() {
        long done = 0;
        long total = 0;
        int complete = 0;
        boolean sizesKnown = true;
        for (long[] layer : layers.values()) {
            done += layer[0];
            total += layer[1];
            sizesKnown &= layer[1] > 0;
            if (layer[1] > 0 && layer[0] >= layer[1]) {
                complete++;
            }
        }
        if (layers.isEmpty()) {
            return "pulling " + image;
        }
        String amount = sizesKnown ? (100 * done / total) + "% of " + Units.formatSize(total)
                : (100 * complete / layers.size()) + "%";
        return "pulling " + image + ": " + amount + " (" + complete + "/" + layers.size() + " layers)";
    }
}
