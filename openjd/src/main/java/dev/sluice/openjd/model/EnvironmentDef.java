package dev.sluice.openjd.model;

import dev.sluice.openjd.format.FormatString;
import dev.sluice.openjd.format.LetBinding;
import dev.sluice.yaml.Location;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A checked environment definition: entered once per session, it may set variables, run actions on
 * enter and exit, wrap the actions inside it and be health-checked while it runs. Made by
 * {@link EnvironmentLoader} from an inline definition or an OpenJD environment template.
 *
 * @param name           the name processes refer to it by: its key under the pipeline's
 *                       {@code environments:} (or, for a template loaded alone, the template's
 *                       {@code environment.name})
 * @param description    the description written, if any
 * @param location       where it is defined: its key in the pipeline, or its {@code environment:} in
 *                       the template file
 * @param templateFile   the template file it was read from; empty for an inline definition
 * @param extensions     the extensions it declares
 * @param parameters     its parameters' values by name, in definition order; empty for inline ones
 * @param variables      the variables it sets while entered, by name in the order written; the values
 *                       are format strings
 * @param onEnter        run when entering
 * @param onExit         run when exiting
 * @param onWrapEnvEnter run instead of each inner environment's onEnter ({@link WrapStyle#WRAP_ACTIONS})
 * @param onWrapTaskRun  run instead of each task ({@link WrapStyle#WRAP_ACTIONS} or
 *                       {@link WrapStyle#WRAP_TASK_RUN})
 * @param onWrapEnvExit  run instead of each inner environment's onExit ({@link WrapStyle#WRAP_ACTIONS})
 * @param embeddedFiles  the files its actions share, in the order written
 * @param monitor        its health check, if any
 * @param let            its script's let bindings (EXPR), evaluated in order when it is entered; its
 *                       actions and embedded files use their names
 * @param openjdName     its name in Open Job Description terms: a template's {@code environment.name}
 *                       (what {@code WrappedEnv.Name} gives a wrapper), else {@code name}
 * @param referenceRuntime where the pipeline asks for the reference runtime's behaviour instead of
 *                       sluice's for this environment ({@code referenceRuntime:}); empty by default
 */
public record EnvironmentDef(
        String name,
        Optional<String> description,
        Location location,
        Optional<Path> templateFile,
        Set<Extension> extensions,
        Map<String, ParameterValue> parameters,
        Map<String, FormatString> variables,
        Optional<ActionDef> onEnter,
        Optional<ActionDef> onExit,
        Optional<ActionDef> onWrapEnvEnter,
        Optional<ActionDef> onWrapTaskRun,
        Optional<ActionDef> onWrapEnvExit,
        List<EmbeddedFileDef> embeddedFiles,
        Optional<MonitorDef> monitor,
        List<LetBinding> let,
        String openjdName,
        Set<ReferenceBehaviour> referenceRuntime) {

    public EnvironmentDef {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(location, "location");
        Objects.requireNonNull(templateFile, "templateFile");
        extensions = Set.copyOf(extensions);
        parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
        variables = Collections.unmodifiableMap(new LinkedHashMap<>(variables));
        Objects.requireNonNull(onEnter, "onEnter");
        Objects.requireNonNull(onExit, "onExit");
        Objects.requireNonNull(onWrapEnvEnter, "onWrapEnvEnter");
        Objects.requireNonNull(onWrapTaskRun, "onWrapTaskRun");
        Objects.requireNonNull(onWrapEnvExit, "onWrapEnvExit");
        embeddedFiles = List.copyOf(embeddedFiles);
        Objects.requireNonNull(monitor, "monitor");
        let = List.copyOf(let);
        Objects.requireNonNull(openjdName, "openjdName");
        referenceRuntime = Set.copyOf(referenceRuntime);
        if (onWrapEnvEnter.isPresent() != onWrapEnvExit.isPresent()
                || (onWrapEnvEnter.isPresent() && onWrapTaskRun.isEmpty())) {
            throw new IllegalArgumentException("environment '" + name
                    + "': onWrapEnvEnter, onWrapTaskRun and onWrapEnvExit come all three or only onWrapTaskRun");
        }
    }

    /** A definition whose Open Job Description name is its pipeline name (an inline one). */
    public EnvironmentDef(String name, Optional<String> description, Location location, Optional<Path> templateFile,
            Set<Extension> extensions, Map<String, ParameterValue> parameters, Map<String, FormatString> variables,
            Optional<ActionDef> onEnter, Optional<ActionDef> onExit, Optional<ActionDef> onWrapEnvEnter,
            Optional<ActionDef> onWrapTaskRun, Optional<ActionDef> onWrapEnvExit, List<EmbeddedFileDef> embeddedFiles,
            Optional<MonitorDef> monitor) {
        this(name, description, location, templateFile, extensions, parameters, variables, onEnter, onExit,
                onWrapEnvEnter, onWrapTaskRun, onWrapEnvExit, embeddedFiles, monitor, List.of(), name, Set.of());
    }

    /** A definition with let bindings whose Open Job Description name is its pipeline name. */
    public EnvironmentDef(String name, Optional<String> description, Location location, Optional<Path> templateFile,
            Set<Extension> extensions, Map<String, ParameterValue> parameters, Map<String, FormatString> variables,
            Optional<ActionDef> onEnter, Optional<ActionDef> onExit, Optional<ActionDef> onWrapEnvEnter,
            Optional<ActionDef> onWrapTaskRun, Optional<ActionDef> onWrapEnvExit, List<EmbeddedFileDef> embeddedFiles,
            Optional<MonitorDef> monitor, List<LetBinding> let) {
        this(name, description, location, templateFile, extensions, parameters, variables, onEnter, onExit,
                onWrapEnvEnter, onWrapTaskRun, onWrapEnvExit, embeddedFiles, monitor, let, name, Set.of());
    }

    /** A definition without let bindings. */
    public EnvironmentDef(String name, Optional<String> description, Location location, Optional<Path> templateFile,
            Set<Extension> extensions, Map<String, ParameterValue> parameters, Map<String, FormatString> variables,
            Optional<ActionDef> onEnter, Optional<ActionDef> onExit, Optional<ActionDef> onWrapEnvEnter,
            Optional<ActionDef> onWrapTaskRun, Optional<ActionDef> onWrapEnvExit, List<EmbeddedFileDef> embeddedFiles,
            Optional<MonitorDef> monitor, String openjdName) {
        this(name, description, location, templateFile, extensions, parameters, variables, onEnter, onExit,
                onWrapEnvEnter, onWrapTaskRun, onWrapEnvExit, embeddedFiles, monitor, List.of(), openjdName, Set.of());
    }

    /** A definition with let bindings and an Open Job Description name of its own, run sluice's way. */
    public EnvironmentDef(String name, Optional<String> description, Location location, Optional<Path> templateFile,
            Set<Extension> extensions, Map<String, ParameterValue> parameters, Map<String, FormatString> variables,
            Optional<ActionDef> onEnter, Optional<ActionDef> onExit, Optional<ActionDef> onWrapEnvEnter,
            Optional<ActionDef> onWrapTaskRun, Optional<ActionDef> onWrapEnvExit, List<EmbeddedFileDef> embeddedFiles,
            Optional<MonitorDef> monitor, List<LetBinding> let, String openjdName) {
        this(name, description, location, templateFile, extensions, parameters, variables, onEnter, onExit,
                onWrapEnvEnter, onWrapTaskRun, onWrapEnvExit, embeddedFiles, monitor, let, openjdName, Set.of());
    }

    /** This definition with the reference runtime's behaviour asked for where {@code behaviours} say. */
    public EnvironmentDef withReferenceRuntime(Set<ReferenceBehaviour> behaviours) {
        return new EnvironmentDef(name, description, location, templateFile, extensions, parameters, variables, onEnter,
                onExit, onWrapEnvEnter, onWrapTaskRun, onWrapEnvExit, embeddedFiles, monitor, let, openjdName,
                behaviours);
    }

    /** Whether the pipeline asks for the reference runtime's {@code behaviour} in this environment. */
    public boolean asReference(ReferenceBehaviour behaviour) {
        return referenceRuntime.contains(behaviour);
    }

    /** How it wraps the actions inside it. */
    public WrapStyle wrapStyle() {
        if (onWrapEnvEnter.isPresent()) {
            return WrapStyle.WRAP_ACTIONS;
        }
        return onWrapTaskRun.isPresent() ? WrapStyle.WRAP_TASK_RUN : WrapStyle.NONE;
    }

    /** Whether it wraps the actions inside it. */
    public boolean wraps() {
        return wrapStyle() != WrapStyle.NONE;
    }

    /** The embedded file called {@code fileName}, if there is one. */
    public Optional<EmbeddedFileDef> embeddedFile(String fileName) {
        return embeddedFiles.stream().filter(f -> f.name().equals(fileName)).findFirst();
    }
}
