package dev.sluice.host.pipeline;

import dev.sluice.yaml.Location;
import dev.sluice.yaml.Fields;
import dev.sluice.yaml.Problems;
import dev.sluice.yaml.YamlNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;


/**
 * A process's {@code matrix:} or {@code each:}, read into one param map per task, with a located
 * problem for each bad entry. Shared by {@link PipelineLoader} for every process of a file.
 */
final class ParamSets {
    private final Problems problems;

    ParamSets(Problems problems) {
        this.problems = problems;
    }

    /** The cross product of the matrix's value lists, the first param varying slowest; null on problems. */
    List<Map<String, String>> matrix(YamlNode node, String path) {
        YamlNode.Mapping mapping = Fields.mapping(node, path, "param names to value lists, e.g. {sample: [a, b]}",
                problems);
        if (mapping == null) {
            return null;
        }
        if (mapping.entries().isEmpty()) {
            problems.add(node, path, "the matrix is empty; give each param a list of values, e.g."
                    + " matrix: {sample: [a, b]}, or remove it");
            return null;
        }
        int before = problems.size();
        Map<String, List<String>> axes = new LinkedHashMap<>();
        long count = 1;
        for (YamlNode.Entry e : mapping.entries().values()) {
            String p = Fields.child(path, e.key());
            checkParamName(e.key(), e.keyLocation(), p);
            if (!(e.value() instanceof YamlNode.Sequence)) {
                problems.add(e.value(), p, "matrix values must be lists; write " + e.key() + ": ["
                        + (e.value() instanceof YamlNode.Scalar s && !s.isNull() ? s.text() : "a") + ", ...]");
                continue;
            }
            List<String> values = Fields.texts(e.value(), p, "[a, b]", problems);
            if (values == null) {
                continue;
            }
            if (values.isEmpty()) {
                problems.add(e.value(), p, "the list is empty, so the process would run no task; give at least"
                        + " one value");
                continue;
            }
            Set<String> distinct = new HashSet<>();
            for (int i = 0; i < values.size(); i++) {
                if (!distinct.add(values.get(i))) {
                    problems.add(((YamlNode.Sequence) e.value()).items().get(i), p + "[" + i + "]",
                            "'" + values.get(i) + "' is listed twice; each value once");
                }
            }
            axes.put(e.key(), values);
            count = Math.min(count * values.size(), Integer.MAX_VALUE);
        }
        if (problems.size() > before) {
            return null;
        }
        if (count > PipelineLoader.MAX_TASKS_PER_PROCESS) {
            problems.add(node, path, "the matrix makes " + count + " tasks, more than the "
                    + PipelineLoader.MAX_TASKS_PER_PROCESS + " a process may have; split the process or shorten the lists");
            return null;
        }
        List<Map<String, String>> combos = new ArrayList<>();
        combos.add(new LinkedHashMap<>());
        for (Map.Entry<String, List<String>> axis : axes.entrySet()) {
            List<Map<String, String>> next = new ArrayList<>(combos.size() * axis.getValue().size());
            for (Map<String, String> combo : combos) {
                for (String value : axis.getValue()) {
                    Map<String, String> m = new LinkedHashMap<>(combo);
                    m.put(axis.getKey(), value);
                    next.add(m);
                }
            }
            combos = next;
        }
        return combos;
    }

    /** One param map per entry; a list of plain values gives param {@code item}; null on problems. */
    List<Map<String, String>> each(YamlNode node, String path) {
        List<YamlNode> items = Fields.sequence(node, path, "[{sample: a}, {sample: b}] or [a, b]", problems);
        if (items == null) {
            return null;
        }
        if (items.isEmpty()) {
            problems.add(node, path, "the list is empty, so the process would run no task; give at least one"
                    + " entry, or remove it");
            return null;
        }
        if (items.size() > PipelineLoader.MAX_TASKS_PER_PROCESS) {
            problems.add(node, path, "each lists " + items.size() + " entries, more than the "
                    + PipelineLoader.MAX_TASKS_PER_PROCESS + " tasks a process may have; split the process");
            return null;
        }
        int before = problems.size();
        boolean maps = items.get(0) instanceof YamlNode.Mapping;
        List<Map<String, String>> combos = new ArrayList<>();
        Map<Map<String, String>, Integer> seen = new HashMap<>();
        for (int i = 0; i < items.size(); i++) {
            YamlNode item = items.get(i);
            String p = path + "[" + i + "]";
            if ((item instanceof YamlNode.Mapping) != maps) {
                problems.add(item, p, "each mixes maps and plain values; write every entry as a map"
                        + " ({sample: a}) or every entry as a value (a)");
                continue;
            }
            Map<String, String> params;
            if (maps) {
                YamlNode.Mapping m = (YamlNode.Mapping) item;
                m.entries().values().forEach(e -> checkParamName(e.key(), e.keyLocation(), Fields.child(p, e.key())));
                params = Fields.textMap(item, p, "{sample: a}", problems);
                if (params == null) {
                    continue;
                }
                if (params.isEmpty()) {
                    problems.add(item, p, "the entry sets no params; write e.g. {sample: a}");
                    continue;
                }
                if (!combos.isEmpty() && !combos.get(0).keySet().equals(params.keySet())) {
                    problems.add(item, p, "this entry has params " + params.keySet() + " but the first has "
                            + combos.get(0).keySet() + "; give every entry the same params");
                    continue;
                }
                if (!combos.isEmpty()) {
                    // Same keys in the first entry's order, so task names and params read alike.
                    Map<String, String> ordered = new LinkedHashMap<>();
                    for (String k : combos.get(0).keySet()) {
                        ordered.put(k, params.get(k));
                    }
                    params = ordered;
                }
            } else {
                String value = Fields.text(item, p, "a value or a map of params", problems);
                if (value == null) {
                    continue;
                }
                params = new LinkedHashMap<>();
                params.put(PipelineLoader.ITEM_PARAM, value);
            }
            Integer first = seen.putIfAbsent(params, i);
            if (first != null) {
                problems.add(item, p, "the same as entry " + first + "; list each entry once");
                continue;
            }
            combos.add(params);
        }
        return problems.size() > before ? null : combos;
    }

    private void checkParamName(String name, Location at, String path) {
        if (!PipelineLoader.PARAM_NAME.matcher(name).matches()) {
            problems.add(at, path, "'" + name + "' is not a valid param name; use letters, digits and '_', not"
                    + " starting with a digit");
        }
    }
}
