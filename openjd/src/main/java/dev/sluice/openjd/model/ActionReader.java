package dev.sluice.openjd.model;

import dev.sluice.openjd.format.FormatString;
import dev.sluice.openjd.format.Scope;
import dev.sluice.yaml.Fields;
import dev.sluice.yaml.Problems;
import dev.sluice.yaml.YamlNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads an environment's {@code actions}: which of them its extensions allow (the wrap hooks come
 * with WRAP_ACTIONS or WRAP_TASK_RUN), and each one an OpenJD {@code <Action>}, which onMonitor's
 * command is too.
 */
final class ActionReader {
    static final List<String> HOOKS = List.of("onWrapEnvEnter", "onWrapTaskRun", "onWrapEnvExit");
    static final List<String> ACTIONS_FIELDS = List.of("onEnter", "onWrapEnvEnter", "onWrapTaskRun", "onWrapEnvExit",
            "onExit");
    static final List<String> FIELDS = List.of("command", "args", "timeout", "cancelation");

    private final Problems problems;
    private final FormatStringReader formats;
    private final FieldValues values;
    private final CancelationReader cancelations;
    private final Set<Extension> extensions;
    private final String envName;

    /**
     * @param envName    the environment's name, for messages
     * @param extensions the extensions it declares (already checked)
     */
    ActionReader(Problems problems, FormatStringReader formats, FieldValues values, Set<Extension> extensions,
            String envName) {
        this.problems = problems;
        this.formats = formats;
        this.values = values;
        this.cancelations = new CancelationReader(problems, values);
        this.extensions = extensions;
        this.envName = envName;
    }

    /**
     * The {@code actions} of {@code script} by name (onEnter, onExit and the wrap hooks), each empty when
     * it has problems; the caller has checked that the field is there.
     */
    Map<String, Optional<ActionDef>> read(Fields script) {
        return actions(script.nested("actions", "actions (onEnter, onExit, ...)", ACTIONS_FIELDS,
                Map.of("onRun", "onRun belongs to a step's script; an environment has onEnter and onExit",
                        "onMonitor", "onMonitor belongs to the environment itself, next to script")));
    }

    private Map<String, Optional<ActionDef>> actions(Fields a) {
        Map<String, Optional<ActionDef>> out = new HashMap<>();
        boolean wrapActions = extensions.contains(Extension.WRAP_ACTIONS);
        boolean wrapTaskRun = extensions.contains(Extension.WRAP_TASK_RUN);
        for (String hook : HOOKS) {
            if (!a.has(hook)) {
                continue;
            }
            boolean allowed = wrapActions || (wrapTaskRun && hook.equals("onWrapTaskRun"));
            if (!allowed) {
                String message = hook.equals("onWrapTaskRun")
                        ? "onWrapTaskRun needs an extension; declare extensions: [WRAP_ACTIONS, EXPR] (and define"
                                + " onWrapEnvEnter and onWrapEnvExit too) or extensions: [WRAP_TASK_RUN]"
                        : wrapTaskRun
                                ? hook + " is part of WRAP_ACTIONS, not WRAP_TASK_RUN; declare"
                                        + " extensions: [WRAP_ACTIONS, EXPR] instead of WRAP_TASK_RUN"
                                : hook + " needs the WRAP_ACTIONS extension; declare extensions: [WRAP_ACTIONS, EXPR]";
                problems.add(a.keyLocation(hook), a.path(hook), message);
            }
        }
        if (wrapActions) {
            List<String> present = HOOKS.stream().filter(a::has).toList();
            if (!present.isEmpty() && present.size() < HOOKS.size()) {
                List<String> missing = HOOKS.stream().filter(h -> !a.has(h)).toList();
                problems.add(a.location(), FieldValues.pathOf(a), "WRAP_ACTIONS hooks come all three or none: "
                        + String.join(", ", present) + " " + (present.size() == 1 ? "is" : "are")
                        + " defined but " + String.join(" and ", missing) + " " + (missing.size() == 1 ? "is" : "are")
                        + " not; define " + String.join(" and ", missing)
                        + " (they may pass the wrapped action through unchanged)");
            }
        }
        if (ACTIONS_FIELDS.stream().noneMatch(a::has)) {
            problems.add(a.location(), FieldValues.pathOf(a), "no actions; define onEnter or onExit (or wrap"
                    + " hooks), e.g. onEnter: {command: ./setup.sh}");
        }
        String where = "of environment '" + envName + "'";
        for (String key : List.of("onEnter", "onExit")) {
            if (a.has(key)) {
                out.put(key, Optional.ofNullable(action(a, key, formats.narrow(Scope.ENVIRONMENT_ACTION,
                        key + " " + where, Set.of()))));
            }
        }
        for (String key : List.of("onWrapEnvEnter", "onWrapEnvExit")) {
            if (a.has(key)) {
                out.put(key, Optional.ofNullable(action(a, key, formats.narrow(Scope.WRAP_ENV_HOOK, key + " " + where,
                        Set.of()))));
            }
        }
        if (a.has("onWrapTaskRun")) {
            // Each spelling has its own names: WrappedAction.* under WRAP_ACTIONS, Task.* under the draft.
            Set<String> drop = wrapActions ? FormatStringReader.DRAFT_NAMES.keySet()
                    : wrapTaskRun ? FormatStringReader.WRAPPED_NAMES : Set.of();
            out.put("onWrapTaskRun", Optional.ofNullable(action(a, "onWrapTaskRun",
                    formats.narrow(Scope.WRAP_TASK_HOOK, "onWrapTaskRun " + where, drop))));
        }
        return out;
    }

    /** An OpenJD {@code <Action>}; {@code null} with problems when it has any. */
    ActionDef action(Fields parent, String key, Scope scope) {
        int before = problems.size();
        String path = parent.path(key);
        YamlNode node = parent.node(key);
        if (Fields.mapping(node, path, "action fields, e.g. {command: bash, args: [setup.sh]}", problems) == null) {
            return null;
        }
        Fields f = Fields.of(node, path, "action fields", problems, FIELDS, Map.of());
        FormatString command = null;
        if (!f.has("command")) {
            problems.add(node, f.path("command"), "missing; an action needs the program to run, e.g. command: bash");
        } else {
            command = formats.format(f.node("command"), f.path("command"), scope, false, true);
        }
        List<FormatString> args = new ArrayList<>();
        if (f.has("args")) {
            List<YamlNode> items = Fields.sequence(f.node("args"), f.path("args"), "[-c, \"echo hi\"]", problems);
            if (items != null && items.isEmpty()) {
                problems.add(f.node("args"), f.path("args"), "the list is empty; give at least one argument or"
                        + " remove the field");
            }
            for (int i = 0; items != null && i < items.size(); i++) {
                args.add(formats.format(items.get(i), f.path("args") + "[" + i + "]", scope, true, false));
            }
        }
        Duration timeout = f.has("timeout") ? values.seconds(f, "timeout", 0, "timeout: 300") : null;
        CancelationDef cancelation = f.has("cancelation") ? cancelations.read(f) : null;
        if (problems.size() > before) {
            return null;
        }
        return new ActionDef(command, args, Optional.ofNullable(timeout), Optional.ofNullable(cancelation),
                node.location());
    }
}
