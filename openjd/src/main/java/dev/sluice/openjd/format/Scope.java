package dev.sluice.openjd.format;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The variables that exist where a format string is used, and a description of that place for
 * error messages. A name is allowed if it equals one of the scope's names, or if the scope has a
 * family {@code Prefix.*} and the name is {@code Prefix.} followed by one identifier.
 *
 * <p>The constants are the OpenJD scopes with every family open ({@code Param.*}); a template
 * loader narrows them to the names a template declares with {@link #of(String, Set)}.
 */
public final class Scope {

    /** Names every action and embedded file of an environment or step can use. */
    private static final List<String> COMMON = List.of(
            "Param.*", "RawParam.*", "Job.Name",
            "Session.WorkingDirectory", "Session.HasPathMappingRules", "Session.PathMappingRulesFile");

    private static final List<String> WRAPPED_ACTION = List.of(
            "WrappedAction.Command", "WrappedAction.Args", "WrappedAction.Environment", "WrappedAction.Timeout",
            "WrappedAction.Cancelation.Mode", "WrappedAction.Cancelation.NotifyPeriodInSeconds");

    /** An environment's onEnter or onExit action. */
    public static final Scope ENVIRONMENT_ACTION =
            of("an environment's onEnter/onExit action", concat(COMMON, List.of("Env.File.*")));

    /**
     * An environment's embedded file: every action of the script shares it, the wrap hooks included,
     * so the wrap variables are not available here.
     */
    public static final Scope ENVIRONMENT_EMBEDDED_FILE =
            of("an environment's embedded file", concat(COMMON, List.of("Env.File.*")));

    /** The onWrapEnvEnter and onWrapEnvExit hooks of a wrapping environment (WRAP_ACTIONS). */
    public static final Scope WRAP_ENV_HOOK = of("the onWrapEnvEnter/onWrapEnvExit hook",
            concat(COMMON, List.of("Env.File.*"), WRAPPED_ACTION, List.of("WrappedEnv.Name")));

    /**
     * The onWrapTaskRun hook of a wrapping environment, with the WRAP_TASK_RUN draft's names
     * ({@code Task.Command}, {@code Task.Args}, {@code Task.Environment}, {@code Env.Action.Timeout})
     * for templates written against it.
     */
    public static final Scope WRAP_TASK_HOOK = of("the onWrapTaskRun hook",
            concat(COMMON, List.of("Env.File.*"), WRAPPED_ACTION, List.of("WrappedStep.Name"),
                    List.of("Task.Command", "Task.Args", "Task.Environment", "Env.Action.Timeout")));

    /** A step script's onRun action and embedded files. */
    public static final Scope TASK_ACTION = of("a step script's onRun action or embedded file",
            concat(COMMON, List.of("Task.Param.*", "Task.RawParam.*", "Task.File.*")));

    private final String where;
    private final Set<String> names;
    private final Map<String, ExprType> types;

    private Scope(String where, Set<String> names) {
        this(where, names, Map.of());
    }

    private Scope(String where, Set<String> names, Map<String, ExprType> types) {
        this.where = where;
        this.names = Set.copyOf(names);
        this.types = Map.copyOf(types);
    }

    /**
     * A scope.
     *
     * @param where describes the place for messages, e.g. "onEnter of environment 'Docker'"
     * @param names full names ({@code Env.File.Enter}) and families ({@code Param.*})
     */
    public static Scope of(String where, Set<String> names) {
        return new Scope(where, names);
    }

    private static Scope of(String where, List<String> names) {
        return new Scope(where, new LinkedHashSet<>(names));
    }

    /** This scope with more names or families, at a new place description. */
    public Scope plus(String newWhere, Set<String> more) {
        Set<String> all = new LinkedHashSet<>(names);
        all.addAll(more);
        return new Scope(newWhere, all, types);
    }

    /**
     * This scope with the {@code let} bindings {@code names} (lowercase names) added: the bindings of an
     * environment's script, for its actions and embedded files.
     */
    public Scope withBindings(java.util.Collection<String> names) {
        Set<String> all = new LinkedHashSet<>(this.names);
        all.addAll(names);
        return new Scope(where, all, types);
    }

    /**
     * This scope with the types of some of its names known before any value is: a template's declared
     * parameter types ({@code Param.Frame} an int), its let bindings' ({@code out} a path). The load-time
     * type check ({@link FormatString#validate(Scope)}) uses them; a name without a type here is unknown,
     * unless OpenJD fixes it ({@code Session.WorkingDirectory} is always a path).
     */
    public Scope withTypes(Map<String, ExprType> more) {
        Map<String, ExprType> all = new HashMap<>(types);
        all.putAll(more);
        return new Scope(where, names, all);
    }

    /** The type of {@code name} known before any value is, or {@link ExprType#UNKNOWN}. */
    public ExprType typeOf(String name) {
        ExprType t = types.get(name);
        if (t != null) {
            return t;
        }
        return TypeCheck.FIXED.getOrDefault(name, ExprType.UNKNOWN);
    }

    /** Whether {@code name} is a let binding here. */
    public boolean hasBinding(String name) {
        return isBinding(name) && names.contains(name);
    }

    /** The let bindings here, sorted. */
    public List<String> bindings() {
        return names.stream().filter(Scope::isBinding).sorted().toList();
    }

    private static boolean isBinding(String name) {
        return !name.isEmpty() && (Character.isLowerCase(name.charAt(0)) || name.charAt(0) == '_');
    }

    /**
     * The variable a dotted name refers to: the name itself if it exists here, or else its longest
     * prefix that does, when the rest are path properties ({@code Param.File.parent.name} refers to
     * {@code Param.File}); the name without its trailing properties when no prefix exists.
     */
    String base(String name) {
        if (allows(name)) {
            return name;
        }
        String[] segments = name.split("\\.");
        int keep = segments.length;
        while (keep > 1 && Builtins.isProperty(segments[keep - 1])) {
            keep--;
        }
        for (int n = segments.length - 1; n >= keep; n--) {
            String prefix = String.join(".", java.util.Arrays.copyOfRange(segments, 0, n));
            if (allows(prefix)) {
                return prefix;
            }
        }
        return String.join(".", java.util.Arrays.copyOfRange(segments, 0, keep));
    }

    /** The description of the place, for error messages. */
    public String where() {
        return where;
    }

    /** The names and families, sorted; let bindings excluded. */
    public List<String> names() {
        return names.stream().filter(n -> !isBinding(n)).sorted().toList();
    }

    /** Whether {@code name} exists here. */
    public boolean allows(String name) {
        if (names.contains(name)) {
            return true;
        }
        int dot = name.lastIndexOf('.');
        return dot > 0 && names.contains(name.substring(0, dot) + ".*");
    }

    /** The message for a variable this scope does not allow; empty if it does allow it. */
    Optional<String> whyNot(String name) {
        if (allows(name)) {
            return Optional.empty();
        }
        int dot = name.lastIndexOf('.');
        String family = dot > 0 ? name.substring(0, dot) : "";
        List<String> sameFamily = new ArrayList<>();
        for (String n : names()) {
            if (n.startsWith(family + ".") && n.indexOf('.', family.length() + 1) < 0) {
                sameFamily.add(n);
            }
        }
        // The family exists here but not this member: a misspelt or undeclared name.
        if (!family.isEmpty() && !sameFamily.isEmpty()) {
            return Optional.of("variable '" + name + "' is not defined in " + where + "; defined there: "
                    + String.join(", ", sameFamily));
        }
        Optional<String> elsewhere = KnownVariables.whereAllowed(name);
        if (elsewhere.isPresent()) {
            return Optional.of("variable '" + name + "' is not available in " + where
                    + "; it is available only in " + elsewhere.get());
        }
        return Optional.of("unknown variable '" + name + "'; the variables available in " + where + " are "
                + String.join(", ", names()).replace(".*", ".<Name>"));
    }

    @SafeVarargs
    private static List<String> concat(List<String>... parts) {
        List<String> all = new ArrayList<>();
        for (List<String> p : parts) {
            all.addAll(p);
        }
        return all;
    }

    @Override
    public String toString() {
        return "Scope[" + where + ": " + names() + "]";
    }
}
