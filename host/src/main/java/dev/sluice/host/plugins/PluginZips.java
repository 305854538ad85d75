package dev.sluice.host.plugins;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import dev.sluice.kit.IoErrors;
import org.pf4j.PluginRepository;

/**
 * The plugins directories as PF4J sees them: each plugin's directory, with each zip extracted beside it
 * (to the zip's name without {@code .zip}) when the directory is missing or was extracted from another
 * zip. A zip is checked whole before anything is written: every entry stays inside its directory, and
 * the entries, their sizes and the zip itself stay within bounds. It is extracted into a temporary
 * directory that replaces the plugin's only once complete, so a bad zip leaves nothing half-extracted
 * and is not usable; why is kept for {@code sluice plugins list} and for a pipeline that enables it.
 *
 * <p>Each extracted directory holds {@value #MARKER}: the zip's size, modification time and SHA-256,
 * so that a changed zip is extracted again and a pipeline can pin a plugin by its zip's SHA-256.
 */
final class PluginZips implements PluginRepository {
    static final String MARKER = ".sluice-zip";

    /**
     * Bounds on a zip: its own size, what it holds once extracted (counted as written, whatever its
     * entries declare), and its number of entries.
     */
    record Limits(long zipBytes, long extractedBytes, int entries) {
        /** The Docker plugin's zip, with its libraries, is about 13 MB and 30 MB extracted. */
        static final Limits DEFAULT = new Limits(256L << 20, 512L << 20, 10_000);
    }

    /** A zip that cannot be used, and why; {@code id} is its plugin id when its descriptor could be read. */
    record Broken(Path zip, String id, String problem) {
    }

    private final List<Path> roots;
    private final Limits limits;
    private final Map<Path, Broken> broken = new LinkedHashMap<>();

    PluginZips(Path root) {
        this(List.of(root), Limits.DEFAULT);
    }

    PluginZips(Path root, Limits limits) {
        this(List.of(root), limits);
    }

    /** Over several plugins directories, in this order; one that does not exist holds no plugin. */
    PluginZips(List<Path> roots, Limits limits) {
        this.roots = List.copyOf(roots);
        this.limits = limits;
    }

    /** Zips that could not be extracted in the last {@link #getPluginPaths}, in the order found. */
    List<Broken> broken() {
        return List.copyOf(broken.values());
    }

    @Override
    public List<Path> getPluginPaths() {
        broken.clear();
        List<Path> all = new ArrayList<>();
        for (Path root : roots) {
            all.addAll(pluginPaths(root));
        }
        return all;
    }

