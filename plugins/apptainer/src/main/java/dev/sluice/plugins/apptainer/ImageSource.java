package dev.sluice.plugins.apptainer;

import dev.sluice.kit.ImageRefs;
import dev.sluice.spi.InvalidSettingException;
import dev.sluice.spi.Settings;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where a task's image comes from, as the hint {@code apptainer/image} names it: a reference that
 * {@code apptainer pull} fetches ({@code docker://}, {@code oras://}, {@code library://}, {@code shub://}),
 * or a SIF file or sandbox directory on the file system, used as it is.
 */
sealed interface ImageSource {

    /** The schemes the plugin pulls. */
    String SCHEMES = "docker://, oras://, library:// or shub://";

    /** The image as the user wrote it. */
    String text();

    /**
     * An image that is pulled into the cache.
     *
     * @param scheme    {@code docker}, {@code oras}, {@code library} or {@code shub}
     * @param reference what follows {@code <scheme>://}
     */
    record Remote(String scheme, String reference) implements ImageSource {
        /** The URI that {@code apptainer pull} takes. */
        String uri() {
            return scheme + "://" + reference;
        }

        @Override
        public String text() {
            return uri();
        }
    }

    /** A SIF file, used as it is. */
    record LocalSif(Path file) implements ImageSource {
        @Override
        public String text() {
            return file.toString();
        }
    }

    /** A sandbox directory (an unpacked root file system), used as it is. */
    record Sandbox(Path dir) implements ImageSource {
        @Override
        public String text() {
            return dir.toString();
        }
    }

    // library://[host/]entity/collection/container[:tag], shorter forms meaning the default collection.
    Pattern LIBRARY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*(?:/[A-Za-z0-9][A-Za-z0-9._-]*){0,3}"
            + "(?::[A-Za-z0-9_][A-Za-z0-9_.-]*)?");
    // shub://user/collection[:tag|@commit]
    Pattern SHUB = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*"
            + "(?::[A-Za-z0-9_][A-Za-z0-9_.-]*|@[0-9a-f]+)?");
    /** The first bytes of every SIF file hold this magic at {@link #SIF_MAGIC_OFFSET}. */
    byte[] SIF_MAGIC = "SIF_MAGIC".getBytes(StandardCharsets.US_ASCII);
    int SIF_MAGIC_OFFSET = 32;

    /**
     * Reads the image of a hint or setting; checks its form only (see {@link #problemOnThisMachine}).
     *
     * @throws InvalidSettingException naming the key, the value and the fix
     */
    static ImageSource parse(Settings settings, String key, String value) {
        String text = value.trim();
        if (text.isEmpty()) {
            throw settings.invalid(key, value, "the image is empty; write e.g. docker://busybox:1.36 or the "
                    + "absolute path of a .sif file");
        }
        int sep = text.indexOf("://");
        if (sep >= 0) {
            String scheme = text.substring(0, sep).toLowerCase(Locale.ROOT);
            String ref = text.substring(sep + 3);
            Optional<String> problem = switch (scheme) {
                case "docker", "oras" -> ImageRefs.problem(ref)
                        .map(p -> p.replace("write [registry/]", "write " + scheme + "://[registry/]"));
                case "library" -> LIBRARY.matcher(ref).matches() ? Optional.empty()
                        : Optional.of("'" + ref + "' is not a library reference; write library://[host/]entity/"
                                + "collection/container[:tag], e.g. library://lab/default/tool:1.0");
                case "shub" -> SHUB.matcher(ref).matches() ? Optional.empty()
                        : Optional.of("'" + ref + "' is not a Singularity Hub reference; write shub://user/"
                                + "collection[:tag]");
                default -> Optional.of("the apptainer plugin pulls " + SCHEMES + " images, not " + scheme
                        + "://; for another source, make a SIF file yourself (apptainer pull or build) and give"
                        + " its absolute path");
            };
            if (problem.isPresent()) {
                throw settings.invalid(key, value, problem.get());
            }
            return new Remote(scheme, ref);
        }
        if (!text.startsWith("/")) {
            String hint = ImageRefs.problem(text).isEmpty()
                    ? "; for a registry image write docker://" + text
                    : "";
            throw settings.invalid(key, value, "an image is " + SCHEMES + " followed by a reference, or the "
                    + "absolute path of a .sif file or sandbox directory" + hint);
        }
        Path path = Path.of(text).normalize();
        if (text.endsWith(".sif")) {
            return new LocalSif(path);
        }
        if (text.endsWith("/") || Files.isDirectory(path)) {
            return new Sandbox(path);
        }
        throw settings.invalid(key, value, "a local image is a SIF file whose name ends in .sif or a sandbox "
                + "directory, and " + path + " is neither");
    }

    /**
     * Why a local image cannot be used on this machine (missing, unreadable, not a SIF file), or empty
     * when it can; empty for images that are pulled.
     */
    default Optional<String> problemOnThisMachine() {
        if (this instanceof LocalSif sif) {
            Path file = sif.file();
            if (!Files.exists(file)) {
                return Optional.of("the SIF file " + file + " does not exist; pull or build it there, or fix the path");
            }
            if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
                return Optional.of(file + " is not a readable file; make it readable for the user sluice runs as");
            }
            if (!isSif(file)) {
                return Optional.of(file + " is not a SIF file; build one with apptainer build, or pull one with"
                        + " apptainer pull");
            }
        } else if (this instanceof Sandbox sandbox) {
            Path dir = sandbox.dir();
            if (!Files.isDirectory(dir) || !Files.isReadable(dir)) {
                return Optional.of("the sandbox directory " + dir + " does not exist or cannot be read; make it "
                        + "with apptainer build --sandbox, or fix the path");
            }
        }
        return Optional.empty();
    }

    /** Whether a file starts like a SIF file; unreadable files are not. */
    static boolean isSif(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] head = in.readNBytes(SIF_MAGIC_OFFSET + SIF_MAGIC.length);
            return head.length == SIF_MAGIC_OFFSET + SIF_MAGIC.length
                    && Arrays.equals(head, SIF_MAGIC_OFFSET, head.length, SIF_MAGIC, 0, SIF_MAGIC.length);
        } catch (IOException e) {
            return false;
        }
    }
}
