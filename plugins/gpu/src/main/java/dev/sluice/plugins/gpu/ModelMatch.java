package dev.sluice.plugins.gpu;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Whether a device's model name satisfies a task's {@code resources.acceleratorType}.
 *
 * <p>The rule: both are split into words at spaces, dashes and underscores, case is ignored and a
 * leading {@code nvidia} word is dropped from each; the type matches when its words appear in the
 * name, in order and next to each other. So {@code nvidia-h100}, {@code h100} and {@code H100 80GB}
 * match {@code NVIDIA H100 80GB HBM3}; {@code h200} does not match {@code NVIDIA GH200 480GB}, nor
 * {@code l4} {@code NVIDIA L40S}: words are compared whole. The same short names (h100, a100, l40s)
 * are what Slurm sites usually call their GRES types, so one pipeline reads the same on both.
 */
final class ModelMatch {
    private ModelMatch() {
    }

    /** Whether a device named {@code deviceName} is of {@code type}; a blank or null type matches every device. */
    static boolean matches(String type, String deviceName) {
        if (type == null || type.isBlank()) {
            return true;
        }
        List<String> want = words(type);
        List<String> have = words(deviceName);
        if (want.isEmpty()) {
            return true; // "nvidia" alone: every NVIDIA device, which is every device nvidia-smi lists
        }
        for (int start = 0; start + want.size() <= have.size(); start++) {
            if (have.subList(start, start + want.size()).equals(want)) {
                return true;
            }
        }
        return false;
    }

    private static List<String> words(String text) {
        List<String> words = Arrays.stream(text.toLowerCase(Locale.ROOT).split("[\\s_-]+"))
                .filter(w -> !w.isEmpty()).toList();
        return !words.isEmpty() && words.get(0).equals("nvidia") ? words.subList(1, words.size()) : words;
    }
}
