package dev.sluice.openjd.model;

import dev.sluice.yaml.Location;
import dev.sluice.yaml.Fields;
import dev.sluice.yaml.Problems;
import dev.sluice.yaml.YamlNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Reads an environment template's {@code parameterDefinitions}, adding every problem to {@link Problems}. */
final class ParameterReader {
    static final List<String> FIELDS = List.of("name", "type", "description", "default", "allowedValues",
            "minLength", "maxLength", "minValue", "maxValue", "objectType", "dataFlow", "userInterface");
    /** OpenJD's limit on the number of parameters of a template. */
    static final int MAX_PARAMETERS = 50;

    private static final Map<ParameterType, Set<String>> NOT_FOR = Map.of(
            ParameterType.STRING, Set.of("minValue", "maxValue", "objectType", "dataFlow"),
            ParameterType.PATH, Set.of("minValue", "maxValue"),
            ParameterType.INT, Set.of("minLength", "maxLength", "objectType", "dataFlow"),
            ParameterType.FLOAT, Set.of("minLength", "maxLength", "objectType", "dataFlow"));

    private final Problems problems;
    private final FieldValues values;
    private final Set<String> declared = new java.util.LinkedHashSet<>();

    ParameterReader(Problems problems) {
        this.problems = problems;
        this.values = new FieldValues(problems);
    }

    /** The definitions in order; the ones with problems are left out (and reported). */
    List<ParameterDef> read(Fields template) {
        String path = template.path("parameterDefinitions");
        List<YamlNode> items = Fields.sequence(template.node("parameterDefinitions"), path,
                "[{name: CondaEnv, type: STRING, default: base}]", problems);
        if (items == null) {
            return List.of();
        }
        if (items.isEmpty()) {
            problems.add(template.node("parameterDefinitions"), path, "the list is empty; define a parameter or"
                    + " remove the field");
        }
        if (items.size() > MAX_PARAMETERS) {
            problems.add(template.node("parameterDefinitions"), path, items.size() + " parameters, more than the "
                    + MAX_PARAMETERS + " OpenJD allows; remove some");
        }
        List<ParameterDef> defs = new ArrayList<>();
        Map<String, Location> seen = new HashMap<>();
        for (int i = 0; i < items.size(); i++) {
            ParameterDef def = definition(items.get(i), path + "[" + i + "]", seen);
            if (def != null) {
                defs.add(def);
            }
        }
        return defs;
    }

