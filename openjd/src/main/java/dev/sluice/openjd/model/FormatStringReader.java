package dev.sluice.openjd.model;

import dev.sluice.openjd.format.ExprType;
import dev.sluice.openjd.format.FormatProblem;
import dev.sluice.openjd.format.FormatString;
import dev.sluice.openjd.format.FormatStringException;
import dev.sluice.openjd.format.LetBinding;
import dev.sluice.openjd.format.Scope;
import dev.sluice.yaml.Fields;
import dev.sluice.yaml.Problems;
import dev.sluice.yaml.YamlNode;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the format strings of one environment, each checked against the names it may use there: the
 * scope of its place narrowed to the parameters and embedded files the environment declares. Every
 * section with format strings (variables, actions, embedded files, onMonitor) reads them here, so that
 * a name the environment lacks is explained the same way wherever it is used.
 */
final class FormatStringReader {
    /** The WRAP_TASK_RUN draft's names for what WRAP_ACTIONS calls WrappedAction.*. */
    static final Map<String, String> DRAFT_NAMES = Map.of(
            "Task.Command", "WrappedAction.Command",
            "Task.Args", "WrappedAction.Args",
            "Task.Environment", "WrappedAction.Environment",
            "Env.Action.Timeout", "WrappedAction.Timeout");
    static final Set<String> WRAPPED_NAMES = Set.of("WrappedAction.Command", "WrappedAction.Args",
            "WrappedAction.Environment", "WrappedAction.Timeout", "WrappedAction.Cancelation.Mode",
            "WrappedAction.Cancelation.NotifyPeriodInSeconds", "WrappedStep.Name");

    private final Problems problems;
    private final String envName;
    private final Set<Extension> extensions;
    private final Set<String> params;
    private final boolean inline;
    private Set<String> fileNames = Set.of();
    private List<String> bindings = List.of();
    private Map<String, ExprType> paramTypes = Map.of();
    private Map<String, ExprType> bindingTypes = Map.of();

    /**
     * @param envName    the environment's name, for messages
     * @param extensions the extensions it declares (already checked)
     * @param params     the parameters it declares; format strings may use only these
     * @param inline     whether it is an inline definition, which has no parameters
     */
    FormatStringReader(Problems problems, String envName, Set<Extension> extensions, Set<String> params,
            boolean inline) {
        this.problems = problems;
        this.envName = envName;
        this.extensions = extensions;
        this.params = params;
        this.inline = inline;
    }

    /**
     * The names of the environment's embedded files, once read ahead: from then on {@code Env.File.*}
     * means these.
     */
    void fileNames(Set<String> names) {
        this.fileNames = names;
    }

    /**
     * The declared types of the parameters read without problems: {@code Param.X} has its parameter's
     * type, and so has {@code RawParam.X} except that a PATH's raw value is a string (it may be a path of
     * another system). The load-time type check uses them.
     */
    void parameterTypes(List<ParameterDef> parameters) {
        Map<String, ExprType> types = new HashMap<>();
        for (ParameterDef p : parameters) {
            ExprType t = switch (p.type()) {
                case STRING -> ExprType.STRING;
                case PATH -> ExprType.PATH;
                case INT -> ExprType.INT;
                case FLOAT -> ExprType.FLOAT;
            };
            types.put("Param." + p.name(), t);
            types.put("RawParam." + p.name(), t == ExprType.PATH ? ExprType.STRING : t);
        }
        this.paramTypes = Map.copyOf(types);
    }

    /** The types of the script's {@code let} bindings, once read (see {@link LetBinding#types}). */
    void bindingTypes(Map<String, ExprType> types) {
        this.bindingTypes = Map.copyOf(types);
    }

    /**
     * The names of the script's {@code let} bindings, once read: from then on the actions, embedded files
     * and onMonitor may use them (the environment's variables may not: they are outside the script).
     */
    void bindings(List<String> names) {
        this.bindings = List.copyOf(names);
    }