    /** The plugins of one directory, sorted, with its zips extracted. */
    private List<Path> pluginPaths(Path root) {
        List<Path> zips = new ArrayList<>();
        List<Path> dirs = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(root)) {
            for (Path p : entries) {
                String name = p.getFileName().toString();
                if (name.startsWith(".")) {
                    continue; // hidden, and the temporary directories of extractions under way
                }
                if (Files.isDirectory(p)) {
                    dirs.add(p);
                } else if (name.endsWith(".zip") && Files.isRegularFile(p)) {
                    zips.add(p);
                }
            }
        } catch (IOException e) {
            return List.of();
        }
        for (Path zip : zips) {
            Path dir = dirOf(zip);
            try {
                if (!upToDate(zip, dir)) {
                    extractLocked(zip, dir, limits);
                }
                if (!dirs.contains(dir)) {
                    dirs.add(dir);
                }
            } catch (NotWritable e) {
                // A plugins directory installed read-only, extracted by an earlier version (no marker):
                // its directory is used as it is, as then.
                if (!Files.isDirectory(dir)) {
                    broken.put(zip, new Broken(zip, idIn(zip), "it is not extracted yet and " + describe(e.io)
                            + "; extract it once as the directory's owner (run sluice plugins list)"));
                }
            } catch (IOException | RuntimeException e) {
                // A directory left from an earlier zip is not this zip's plugin: leave it out too.
                dirs.remove(dir);
                broken.put(zip, new Broken(zip, idIn(zip), describe(e)));
            }
        }
        // What sluice extracted from a zip that is gone (an upgrade removed the old zip) is not installed any
        // more: left in place, untouched, but not loaded beside the new version.
        dirs.removeIf(dir -> Files.isRegularFile(dir.resolve(MARKER))
                && !Files.exists(dir.resolveSibling(dir.getFileName() + ".zip")));
        dirs.sort(null);
        return dirs;
    }

    @Override
    public boolean deletePluginPath(Path pluginPath) {
        return false; // sluice never uninstalls a plugin
    }

    /**
     * Where a plugin is installed, for people: the zip its directory was extracted from, or the directory
     * itself when it was installed bare.
     */
    static Path placeOf(Path pluginDir) {
        Path zip = pluginDir.resolveSibling(pluginDir.getFileName() + ".zip");
        return Files.isRegularFile(zip) ? zip : pluginDir;
    }

    /** Where {@code zip} is extracted: beside it, under its name without {@code .zip}. */
    static Path dirOf(Path zip) {
        String name = zip.getFileName().toString();
        return zip.resolveSibling(name.substring(0, name.length() - ".zip".length()));
    }

    /** The SHA-256 of the zip {@code dir} was extracted from, or {@code null} when it was not. */
    static String zipSha256(Path dir) {
        try {
            String[] marker = Files.readString(dir.resolve(MARKER), StandardCharsets.US_ASCII).trim().split(" ");
            return marker.length == 3 ? marker[2] : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** The SHA-256 of a file, in lower-case hex. */
    static String sha256(Path file) throws IOException {
        MessageDigest sha = sha256();
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), sha)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    private static boolean upToDate(Path zip, Path dir) throws IOException {
        Path marker = dir.resolve(MARKER);
        if (!Files.isRegularFile(marker)) {
            return false;
        }
        String[] was = Files.readString(marker, StandardCharsets.US_ASCII).trim().split(" ");
        BasicFileAttributes now = Files.readAttributes(zip, BasicFileAttributes.class);
        return was.length == 3 && was[0].equals(Long.toString(now.size()))
                && was[1].equals(Long.toString(now.lastModifiedTime().toMillis()));
    }

    /**
     * {@link #extract} under a lock on the plugins directory, so that two runs starting at once do not
     * extract the same zip over each other; the second finds the first one's work done.
     */
    private static void extractLocked(Path zip, Path dir, Limits limits) throws IOException {
        Path parent = dir.getParent();
        if (!Files.isWritable(parent)) {
            throw new NotWritable(new java.nio.file.AccessDeniedException(parent.toString()));
        }
        try (java.nio.channels.FileChannel lock = java.nio.channels.FileChannel.open(parent.resolve(LOCK),
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
                java.nio.channels.FileLock held = lock.lock()) {
            if (!upToDate(zip, dir)) {
                extract(zip, dir, limits);
            }
        }
    }

    /** Held while a zip is extracted; hidden, so never taken for a plugin. */
    static final String LOCK = ".sluice-extract.lock";

    /**
     * Checks the whole zip, then extracts it into a new directory that replaces {@code dir}. The zip is
     * first copied and hashed, and only the copy is read: the digest recorded is that of what was
     * extracted, even if the zip is replaced meanwhile.
     */
    static void extract(Path zip, Path dir, Limits limits) throws IOException {
        BasicFileAttributes attributes = Files.readAttributes(zip, BasicFileAttributes.class);
        if (attributes.size() > limits.zipBytes()) {
            throw new ZipProblem("it is " + attributes.size() + " bytes, more than the " + mib(limits.zipBytes())
                    + " a plugin zip may have");
        }
        Path temp;
        try {
            // Readable by all, as a directory the JDK's temp default (owner only) would not be: other users
            // of the installation load the plugin too.
            temp = Files.createTempDirectory(dir.getParent(), "." + dir.getFileName() + ".extracting-",
                    java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                            java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x")));
        } catch (java.nio.file.AccessDeniedException e) {
            throw new NotWritable(e);
        }
        Path copy = dir.resolveSibling("." + dir.getFileName() + ".zip-" + temp.getFileName());
        try {
            String sha256;
            MessageDigest digest = sha256();
            try (InputStream in = new DigestInputStream(Files.newInputStream(zip), digest);
                    OutputStream out = Files.newOutputStream(copy)) {
                if (in.transferTo(out) > limits.zipBytes()) {
                    throw new ZipProblem("it grew past the " + mib(limits.zipBytes()) + " a plugin zip may have"
                            + " while it was read; install a zip that is not being written");
                }
            }
            sha256 = HexFormat.of().formatHex(digest.digest());
            try (ZipFile file = new ZipFile(copy.toFile())) {
                List<? extends ZipEntry> entries = checked(file, temp, limits.entries());
                long written = 0;
                for (ZipEntry entry : entries) {
                    Path target = temp.resolve(entry.getName()).normalize();
                    if (entry.isDirectory()) {
                        Files.createDirectories(target);
                        continue;
                    }
                    Files.createDirectories(target.getParent());
                    try (InputStream in = file.getInputStream(entry);
                            OutputStream out = Files.newOutputStream(target)) {
                        // The sizes an entry declares can lie: what is written is counted.
                        written += copyAtMost(in, out, limits.extractedBytes() - written, limits, entry.getName());
                    }
                }
            }
            Files.writeString(temp.resolve(MARKER), attributes.size() + " " + attributes.lastModifiedTime().toMillis()
                    + " " + sha256 + "\n", StandardCharsets.US_ASCII);
            // The old directory is moved aside, not deleted first: the plugin's directory is always whole.
            Path old = null;
            if (Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                old = dir.resolveSibling("." + dir.getFileName() + ".old-" + temp.getFileName());
                Files.move(dir, old, StandardCopyOption.ATOMIC_MOVE);
            }
            Files.move(temp, dir, StandardCopyOption.ATOMIC_MOVE);
            if (old != null) {
                deleteTree(old);
            }
        } finally {
            Files.deleteIfExists(copy);
            if (Files.exists(temp)) {
                deleteTree(temp);
            }
        }
    }

    /** Every entry, once each is known to stay inside {@code into} and their number within bounds. */
    private static List<? extends ZipEntry> checked(ZipFile file, Path into, int maxEntries) throws IOException {
        List<ZipEntry> entries = new ArrayList<>();
        Enumeration<? extends ZipEntry> all = file.entries();
        while (all.hasMoreElements()) {
            ZipEntry entry = all.nextElement();
            if (entries.size() == maxEntries) {
                throw new ZipProblem("it has more than " + maxEntries + " entries");
            }
            String name = entry.getName();
            Path target = into.resolve(name).normalize();
            if (name.startsWith("/") || name.contains("\\") || !target.startsWith(into) || target.equals(into)) {
                throw new ZipProblem("its entry '" + name + "' would be written outside the plugin's directory");
            }
            entries.add(entry);
        }
        if (file.getEntry("plugin.properties") == null) {
            throw new ZipProblem("it has no plugin.properties at its top, so it is not a sluice plugin zip");
        }
        return entries;
    }

    private static long copyAtMost(InputStream in, OutputStream out, long left, Limits limits, String name)
            throws IOException {
        byte[] buffer = new byte[64 * 1024];
        long copied = 0;
        int n;
        while ((n = in.read(buffer)) > 0) {
            copied += n;
            if (copied > left) {
                throw new ZipProblem("it holds more than " + mib(limits.extractedBytes()) + " once extracted"
                        + " (reached at its entry '" + name + "')");
            }
            out.write(buffer, 0, n);
        }
        return copied;
    }

    private static String mib(long bytes) {
        return bytes >= 1 << 20 ? (bytes >> 20) + " MiB" : bytes + " bytes";
    }

    /** The plugin id a zip's descriptor gives, or {@code null} when it cannot be read. */
    private static String idIn(Path zip) {
        try (ZipFile file = new ZipFile(zip.toFile())) {
            ZipEntry entry = file.getEntry("plugin.properties");
            if (entry == null || entry.getSize() > 64 * 1024) {
                return null;
            }
            Properties p = new Properties();
            try (InputStream in = file.getInputStream(entry)) {
                p.load(in);
            }
            String id = p.getProperty("plugin.id");
            return id == null || id.isBlank() ? null : id.trim();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    /** The plugins directory cannot be written to. */
    private static final class NotWritable extends IOException {
        private static final long serialVersionUID = 1L;
        private final transient IOException io;

        NotWritable(IOException io) {
            super(io);
            this.io = io;
        }
    }

    /** What is wrong with a zip, in words. */
    static final class ZipProblem extends ZipException {
        private static final long serialVersionUID = 1L;

        ZipProblem(String reason) {
            super(reason);
        }
    }

    /** Why a zip could not be used, in words: a {@link ZipProblem}'s reason, else the system's. */
    private static String describe(Exception e) {
        return switch (e) {
            case ZipProblem z -> z.getMessage();
            case ZipException z -> "it is not a readable zip (" + z.getMessage() + ")";
            case IOException io -> IoErrors.describe(io);
            default -> e.getMessage() == null ? "it could not be extracted" : e.getMessage();
        };
    }
}