    private ParameterDef definition(YamlNode item, String path, Map<String, Location> seen) {
        int before = problems.size();
        if (Fields.mapping(item, path, "parameter fields, e.g. {name: CondaEnv, type: STRING}", problems) == null) {
            return null;
        }
        Fields f = Fields.of(item, path, "parameter fields", problems, FIELDS, Map.of());
        String name = null;
        if (!f.has("name")) {
            problems.add(item, f.path("name"), "missing; write e.g. name: CondaEnv");
        } else {
            name = f.string("name");
            if (name != null) {
                declared.add(name);
                values.checkIdentifier(name, f.node("name"), f.path("name"), "a parameter name");
                Location first = seen.putIfAbsent(name, f.node("name").location());
                if (first != null) {
                    problems.add(f.node("name"), f.path("name"), "parameter '" + name
                            + "' is already defined at line " + first.line() + "; define each parameter once");
                }
            }
        }
        ParameterType type = null;
        if (!f.has("type")) {
            problems.add(item, f.path("type"), "missing; write type: STRING, INT, FLOAT or PATH");
        } else {
            String t = f.string("type");
            if (t != null) {
                try {
                    type = ParameterType.valueOf(t);
                } catch (IllegalArgumentException e) {
                    problems.add(f.node("type"), f.path("type"), "'" + t + "' is not a parameter type; write STRING,"
                            + " INT, FLOAT or PATH");
                }
            }
        }
        if (type != null) {
            for (String field : FIELDS) {
                if (f.has(field) && NOT_FOR.get(type).contains(field)) {
                    problems.add(f.keyLocation(field), f.path(field), field + " does not apply to a " + type
                            + " parameter; remove it");
                }
            }
        }
        if (f.has("userInterface")) {
            Fields.mapping(f.node("userInterface"), f.path("userInterface"), "user interface settings", problems);
        }
        checkChoice(f, "objectType", List.of("FILE", "DIRECTORY"));
        checkChoice(f, "dataFlow", List.of("NONE", "IN", "OUT", "INOUT"));
        Integer minLength = f.has("minLength") ? f.integer("minLength", 1) : null;
        Integer maxLength = f.has("maxLength") ? f.integer("maxLength", 1) : null;
        if (minLength != null && maxLength != null && minLength > maxLength) {
            problems.add(f.node("maxLength"), f.path("maxLength"), "maxLength " + maxLength + " is less than minLength "
                    + minLength + "; raise maxLength or lower minLength");
        }
        BigDecimal minValue = bound(f, "minValue", type);
        BigDecimal maxValue = bound(f, "maxValue", type);
        if (minValue != null && maxValue != null && minValue.compareTo(maxValue) > 0) {
            // A FLOAT's bounds as written (0.50), an INT's as the number (04 is 4), as their values are shown.
            boolean asWritten = type == ParameterType.FLOAT;
            problems.add(f.node("maxValue"), f.path("maxValue"), "maxValue "
                    + (asWritten ? f.string("maxValue").strip() : maxValue.toPlainString()) + " is less than minValue "
                    + (asWritten ? f.string("minValue").strip() : minValue.toPlainString())
                    + "; raise maxValue or lower minValue");
        }
        List<String> allowed = List.of();
        if (f.has("allowedValues")) {
            allowed = f.strings("allowedValues", "[base, ml]");
            if (allowed != null && allowed.isEmpty()) {
                problems.add(f.node("allowedValues"), f.path("allowedValues"), "the list is empty; list the values"
                        + " allowed or remove the field");
            }
            allowed = allowed == null ? List.of() : allowed;
        }
        String defaultValue = f.has("default") ? f.string("default") : null;
        if (problems.size() > before) {
            return null;
        }
        ParameterDef def = new ParameterDef(name, type, Optional.ofNullable(defaultValue), allowed,
                Optional.ofNullable(minLength), Optional.ofNullable(maxLength), Optional.ofNullable(minValue),
                Optional.ofNullable(maxValue), item.location());
        for (int i = 0; i < allowed.size(); i++) {
            String a = allowed.get(i);
            ParameterDef unrestricted = new ParameterDef(name, type, Optional.empty(), List.of(), def.minLength(),
                    def.maxLength(), def.minValue(), def.maxValue(), def.location());
            Optional<String> why = unrestricted.violation(a);
            if (why.isPresent()) {
                problems.add(((YamlNode.Sequence) f.node("allowedValues")).items().get(i),
                        f.path("allowedValues") + "[" + i + "]", why.get() + "; fix or remove the value");
            }
        }
        if (defaultValue != null) {
            def.violation(defaultValue).ifPresent(why -> problems.add(f.node("default"), f.path("default"),
                    "the default does not fit: " + why + "; change the default"));
        }
        return problems.size() > before ? null : def;
    }

    /**
     * Every name written in the definitions read, those with problems included, so that format strings
     * using them are not reported a second time as undefined.
     */
    Set<String> declaredNames() {
        return declared;
    }

    private void checkChoice(Fields f, String key, List<String> choices) {
        String s = f.has(key) ? f.string(key) : null;
        if (s != null && !choices.contains(s)) {
            problems.add(f.node(key), f.path(key), "'" + s + "' is not a " + key + "; write one of "
                    + String.join(", ", choices));
        }
    }

    /**
     * A minValue or maxValue: a decimal number for a FLOAT parameter (as its values are), a whole number
     * otherwise (the bounds of any other type are reported as not applying to it).
     */
    private BigDecimal bound(Fields f, String key, ParameterType type) {
        String s = f.has(key) ? f.string(key) : null;
        if (s == null) {
            return null;
        }
        if (type == ParameterType.FLOAT) {
            Optional<String> why = ParameterDef.floatProblem(s);
            if (why.isPresent()) {
                problems.add(f.node(key), f.path(key), "'" + s + "' " + why.get() + "; write e.g. " + key + ": 0.5");
                return null;
            }
            return ParameterDef.decimal(s);
        }
        try {
            return BigDecimal.valueOf(Long.parseLong(s.trim()));
        } catch (NumberFormatException e) {
            problems.add(f.node(key), f.path(key), "'" + s + "' is not a whole number; write e.g. " + key + ": 1");
            return null;
        }
    }
}