    /**
     * {@code base} with its open families narrowed to what this environment declares
     * ({@code Param.*} to its parameters, {@code Env.File.*} to its files) and {@code drop} removed.
     */
    Scope narrow(Scope base, String where, Set<String> drop) {
        Set<String> names = new LinkedHashSet<>();
        for (String n : base.names()) {
            switch (n) {
                case "Param.*" -> params.forEach(p -> names.add("Param." + p));
                case "RawParam.*" -> params.forEach(p -> names.add("RawParam." + p));
                case "Env.File.*" -> {
                    if (!drop.contains(n)) {
                        fileNames.forEach(file -> names.add("Env.File." + file));
                    }
                }
                default -> {
                    if (!drop.contains(n)) {
                        names.add(n);
                    }
                }
            }
        }
        Scope scope = Scope.of(where, names).withTypes(paramTypes);
        return where.startsWith("the variables") ? scope : scope.withBindings(bindings).withTypes(bindingTypes);
    }

    /**
     * A format string, parsed and checked for {@code scope}; {@code null} with a problem per error,
     * each message giving the column inside the string.
     */
    FormatString format(YamlNode node, String path, Scope scope, boolean emptyAllowed, boolean command) {
        String text = Fields.text(node, path, "a text value", problems);
        if (text == null) {
            return null;
        }
        if (!emptyAllowed && text.isBlank()) {
            problems.add(node, path, command ? "the command is blank; write the program to run, e.g. bash"
                    : "the text is blank; write the content or remove the field");
            return null;
        }
        FormatString parsed;
        try {
            parsed = FormatString.parse(text);
        } catch (FormatStringException e) {
            e.problems().forEach(p -> problems.add(node, path, p.message()));
            return null;
        }
        List<FormatProblem> wrong = parsed.validate(scope);
        wrong.forEach(p -> problems.add(node, path, explain(p, scope).message()));
        return wrong.isEmpty() ? parsed : null;
    }

    /** Replaces the format package's message where this environment knows a more useful one. */
    FormatProblem explain(FormatProblem p, Scope scope) {
        String var = variableAt(p.text(), p.offset());
        if (var == null) {
            return p;
        }
        String detail = null;
        if ((var.startsWith("Param.") || var.startsWith("RawParam.")) && params.isEmpty()) {
            detail = "variable '" + var + "' is not defined: " + (inline
                    ? "an inline environment has no parameters; write the value itself, or move environment '"
                            + envName + "' to a template file with parameterDefinitions"
                    : "the template declares no parameters; add it under parameterDefinitions");
        } else if (var.startsWith("Env.File.") && fileNames.isEmpty() && !scope.where().startsWith("the variables")) {
            detail = "variable '" + var + "' is not defined: environment '" + envName + "' has no embedded files;"
                    + " add one under script.embeddedFiles";
        } else if (DRAFT_NAMES.containsKey(var) && scope.where().startsWith("onWrapTaskRun")
                && extensions.contains(Extension.WRAP_ACTIONS)) {
            detail = "'" + var + "' is the WRAP_TASK_RUN draft's name; under WRAP_ACTIONS write "
                    + DRAFT_NAMES.get(var);
        } else if (WRAPPED_NAMES.contains(var) && scope.where().startsWith("onWrapTaskRun")
                && extensions.contains(Extension.WRAP_TASK_RUN)) {
            detail = "'" + var + "' is a WRAP_ACTIONS name; under WRAP_TASK_RUN write "
                    + DRAFT_NAMES.entrySet().stream().filter(e -> e.getValue().equals(var)).map(Map.Entry::getKey)
                            .findFirst().orElse("Task.Command, Task.Args, Task.Environment or Env.Action.Timeout")
                    + ", or declare WRAP_ACTIONS instead";
        }
        return detail == null ? p : new FormatProblem(p.text(), p.offset(), p.line(), p.column(), detail);
    }

    /** The dotted name starting at {@code offset}, or {@code null} when none starts there. */
    private static String variableAt(String text, int offset) {
        int end = offset;
        while (end < text.length() && (Character.isLetterOrDigit(text.charAt(end)) || text.charAt(end) == '_'
                || text.charAt(end) == '.')) {
            end++;
        }
        return end > offset ? text.substring(offset, end) : null;
    }
}
