package dev.sluice.openjd.session;

import dev.sluice.openjd.action.RunningAction;
import dev.sluice.openjd.format.Value;
import dev.sluice.openjd.format.Values;
import dev.sluice.openjd.model.EmbeddedFileDef;
import dev.sluice.openjd.model.EnvironmentDef;
import dev.sluice.openjd.model.ParameterType;
import dev.sluice.openjd.model.ParameterValue;
import dev.sluice.openjd.format.FormatStringException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One environment at one place in the process stacks: {@code conda} inside {@code container} is another
 * node than {@code conda} on its own, with a directory and variables of its own. Shared by the parts of
 * a session (entering, wrapping, checks, exiting), which is why it stands on its own.
 */
final class StackNode {
    final EnvironmentDef def;
    final StackNode parent;
    /** The names from the outermost to this one, e.g. {@code container/conda}. */
    final String key;
    /** The wrapping environment outside this one, if any. */
    final StackNode wrapper;
    final Path dir;
    /** The values its format strings see; its let bindings are added when it is entered. */
    volatile Values values;
    /** Where each embedded file is written, by its name. */
    private final Map<String, Path> files;
    final CompletableFuture<SessionVariables> entered = new CompletableFuture<>();
    /** Guarded by the session's lock. */
    boolean started;
    /** The variables while entering and once entered; read by checks. */
    volatile SessionVariables variables = SessionVariables.NONE;
    /** The enter action while it runs, so that closing can cancel it. */
    volatile RunningAction entering;
    /**
     * Held by the one task of this instance that may run, when its tasks run one at a time
     * ({@code taskVariables}); fair, so that tasks run in the order they asked.
     */
    final Semaphore taskTurn = new Semaphore(1, true);

    private StackNode(EnvironmentDef def, StackNode parent, String key, StackNode wrapper, Path dir, Values values,
            Map<String, Path> files) {
        this.def = def;
        this.parent = parent;
        this.key = key;
        this.wrapper = wrapper;
        this.dir = dir;
        this.values = values;
        this.files = Map.copyOf(files);
    }

    /**
     * The node of {@code def} inside {@code parent}, with its own directory in the session's and the
     * values its format strings see: the session's, its parameters and its embedded files' paths.
     *
     * @param index the node's number in the session, which keeps the directories of two nodes of one
     *              environment apart
     */
    static StackNode of(EnvironmentDef def, StackNode parent, String key, int index, Path sessionDir,
            Values sessionValues) {
        StackNode wrapper = null;
        for (StackNode n = parent; n != null; n = n.parent) {
            if (n.def.wraps()) {
                wrapper = n;
                break;
            }
        }
        Path dir = sessionDir.resolve("env-" + index + "-" + def.name());
        Values.Builder values = sessionValues.toBuilder();
        for (ParameterValue p : def.parameters().values()) {
            // The expression type is the parameter type in lower case (RFC 0005), for RawParam too, except
            // that a PATH's raw value is a string: it may be a path of another system.
            Value v = switch (p.type()) {
                case INT -> Value.of(Long.parseLong(p.value()));
                case FLOAT -> Value.ofFloatText(p.value());
                case STRING, PATH -> Value.of(p.value());
            };
            // A PATH parameter is a path (no path mapping here, so the same text).
            values.put("Param." + p.name(), p.type() == ParameterType.PATH ? Value.ofPath(p.value()) : v)
                    .put("RawParam." + p.name(), v);
        }
        Map<String, Path> files = new LinkedHashMap<>();
        for (EmbeddedFileDef f : def.embeddedFiles()) {
            // As in OpenJD, a file without a filename gets a random one, so that no action can rely on it.
            Path file = dir.resolve(f.filename().orElseGet(() -> "file-"
                    + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong())));
            files.put(f.name(), file);
            values.put("Env.File." + f.name(), Value.ofPath(file.toString()));
        }
        return new StackNode(def, parent, key, wrapper, dir, values.build(), files);
    }

    /**
     * Writes the embedded files, as OpenJD asks before every action of the environment: an action that
     * changed or removed one gets it back as written. Each is readable by its owner alone (it may hold
     * secrets from parameters), executable too when {@code runnable}, and replaced whole, so that a
     * process still reading the earlier copy (a script bash is running) is not disturbed.
     */
    void writeEmbeddedFiles() throws IOException, FormatStringException {
        if (def.embeddedFiles().isEmpty()) {
            return;
        }
        Files.createDirectories(dir);
        for (EmbeddedFileDef f : def.embeddedFiles()) {
            Path target = files.get(f.name());
            byte[] data = f.data().evaluate(values).getBytes(StandardCharsets.UTF_8);
            Path temp = target.resolveSibling("." + target.getFileName() + "."
                    + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()) + ".tmp");
            boolean moved = false;
            try {
                Files.createFile(temp, PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString(f.runnable() ? "rwx------" : "rw-------")));
                Files.write(temp, data, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
                try {
                    Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
                }
                moved = true;
            } finally {
                if (!moved) {
                    Files.deleteIfExists(temp);
                }
            }
        }
    }

    String describe() {
        return parent == null ? "environment '" + def.name() + "'"
                : "environment '" + def.name() + "' (inside " + parent.key.replace("/", " > ") + ")";
    }
}
