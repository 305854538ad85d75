package dev.sluice.kit;

import dev.sluice.spi.InvalidSettingException;
import dev.sluice.spi.Settings;
import java.util.List;

/**
 * The operator's image allow-list: globs over references and pinned digests ({@link ImagePattern}).
 * An empty list allows every image.
 *
 * @param patterns the entries, in the order written
 */
public record ImageAllowList(List<ImagePattern> patterns) {

    public ImageAllowList {
        patterns = List.copyOf(patterns);
    }

    /** A list that allows every image. */
    public static ImageAllowList any() {
        return new ImageAllowList(List.of());
    }

    /**
     * Reads the list under {@code key} (a YAML list or comma-separated).
     *
     * @throws InvalidSettingException naming the key and the way to write an entry
     */
    public static ImageAllowList from(Settings settings, String key) {
        return new ImageAllowList(settings.list(key).stream().map(p -> ImagePattern.parse(settings, key, p)).toList());
    }

    /** Whether the list allows every image. */
    public boolean allowsAny() {
        return patterns.isEmpty();
    }

    /**
     * Whether an image may be used by its reference alone: {@code true} or {@code false}, or {@code null}
     * when only its content can tell (the reference matches no glob but the list pins digests).
     */
    public Boolean allowsByName(String image) {
        if (patterns.isEmpty()) {
            return true;
        }
        boolean digestPins = false;
        for (ImagePattern p : patterns) {
            if (p.matchesReference(image)) {
                return true;
            }
            digestPins |= p.isDigest();
        }
        return digestPins ? null : false;
    }

    /** Whether an image whose content has this id (e.g. {@code sha256:<hex>}) and these repo digests is allowed. */
    public boolean allows(String image, String imageId, List<String> repoDigests) {
        if (patterns.isEmpty()) {
            return true;
        }
        for (ImagePattern p : patterns) {
            if (p.matchesReference(image) || p.matchesContent(imageId, repoDigests)) {
                return true;
            }
        }
        return false;
    }

    /** The list as the operator wrote it, for messages. */
    public String describe() {
        return String.join(", ", patterns.stream().map(ImagePattern::text).toList());
    }
}
