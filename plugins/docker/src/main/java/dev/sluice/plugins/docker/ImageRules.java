package dev.sluice.plugins.docker;

import dev.sluice.kit.ImageAllowList;
import dev.sluice.kit.ImagePattern;
import dev.sluice.kit.ImageRefs;
import dev.sluice.spi.InvalidSettingException;
import dev.sluice.spi.Settings;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The operator's allow-list ({@code plugins.docker.allowedImages}, the kit's entries) decided from a
 * task's image reference alone, so that an image it refuses never reaches the engine: no local
 * lookup, no pull, nothing left in the engine's store. {@code sluice validate} and the gate decide
 * alike.
 *
 * <ul>
 *   <li>A name without wildcards ({@code busybox}, {@code busybox:1.36}, {@code registry.local:5000/lab/tool:2})
 *       allows that repository at that tag ({@code latest} when none is written), however the reference
 *       spells Docker Hub ({@code docker.io/library/busybox}); not with a digest added, which the engine pulls
 *       by instead of the tag.</li>
 *   <li>A glob ({@code registry.local/lab/*}, {@code busybox:1.*}, {@code **}) allows a reference when it
 *       matches one of its spellings ({@link ImageRef#spellings}).</li>
 *   <li>A pinned digest with a name ({@code lab/tool@sha256:...}, the name may be a glob) allows references to
 *       that repository carrying that digest; a bare one ({@code sha256:...}) allows any reference carrying it,
 *       and the local image of that id. A reference by tag alone is never allowed by a pin: what a tag names is
 *       only known once a registry is asked, and a tag can move.</li>
 * </ul>
 */
final class ImageRules {
    private final ImageAllowList list;
    private final List<Rule> rules;

    private sealed interface Rule {
        boolean allows(ImageRef ref);
    }

    /** A name without wildcards: the same repository at the same tag. */
    private record Literal(ImageRef name) implements Rule {
        @Override
        public boolean allows(ImageRef ref) {
            // Beside a digest the engine ignores the tag, so a rule naming a tag cannot vouch for the content.
            return ref.digest() == null && ref.repository().equals(name.repository())
                    && name.effectiveTag().equals(ref.effectiveTag());
        }
    }

    private record Glob(Pattern glob) implements Rule {
        @Override
        public boolean allows(ImageRef ref) {
            return ref.spellings().stream().anyMatch(s -> glob.matcher(s).matches());
        }
    }

    /**
     * A pinned digest: for a repository written out, or one a glob matches, or any ({@code null} both).
     */
    private record Pin(String digest, ImageRef name, Pattern nameGlob) implements Rule {
        @Override
        public boolean allows(ImageRef ref) {
            if (!digest.equals(ref.digest())) {
                return false;
            }
            if (name != null) {
                return !ref.isImageId() && ref.repository().equals(name.repository());
            }
            if (nameGlob != null) {
                return ref.repositorySpellings().stream().anyMatch(s -> nameGlob.matcher(s).matches());
            }
            return true;
        }

        /** Whether this pin is for the repository of {@code ref}, whatever the digest. */
        boolean isFor(ImageRef ref) {
            return name != null ? ref.repository().equals(name.repository())
                    : nameGlob == null || ref.repositorySpellings().stream().anyMatch(s -> nameGlob.matcher(s).matches());
        }
    }

    private ImageRules(ImageAllowList list, List<Rule> rules) {
        this.list = list;
        this.rules = List.copyOf(rules);
    }

    /**
     * Reads the list under {@code key}.
     *
     * @throws InvalidSettingException naming the key, the entry and how to write one
     */
    static ImageRules from(Settings settings, String key) {
        ImageAllowList list = ImageAllowList.from(settings, key);
        List<Rule> rules = new ArrayList<>();
        for (ImagePattern p : list.patterns()) {
            rules.add(p.isDigest() ? pin(settings, key, p) : name(settings, key, p));
        }
        return new ImageRules(list, rules);
    }

    private static boolean hasWildcard(String text) {
        return text.indexOf('*') >= 0 || text.indexOf('?') >= 0;
    }

    private static Rule name(Settings settings, String key, ImagePattern p) {
        if (hasWildcard(p.text())) {
            return new Glob(p.glob());
        }
        // A name that is no reference would never match anything: said now rather than refuse every task later.
        ImageRefs.problem(p.text()).ifPresent(problem -> {
            throw settings.invalid(key, p.text(), problem);
        });
        return new Literal(ImageRef.parse(p.text()));
    }

    private static Rule pin(Settings settings, String key, ImagePattern p) {
        String text = p.text();
        int at = text.indexOf('@');
        String name = at > 0 ? text.substring(0, at) : "";
        int colon = name.lastIndexOf(':');
        if (colon > name.lastIndexOf('/')) {
            // A tag beside a digest says nothing more: the engine pulls by the digest.
            name = name.substring(0, colon);
        }
        if (name.isEmpty()) {
            return new Pin(p.digest(), null, null);
        }
        if (hasWildcard(name)) {
            return new Pin(p.digest(), null, ImagePattern.parse(settings, key, name).glob());
        }
        if (ImageRefs.problem(name).isPresent()) {
            throw settings.invalid(key, text, "a pinned digest is name@sha256:<64 hex digits> with a lower-case name, "
                    + "e.g. registry.local/lab/tool@sha256:<digest>, or a bare sha256:<64 hex digits>");
        }
        return new Pin(p.digest(), ImageRef.parse(name), null);
    }

    /** Whether the image may be used, from its reference alone. */
    boolean allows(String image) {
        if (rules.isEmpty()) {
            return true;
        }
        ImageRef ref = ImageRef.parse(image);
        return rules.stream().anyMatch(r -> r.allows(ref));
    }

    /**
     * Why the image may not be used, with the fix, or empty when it may.
     *
     * @param origin where the image was named, e.g. {@code process 'align'}
     */
    Optional<String> refusal(String image, String origin) {
        if (allows(image)) {
            return Optional.empty();
        }
        ImageRef ref = ImageRef.parse(image);
        String refused = "image '" + image + "' of " + origin + " is not in the operator's allow-list (plugins.docker."
                + DockerSettings.ALLOWED_IMAGES + ": " + describe() + ")";
        if (ref.digest() == null && !ref.isImageId()) {
            List<Pin> pins = rules.stream().filter(r -> r instanceof Pin).map(r -> (Pin) r).toList();
            Optional<Pin> own = pins.stream().filter(pin -> pin.name() != null && pin.isFor(ref)).findFirst();
            if (own.isPresent()) {
                return Optional.of(refused + ": it is named by tag only, and the list allows " + ref.repository()
                        + " only pinned by digest, since a tag can move; pin it, e.g. docker/image: "
                        + stripTag(image) + "@" + own.get().digest());
            }
            if (!pins.isEmpty()) {
                return Optional.of(refused + ": it is named by tag only, and the list pins images by digest, since a "
                        + "tag can move; name it by an allowed digest (docker/image: " + ImageRef.pinnedForm(image)
                        + "; docker images --digests shows it) or ask the operator to allow it");
            }
        }
        if (ref.digest() != null && ref.tag() != null) {
            return Optional.of(refused + ": the engine pulls it by its digest and ignores the tag, so only a pin of "
                    + "that digest (or a glob over digests) allows it; use an allowed image or ask the operator to pin it");
        }
        return Optional.of(refused + "; use an allowed image or ask the operator to add it");
    }

    private static String stripTag(String image) {
        String rest = image.trim();
        int colon = rest.lastIndexOf(':');
        return colon > rest.lastIndexOf('/') ? rest.substring(0, colon) : rest;
    }

    /** The list as the operator wrote it, for messages. */
    String describe() {
        return list.describe();
    }
}
