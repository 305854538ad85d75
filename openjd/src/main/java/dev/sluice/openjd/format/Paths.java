package dev.sluice.openjd.format;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The path operations of the EXPR {@code path} type (OpenJD RFC 0006), on the text of a path.
 *
 * <p>sluice runs on POSIX hosts, so a filesystem path follows Python's {@code PurePosixPath}: repeated
 * slashes and {@code .} components are dropped, {@code ..} is kept, a trailing slash is dropped, the
 * empty path is {@code .}, and exactly two leading slashes are kept as they are. A URI
 * ({@code scheme://authority/...}) keeps its scheme and authority as one opaque first part and its path
 * portion verbatim, split at {@code /}: {@code a//b} stays {@code a//b}.
 */
final class Paths {
    private static final Pattern URI = Pattern.compile("^[a-zA-Z][a-zA-Z0-9+.-]*://[^/]*");

    /** A path operation that cannot be done; the message says why, the caller adds where. */
    static final class PathError extends Exception {
        private static final long serialVersionUID = 1L;

        PathError(String message) {
            super(message);
        }
    }

    private Paths() {}

    static boolean isUri(String p) {
        return URI.matcher(p).find();
    }

    /** The canonical text of {@code p}: PurePosixPath's for a filesystem path; a URI as written. */
    static String normalize(String p) {
        if (isUri(p)) {
            return p;
        }
        String root = root(p);
        List<String> parts = components(p);
        String s = root + String.join("/", parts);
        return s.isEmpty() ? "." : s;
    }

    /** {@code /}, {@code //} or nothing. */
    private static String root(String p) {
        if (!p.startsWith("/")) {
            return "";
        }
        // POSIX leaves the meaning of exactly two leading slashes to the system, so pathlib keeps them.
        return p.startsWith("//") && !p.startsWith("///") ? "//" : "/";
    }

    /** The named components of a filesystem path, without the root, '' and '.'. */
    private static List<String> components(String p) {
        List<String> out = new ArrayList<>();
        for (String c : p.split("/", -1)) {
            if (!c.isEmpty() && !c.equals(".")) {
                out.add(c);
            }
        }
        return out;
    }

    /** A URI's scheme and authority, e.g. {@code s3://bucket}. */
    private static String uriPrefix(String p) {
        Matcher m = URI.matcher(p);
        m.find();
        return m.group();
    }

    /** A URI's path segments after the prefix; a trailing slash adds no segment. */
    private static List<String> uriSegments(String p) {
        String rest = p.substring(uriPrefix(p).length());
        if (rest.isEmpty() || rest.equals("/")) {
            return new ArrayList<>();
        }
        List<String> segments = new ArrayList<>(List.of(rest.substring(1).split("/", -1)));
        if (segments.size() > 1 && segments.getLast().isEmpty()) {
            segments.removeLast();
        }
        return segments;
    }

    private static String uri(String prefix, List<String> segments) {
        return segments.isEmpty() ? prefix : prefix + "/" + String.join("/", segments);
    }

    /** {@code p.parts}: the root (or a URI's scheme and authority) first, then each component. */
    static List<String> parts(String p) {
        List<String> out = new ArrayList<>();
        if (isUri(p)) {
            out.add(uriPrefix(p));
            out.addAll(uriSegments(p));
            return out;
        }
        String root = root(p);
        if (!root.isEmpty()) {
            out.add(root);
        }
        out.addAll(components(p));
        return out;
    }

    /** {@code p.name}: the last component; empty for a root, {@code .} or a URI without a path. */
    static String name(String p) {
        if (isUri(p)) {
            List<String> s = uriSegments(p);
            return s.isEmpty() ? "" : s.getLast();
        }
        List<String> c = components(p);
        return c.isEmpty() ? "" : c.getLast();
    }

    /** {@code p.suffix}: the name's last {@code .ext}; empty when the name has none, starts or ends with it. */
    static String suffix(String p) {
        String name = name(p);
        int dot = name.lastIndexOf('.');
        return dot > 0 && dot < name.length() - 1 ? name.substring(dot) : "";
    }

    /** {@code p.stem}: the name without {@link #suffix(String)}. */
    static String stem(String p) {
        String name = name(p);
        return name.substring(0, name.length() - suffix(p).length());
    }

    /** {@code p.suffixes}: every {@code .ext} of the name, in order; none for a name ending in '.'. */
    static List<String> suffixes(String p) {
        String name = name(p);
        List<String> out = new ArrayList<>();
        if (name.endsWith(".")) {
            return out;
        }
        String[] pieces = name.replaceFirst("^\\.+", "").split("\\.", -1);
        for (int i = 1; i < pieces.length; i++) {
            out.add("." + pieces[i]);
        }
        return out;
    }

    /** {@code p.parent}: the path without its last component; a root, {@code .} or bare URI is its own parent. */
    static String parent(String p) {
        if (isUri(p)) {
            List<String> s = uriSegments(p);
            if (s.isEmpty()) {
                return p;
            }
            return uri(uriPrefix(p), s.subList(0, s.size() - 1));
        }
        List<String> c = components(p);
        if (c.isEmpty()) {
            return normalize(p);
        }
        String s = root(p) + String.join("/", c.subList(0, c.size() - 1));
        return s.isEmpty() ? "." : s;
    }

    static boolean isAbsolute(String p) {
        return isUri(p) || p.startsWith("/");
    }

    /** {@code left / right}: an absolute {@code right} replaces {@code left}, as in pathlib. */
    static String join(String left, String right) {
        if (isAbsolute(right)) {
            return normalize(right);
        }
        if (isUri(left)) {
            List<String> segments = uriSegments(left);
            segments.addAll(components(right));
            return uri(uriPrefix(left), segments);
        }
        return normalize(left.endsWith("/") ? left + right : left + "/" + right);
    }

    /** {@code path(parts)}: the parts joined in order, as {@code Path(*parts)}. */
    static String fromParts(List<String> parts) {
        String p = "";
        for (String part : parts) {
            p = p.isEmpty() ? normalize(part) : join(p, part);
        }
        return p.isEmpty() ? "." : p;
    }

    /** {@code p.with_name(name)}. */
    static String withName(String p, String name) throws PathError {
        if (name(p).isEmpty()) {
            throw new PathError("path '" + p + "' has an empty name, so its name cannot be replaced");
        }
        if (name.isEmpty() || name.equals(".") || name.contains("/")) {
            throw new PathError("invalid name '" + name + "': a name is one non-empty component without '/', not '.'");
        }
        return join(parent(p), name);
    }

    /** {@code p.with_stem(stem)}. */
    static String withStem(String p, String stem) throws PathError {
        String suffix = suffix(p);
        if (stem.isEmpty() && !suffix.isEmpty()) {
            throw new PathError("path '" + p + "' has a suffix, so its stem cannot be empty");
        }
        return withName(p, stem + suffix);
    }

    /** {@code p.with_suffix(suffix)}; an empty suffix removes the current one. */
    static String withSuffix(String p, String suffix) throws PathError {
        if (!suffix.isEmpty() && (!suffix.startsWith(".") || suffix.equals(".") || suffix.contains("/"))) {
            throw new PathError("invalid suffix '" + suffix + "': a suffix starts with '.', e.g. '.png', or is ''"
                    + " to remove it; to add other text to the name, write p.with_name(p.stem + '" + suffix + "')");
        }
        if (name(p).isEmpty()) {
            throw new PathError("path '" + p + "' has an empty name, so it has no suffix to replace");
        }
        return withName(p, stem(p) + suffix);
    }

    /** {@code p.relative_to(other)}; throws when {@code p} is not inside {@code other}. */
    static String relativeTo(String p, String other) throws PathError {
        if (isUri(p) || isUri(other)) {
            String base = other.endsWith("/") ? other : other + "/";
            if (p.equals(other)) {
                return ".";
            }
            if (p.startsWith(base)) {
                return p.substring(base.length());
            }
            throw new PathError("'" + p + "' is not inside '" + other + "'");
        }
        List<String> a = parts(p);
        List<String> b = parts(other);
        if (b.size() > a.size() || !a.subList(0, b.size()).equals(b)) {
            throw new PathError("'" + p + "' is not inside '" + other + "'");
        }
        String rest = String.join("/", a.subList(b.size(), a.size()));
        return rest.isEmpty() ? "." : rest;
    }

    static boolean isRelativeTo(String p, String other) {
        try {
            relativeTo(p, other);
            return true;
        } catch (PathError e) {
            return false;
        }
    }
}
