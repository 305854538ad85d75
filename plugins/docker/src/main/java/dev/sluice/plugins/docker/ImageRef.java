package dev.sluice.plugins.docker;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * An image reference split as the engine reads it, so that the allow-list can compare references
 * however they are spelled: {@code busybox}, {@code docker.io/library/busybox:latest} and
 * {@code index.docker.io/library/busybox} are one image; {@code registry.local:5000/lab/tool} is not
 * {@code lab/tool}.
 *
 * @param domain the registry host (with its port), {@code docker.io} when none is written
 * @param path   the repository in that registry, {@code library/} added for Docker Hub's official images
 * @param tag    the tag, {@code null} when none is written
 * @param digest {@code sha256:<hex>}, {@code null} when none is written
 */
record ImageRef(String domain, String path, String tag, String digest) {
    static final String DOCKER_HUB = "docker.io";
    private static final Pattern IMAGE_ID = Pattern.compile("sha256:[0-9a-f]{64}");

    /** Splits a reference that {@code ImageRefs.problem} accepted (or a name without tag and digest). */
    static ImageRef parse(String reference) {
        String rest = reference.trim();
        if (IMAGE_ID.matcher(rest).matches()) {
            // The engine takes a bare sha256 for a local image id, not for library/sha256 at that tag.
            return new ImageRef("", "", null, rest);
        }
        String digest = null;
        int at = rest.indexOf('@');
        if (at >= 0) {
            digest = rest.substring(at + 1);
            rest = rest.substring(0, at);
        }
        String tag = null;
        int colon = rest.lastIndexOf(':');
        if (colon > rest.lastIndexOf('/')) {
            tag = rest.substring(colon + 1);
            rest = rest.substring(0, colon);
        }
        String domain = DOCKER_HUB;
        String path = rest;
        int slash = rest.indexOf('/');
        if (slash > 0) {
            String first = rest.substring(0, slash);
            // The engine's rule: a first component with a dot, a port or a capital, or localhost, is a registry.
            if (first.contains(".") || first.contains(":") || first.equals("localhost")
                    || !first.equals(first.toLowerCase(java.util.Locale.ROOT))) {
                domain = first.equals("index.docker.io") ? DOCKER_HUB : first;
                path = rest.substring(slash + 1);
            }
        }
        if (domain.equals(DOCKER_HUB) && !path.contains("/")) {
            path = "library/" + path;
        }
        return new ImageRef(domain, path, tag, digest);
    }

    /** Whether this is a local image id ({@code sha256:<hex>}) rather than a name: it can never be pulled. */
    boolean isImageId() {
        return domain.isEmpty();
    }

    /** The repository in full, e.g. {@code docker.io/library/busybox}. */
    String repository() {
        return isImageId() ? digest : domain + "/" + path;
    }

    /** The tag the engine pulls by: none beside a digest, {@code latest} when neither is written. */
    String effectiveTag() {
        return digest != null ? null : tag != null ? tag : "latest";
    }

    /** The ways the repository may be written: in full, and for Docker Hub without the registry and {@code library/}. */
    List<String> repositorySpellings() {
        if (isImageId()) {
            return List.of();
        }
        List<String> names = new ArrayList<>();
        names.add(repository());
        if (domain.equals(DOCKER_HUB)) {
            names.add(path);
            if (path.startsWith("library/")) {
                names.add(path.substring("library/".length()));
            }
        }
        return names;
    }

    /**
     * Every way of writing this reference that names no more than it does: each repository spelling with
     * its digest when it has one (the engine then pulls by the digest and ignores a tag, so a tag vouches for
     * nothing), else with its tag, else bare and with {@code :latest}. A glob over references allows the
     * image when it matches any of them.
     */
    Set<String> spellings() {
        Set<String> all = new LinkedHashSet<>();
        if (isImageId()) {
            all.add(digest);
            return all;
        }
        for (String name : repositorySpellings()) {
            if (digest != null) {
                all.add(name + "@" + digest);
            } else if (tag != null) {
                all.add(name + ":" + tag);
            } else {
                all.add(name);
                all.add(name + ":latest");
            }
        }
        return all;
    }

    /** The reference pinned to {@code pinned}, for messages: {@code lab/tool@sha256:<digest>}. */
    static String pinnedForm(String reference) {
        String rest = reference.trim();
        int at = rest.indexOf('@');
        if (at >= 0) {
            rest = rest.substring(0, at);
        }
        int colon = rest.lastIndexOf(':');
        if (colon > rest.lastIndexOf('/')) {
            rest = rest.substring(0, colon);
        }
        return rest + "@sha256:<digest>";
    }
}
