package dev.sluice.plugins.apptainer;

import dev.sluice.spi.GatePolicy;
import dev.sluice.spi.Hints;
import dev.sluice.spi.InvalidSettingException;
import dev.sluice.spi.PluginContext;
import dev.sluice.spi.TaskException;
import dev.sluice.spi.TaskHandle;
import dev.sluice.spi.TaskReadinessGate;
import dev.sluice.spi.TaskRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Optional;
import org.pf4j.Extension;

/**
 * The {@code apptainer} readiness gate: before a task that names an image ({@code apptainer/image}) is
 * submitted, the image is allowed by the operator's allow-list and present as a SIF file: pulled into
 * the cache ({@link SifCache}) when it is a {@code docker://}, {@code oras://}, {@code library://} or
 * {@code shub://} reference, checked when it is a local SIF file or sandbox directory.
 *
 * <p>Hints: {@code apptainer/image}, {@code apptainer/binds}, {@code apptainer/options} (which the wrapper
 * uses and this gate checks before anything runs), {@code apptainer/skip} and {@code apptainer/maxWait}.
 */
@Extension
public final class ApptainerGate implements TaskReadinessGate {
    static final String ID = "apptainer";
    static final String IMAGE = Hints.key(ID, "image");
    static final String BINDS = Hints.key(ID, "binds");
    static final String OPTIONS = Hints.key(ID, "options");
    static final String MAX_WAIT = Hints.key(ID, GatePolicy.MAX_WAIT);
    /** The hints the plugin reads, without the namespace. */
    static final List<String> HINTS = List.of("image", "binds", "options", GatePolicy.SKIP, GatePolicy.MAX_WAIT);
    /** The executor whose tasks cannot run in Apptainer: they are already in a container. */
    private static final String DOCKER = "docker";

    private final Apptainer apptainer;
    private final PluginContext context;

    /** @throws InvalidSettingException when the operator's {@code plugins.apptainer} settings are bad */
    public ApptainerGate(PluginContext context) {
        this(context, Apptainer.of(context));
    }

    ApptainerGate(PluginContext context, Apptainer apptainer) {
        this.context = context;
        this.apptainer = apptainer;
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public void validateHints(Hints hints) {
        TaskReadinessGate.super.validateHints(hints);
        hints.requireKnown(ID, HINTS);
        apptainer.binds(hints);
        apptainer.options(hints);
        Apptainer.image(hints);
    }

    @Override
    public void validate(TaskRequest request) {
        Hints hints = request.hints();
        validateHints(hints);
        Optional<ImageSource> image = Apptainer.image(hints);
        if (image.isEmpty()) {
            return;
        }
        ImageSource source = image.get();
        if (DOCKER.equals(request.executor())) {
            throw hints.invalid(IMAGE, source.text(), "process '" + request.processName() + "' runs on the docker "
                    + "executor, whose tasks are already in a container; use docker/image there, or run the process"
                    + " on the local or slurm executor");
        }
        if (apptainer.allowed.byReference(source) == AllowedImages.Verdict.REFUSED) {
            throw hints.invalid(IMAGE, source.text(), "not in the operator's allow-list (plugins.apptainer."
                    + ApptainerSettings.ALLOWED_IMAGES + ": " + apptainer.allowed.describe() + "); use an allowed "
                    + "image or ask the operator to add it");
        }
        source.problemOnThisMachine().ifPresent(problem -> {
            throw hints.invalid(IMAGE, source.text(), problem);
        });
        apptainer.program.problem().ifPresent(problem -> {
            throw new InvalidSettingException(ApptainerSettings.PROGRAM, "process '" + request.processName()
                    + "' runs in Apptainer, but " + problem);
        });
    }

    @Override
    public void prepare(TaskHandle task) throws InterruptedException, TaskException {
        if (!task.hints().isSet(IMAGE)) {
            return;
        }
        GatePolicy policy = GatePolicy.of(ID, task, apptainer.settings.maxWait());
        if (policy.skip()) {
            return;
        }
        ImageSource source;
        List<BindSpec> binds;
        try {
            source = Apptainer.image(task.hints()).orElseThrow();
            binds = apptainer.binds(task.hints());
            apptainer.options(task.hints());
        } catch (InvalidSettingException e) {
            throw new TaskException(e.getMessage());
        }
        if (DOCKER.equals(task.executor())) {
            throw new TaskException("task " + task.name() + " runs on the docker executor but names an Apptainer image "
                    + "(" + IMAGE + "); use docker/image there, or the local or slurm executor");
        }
        admit(source, task);
        apptainer.program.require();
        if ("local".equals(task.executor())) {
            for (BindSpec b : binds) {
                if (!Files.exists(b.source())) {
                    throw new TaskException("task " + task.name() + ": the bind source " + b.source() + " does not "
                            + "exist on this machine; create it or fix " + BINDS + " / plugins.apptainer."
                            + ApptainerSettings.BINDS);
                }
            }
        }
        if (Apptainer.holdsGpu(task)) {
            apptainer.gpuEnvFile();
        }
        if (source instanceof ImageSource.Remote remote) {
            apptainer.cache.ensure(remote, task, policy.maxWait().orElse(null));
            context.reportStatus(task, "image ready: " + remote.uri());
        }
    }

    /** The allow-list, then (for local images) the file itself; before anything is pulled. */
    private void admit(ImageSource source, TaskHandle task) throws TaskException, InterruptedException {
        AllowedImages.Verdict verdict = apptainer.allowed.byReference(source);
        if (verdict == AllowedImages.Verdict.REFUSED) {
            throw new TaskException(apptainer.allowed.refusal(source, task.hints().origin()));
        }
        Optional<String> problem = source.problemOnThisMachine();
        if (problem.isPresent()) {
            throw new TaskException("task " + task.name() + ": " + problem.get() + " (" + IMAGE + ")");
        }
        if (verdict == AllowedImages.Verdict.BY_CONTENT) {
            boolean pinned;
            try {
                pinned = apptainer.allowed.allowsContent((ImageSource.LocalSif) source);
            } catch (IOException e) {
                if (Thread.interrupted()) {
                    throw new InterruptedException("cancelled while hashing " + source.text());
                }
                throw new TaskException("cannot read " + source.text() + " to check it against the allow-list: "
                        + Problems.describe(e) + "; check that it is readable by the user sluice runs as", e);
            }
            if (!pinned) {
                throw new TaskException(apptainer.allowed.refusal(source, task.hints().origin())
                        + " (its SHA-256 is not pinned there either)");
            }
        }
    }
}
