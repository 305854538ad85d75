package dev.sluice.plugins.apptainer;

import dev.sluice.kit.ImageAllowList;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The operator's allow-list ({@code allowedImages}) applied to Apptainer's images, with the Docker
 * plugin's rules (the kit's {@link ImageAllowList}):
 * <ul>
 *   <li>a {@code docker://} image is matched without its scheme, as the Docker plugin matches it
 *       ({@code registry.local/lab/*} allows {@code docker://registry.local/lab/tool:2}), and also with it;</li>
 *   <li>{@code oras://}, {@code library://} and {@code shub://} images are matched with their scheme
 *       ({@code oras://registry.local/lab/*});</li>
 *   <li>a local SIF file or sandbox is matched by its absolute path ({@code /shared/images/*.sif}), and a
 *       bare pinned digest {@code sha256:<hex>} allows a SIF file whose SHA-256 is that.</li>
 * </ul>
 * A pulled image is allowed by its reference only, before it is pulled: the SHA-256 of the SIF file a
 * pull writes is not the registry's digest, so content pins never allow a pull.
 */
final class AllowedImages {
    /** What the reference alone says. */
    enum Verdict { ALLOWED, REFUSED, BY_CONTENT }

    private final ImageAllowList list;
    /** SHA-256 of local SIF files, by path, size and modification time: hashing gigabytes once is enough. */
    private final Map<String, String> hashes = new ConcurrentHashMap<>();

    AllowedImages(ImageAllowList list) {
        this.list = list;
    }

    /** The allow-list as the operator wrote it, for messages. */
    String describe() {
        return list.describe();
    }

    Verdict byReference(ImageSource source) {
        if (list.allowsAny()) {
            return Verdict.ALLOWED;
        }
        List<String> names = new ArrayList<>();
        if (source instanceof ImageSource.Remote remote && remote.scheme().equals("docker")) {
            names.add(remote.reference());
        }
        names.add(source.text());
        boolean byContent = false;
        for (String name : names) {
            Boolean allowed = list.allowsByName(name);
            if (Boolean.TRUE.equals(allowed)) {
                return Verdict.ALLOWED;
            }
            byContent |= allowed == null;
        }
        return byContent && source instanceof ImageSource.LocalSif ? Verdict.BY_CONTENT : Verdict.REFUSED;
    }

    /** Whether a local SIF file's content is pinned in the list (reads the whole file the first time). */
    boolean allowsContent(ImageSource.LocalSif sif) throws IOException {
        Path file = sif.file();
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
        String key = file + "|" + a.size() + "|" + a.lastModifiedTime().toMillis();
        String hash = hashes.get(key);
        if (hash == null) {
            hash = "sha256:" + sha256(file);
            hashes.put(key, hash);
        }
        return list.allows(file.toString(), hash, List.of());
    }

    /** Why the image is refused, for the user. */
    String refusal(ImageSource source, String origin) {
        return "image '" + source.text() + "' of " + origin + " is not in the operator's allow-list (plugins.apptainer."
                + ApptainerSettings.ALLOWED_IMAGES + ": " + describe() + "); use an allowed image or ask the operator "
                + "to add it";
    }

    private static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            int n;
            while ((n = in.read(buffer)) > 0) {
                if (Thread.currentThread().isInterrupted()) {
                    throw new java.io.InterruptedIOException("hashing " + file + " cancelled");
                }
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
