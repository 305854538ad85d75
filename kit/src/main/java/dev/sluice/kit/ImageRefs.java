package dev.sluice.kit;

import java.util.Optional;
import java.util.regex.Pattern;

/** Checks and normalises OCI image references ({@code [registry/]name[:tag][@sha256:digest]}). */
public final class ImageRefs {
    // Lower-case path components separated by / (the first may be a registry host with a port), then an
    // optional tag and an optional digest; what the engine itself accepts, minus its rarer corners.
    private static final Pattern REFERENCE = Pattern.compile(
            "(?:[a-zA-Z0-9.-]+(?::[0-9]+)?/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
                    + "(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*"
                    + "(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[0-9a-f]{64})?");

    private ImageRefs() {
    }

    /** Why the reference is not one an OCI registry would accept, or empty when it is. */
    public static Optional<String> problem(String image) {
        if (image.isBlank()) {
            return Optional.of("the image is empty; write e.g. busybox:1.36 or registry.local/lab/tool:2");
        }
        if (!REFERENCE.matcher(image).matches()) {
            return Optional.of("'" + image + "' is not an image reference; write [registry/]name[:tag][@sha256:digest]"
                    + " with a lower-case name, e.g. busybox:1.36");
        }
        return Optional.empty();
    }

    /** The reference with {@code :latest} added when it names neither a tag nor a digest. */
    public static String withDefaultTag(String image) {
        if (image.contains("@")) {
            return image;
        }
        int slash = image.lastIndexOf('/');
        return image.indexOf(':', slash + 1) >= 0 ? image : image + ":latest";
    }
}
