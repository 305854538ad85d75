package dev.sluice.plugins.docker;

import com.github.dockerjava.api.model.PullResponseItem;
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

    void update(PullResponseItem item) {
        String layer = item.getId();
        String status = item.getStatus();
        if (layer == null || status == null) {
            return;
        }
        ResponseSizes sizes = ResponseSizes.of(item);
        switch (status) {
            case "Pulling fs layer", "Waiting" -> layers.putIfAbsent(layer, new long[2]);
            case "Downloading" -> {
                if (sizes.total > 0) {
                    layers.put(layer, new long[] {sizes.current, sizes.total});
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

    private record ResponseSizes(long current, long total) {
        static ResponseSizes of(PullResponseItem item) {
            var d = item.getProgressDetail();
            if (d == null) {
                return new ResponseSizes(0, 0);
            }
            return new ResponseSizes(d.getCurrent() == null ? 0 : d.getCurrent(), d.getTotal() == null ? 0 : d.getTotal());
        }
    }
}
