package dev.sluice.kit;

import dev.sluice.spi.InvalidSettingException;
import dev.sluice.spi.Settings;
import java.util.List;
import java.util.regex.Pattern;

/**
 * One entry of the operator's allow-list: a glob over image references ({@code registry.local/lab/*},
 * {@code busybox:1.*}; {@code *} does not cross a {@code /}, {@code **} does), or a pinned digest
 * ({@code name@sha256:<hex>} or a bare {@code sha256:<hex>}) that allows whatever reference resolves to
 * that content.
 *
 * @param text   the entry as the operator wrote it (trimmed)
 * @param glob   the glob as a regular expression; {@code null} for a pinned digest
 * @param digest {@code sha256:<hex>} of a pinned digest; {@code null} for a glob
 */
public record ImagePattern(String text, Pattern glob, String digest) {
    private static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");

    /**
     * Reads one entry.
     *
     * @param settings where the entry was written, for the error message
     * @param key      the setting that holds the list, e.g. {@code allowedImages}
     * @throws InvalidSettingException naming the key and the way to write an entry
     */
    public static ImagePattern parse(Settings settings, String key, String text) {
        String t = text.trim();
        int at = t.indexOf('@');
        String digestPart = at >= 0 ? t.substring(at + 1) : t.startsWith("sha256:") ? t : null;
        if (digestPart != null) {
            if (!DIGEST.matcher(digestPart).matches()) {
                throw settings.invalid(key, text, "a pinned digest is name@sha256:<64 hex digits> or sha256:<64 hex "
                        + "digits>");
            }
            return new ImagePattern(t, null, digestPart);
        }
        if (t.isEmpty() || t.chars().anyMatch(Character::isWhitespace)) {
            throw settings.invalid(key, text, "write an image glob such as registry.local/lab/* or busybox:1.*");
        }
        return new ImagePattern(t, globToRegex(t), null);
    }

    /** Whether this entry pins content by digest rather than matching names. */
    public boolean isDigest() {
        return digest != null;
    }

    /** Whether the reference as written is allowed: a glob that matches it, or the same pinned reference. */
    public boolean matchesReference(String image) {
        if (glob != null) {
            return glob.matcher(image).matches() || glob.matcher(ImageRefs.withDefaultTag(image)).matches();
        }
        return image.equals(text) || image.endsWith("@" + digest);
    }

    /** Whether an image with this local id or these repo digests ({@code name@sha256:...}) is pinned here. */
    public boolean matchesContent(String imageId, List<String> repoDigests) {
        if (digest == null) {
            return false;
        }
        if (digest.equals(imageId)) {
            return true;
        }
        return repoDigests.stream().anyMatch(d -> d.endsWith("@" + digest)
                && (text.startsWith("sha256:") || d.equals(text)));
    }

    private static Pattern globToRegex(String glob) {
        StringBuilder re = new StringBuilder();
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            if (c == '*' && i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
                re.append(".*");
                i++;
            } else if (c == '*') {
                re.append("[^/]*");
            } else if (c == '?') {
                re.append("[^/]");
            } else {
                re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(re.toString());
    }
}
