package dev.sluice.openjd.session;

import dev.sluice.openjd.action.RunningAction;
import dev.sluice.openjd.format.Value;
import dev.sluice.openjd.format.Values;
import dev.sluice.openjd.model.EmbeddedFileDef;
import dev.sluice.openjd.model.EnvironmentDef;
import dev.sluice.openjd.model.ParameterType;
import dev.sluice.openjd.model.ParameterValue;
import dev.sluice.openjd.format.FormatStringException;
import dev.sluice.openjd.format.LetBinding;
import dev.sluice.openjd.model.ReferenceBehaviour;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One environment at one place in the process stacks: {@code conda} inside {@code container} is another
 * node than {@code conda} on its own, with a directory and variables of its own. Shared by the parts of
 * a session (entering, wrapping, checks, exiting), which is why it stands on its own.
 */
final class StackNode {
    // The session's logger, so that the run's log names the same source as before the session was split.
    private static final Logger log = LoggerFactory.getLogger(EnvironmentSession.class);
    final EnvironmentDef def;
    final StackNode parent;
    /** The names from the outermost to this one, e.g. {@code container/conda}. */
    final String key;
    /** The wrapping environment outside this one, if any. */
    final StackNode wrapper;
    final Path dir;
    /** The values its format strings see; its let bindings are added when it is entered. */
    volatile Values values;
    /**
     * The values before its let bindings, from which each action's own values are made when its files
     * are fresh ({@code freshEmbeddedFiles}): a binding may name an embedded file, whose path then differs
     * from action to action.
     */
    private final Values unbound;
    /** Where each embedded file is written, by its name. */
    private final Map<String, Path> files;
    /** Whether each action gets its own copies of the files without a filename ({@code freshEmbeddedFiles}). */
    private final boolean freshFiles;
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
        this.unbound = values;
        this.files = Map.copyOf(files);
        this.freshFiles = def.asReference(ReferenceBehaviour.FRESH_EMBEDDED_FILES);
    }

    /**
     * What one action of this environment sees: its format strings' values, and the files written for it
     * alone (empty unless the files are fresh), which the caller may remove when the action has ended.
     */
    record ActionFiles(Values values, List<Path> written) {
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
            Path file = dir.resolve(f.filename().orElseGet(StackNode::randomName));
            files.put(f.name(), file);
            values.put("Env.File." + f.name(), Value.ofPath(file.toString()));
        }
        return new StackNode(def, parent, key, wrapper, dir, values.build(), files);
    }

    private static String randomName() {
        return "file-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
    }

    /** Whether each action gets its own copies of the files without a filename ({@code freshEmbeddedFiles}). */
    boolean freshFiles() {
        return freshFiles;
    }

    /**
     * Writes the embedded files for one action and returns the values it sees. Sluice's way, the files keep
     * the names chosen when the node was made ({@link #writeEmbeddedFiles}). With {@code freshEmbeddedFiles},
     * as the reference runtime does, each file without a filename gets a new random name for this action
     * alone, and {@code Env.File.<name>} (also in the let bindings and in the other files' data) names it,
     * so that two actions never share one: an action cannot see what an earlier one did to its copy.
     */
    ActionFiles forAction() throws IOException, FormatStringException {
        if (!freshFiles) {
            writeEmbeddedFiles();
            return new ActionFiles(values, List.of());
        }
        Files.createDirectories(dir);
        Map<String, Path> targets = new LinkedHashMap<>();
        List<Path> written = new ArrayList<>();
        Values.Builder builder = unbound.toBuilder();
        try {
            for (EmbeddedFileDef f : def.embeddedFiles()) {
                Path target = f.filename().isPresent() ? files.get(f.name()) : reserve();
                if (f.filename().isEmpty()) {
                    written.add(target);
                }
                targets.put(f.name(), target);
                builder.put("Env.File." + f.name(), Value.ofPath(target.toString()));
            }
            // Bound again for each action: a binding that names a file names this action's.
            Values actionValues = LetBinding.bindAll(def.let(), builder.build());
            write(targets, actionValues);
            return new ActionFiles(actionValues, List.copyOf(written));
        } catch (IOException | FormatStringException | RuntimeException e) {
            remove(written);
            throw e;
        }
    }

    /**
     * A new random name in the node's directory, created empty (owner-only) so that no other action takes
     * it, as the reference's temporary files are.
     */
    private Path reserve() throws IOException {
        while (true) {
            Path candidate = dir.resolve(randomName());
            try {
                return Files.createFile(candidate, PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rw-------")));
            } catch (FileAlreadyExistsException e) {
                // Another action drew the same 64 bits: draw again.
            }
        }
    }

    /** Removes the files written for one action; a file that cannot be removed is left, and logged. */
    static void remove(List<Path> written) {
        for (Path file : written) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                log.debug("could not remove the embedded file {}: {}", file, e.toString());
            }
        }
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
        write(files, values);
    }

    private void write(Map<String, Path> targets, Values with) throws IOException, FormatStringException {
        for (EmbeddedFileDef f : def.embeddedFiles()) {
            Path target = targets.get(f.name());
            byte[] data = f.data().evaluate(with).getBytes(StandardCharsets.UTF_8);
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
