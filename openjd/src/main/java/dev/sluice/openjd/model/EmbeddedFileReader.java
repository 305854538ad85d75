package dev.sluice.openjd.model;

import dev.sluice.openjd.format.FormatString;
import dev.sluice.openjd.format.Scope;
import dev.sluice.yaml.Fields;
import dev.sluice.yaml.Location;
import dev.sluice.yaml.Problems;
import dev.sluice.yaml.YamlNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Reads a script's {@code embeddedFiles}: the files written into the environment's directory before its actions. */
final class EmbeddedFileReader {
    static final List<String> FIELDS = List.of("name", "type", "data", "filename", "runnable");

    private final Problems problems;
    private final FormatStringReader formats;
    private final FieldValues values;
    private final String envName;

    /** @param envName the environment's name, for messages */
    EmbeddedFileReader(Problems problems, FormatStringReader formats, FieldValues values, String envName) {
        this.problems = problems;
        this.formats = formats;
        this.values = values;
        this.envName = envName;
    }

    /** The names of the embedded files, read ahead so that every format string can be checked against them. */
    static Set<String> names(YamlNode node) {
        Set<String> names = new LinkedHashSet<>();
        if (node instanceof YamlNode.Sequence s) {
            for (YamlNode item : s.items()) {
                if (item instanceof YamlNode.Mapping m && m.entries().get("name") != null
                        && m.entries().get("name").value() instanceof YamlNode.Scalar n && !n.isNull()) {
                    names.add(n.text());
                }
            }
        }
        return names;
    }

    /** The {@code embeddedFiles} of {@code script}; those with problems are left out (and reported). */
    List<EmbeddedFileDef> read(Fields script) {
        String path = script.path("embeddedFiles");
        List<YamlNode> items = Fields.sequence(script.node("embeddedFiles"), path,
                "[{name: Setup, type: TEXT, data: \"echo hi\"}]", problems);
        if (items == null) {
            return List.of();
        }
        if (items.isEmpty()) {
            problems.add(script.node("embeddedFiles"), path, "the list is empty; add a file or remove the field");
        }
        Scope scope = formats.narrow(Scope.ENVIRONMENT_EMBEDDED_FILE, "an embedded file of environment '" + envName
                + "'", Set.of());
        List<EmbeddedFileDef> files = new ArrayList<>();
        Map<String, Location> seen = new HashMap<>();
        for (int i = 0; i < items.size(); i++) {
            String p = path + "[" + i + "]";
            YamlNode item = items.get(i);
            if (Fields.mapping(item, p, "embedded file fields, e.g. {name: Setup, type: TEXT, data: ...}",
                    problems) == null) {
                continue;
            }
            Fields f = Fields.of(item, p, "embedded file fields", problems, FIELDS,
                    Map.of("endOfLine", "endOfLine needs the FEATURE_BUNDLE_1 extension, which sluice does not"
                            + " support; remove it"));
            String name = required(f, "name", "Setup");
            if (name != null) {
                values.checkIdentifier(name, f.node("name"), f.path("name"), "an embedded file name");
                Location first = seen.putIfAbsent(name, f.node("name").location());
                if (first != null) {
                    problems.add(f.node("name"), f.path("name"), "embedded file '" + name
                            + "' is already defined at line " + first.line() + "; give each file its own name");
                }
            }
            String type = required(f, "type", "TEXT");
            if (type != null && !type.equals("TEXT")) {
                problems.add(f.node("type"), f.path("type"), "'" + type + "' is not an embedded file type; the"
                        + " only type is TEXT");
            }
            FormatString data = null;
            if (!f.has("data")) {
                problems.add(item, f.path("data"), "missing; write the file's text, e.g. data: |\n  echo hello");
            } else {
                data = formats.format(f.node("data"), f.path("data"), scope, false, false);
            }
            String filename = f.string("filename");
            if (filename != null && (filename.isEmpty() || filename.length() > 64 || filename.contains("/")
                    || filename.contains("\\"))) {
                problems.add(f.node("filename"), f.path("filename"), "'" + filename + "' is not a file name; write"
                        + " a name without directories, 1 to 64 characters, e.g. setup.sh");
                filename = null;
            }
            Boolean runnable = f.has("runnable") ? bool(f, "runnable") : Boolean.FALSE;
            if (name != null && data != null && runnable != null) {
                files.add(new EmbeddedFileDef(name, data, Optional.ofNullable(filename), runnable, item.location()));
            }
        }
        return files;
    }

    private Boolean bool(Fields f, String key) {
        String s = f.string(key);
        if (s == null) {
            return null;
        }
        // Templates are read as the reference tools read them, YAML 1.1: the specification's own samples
        // write runnable: True (issue 18).
        Boolean value = Fields.yaml11Boolean(s);
        if (value == null) {
            problems.add(f.node(key), f.path(key), "'" + s + "' is not a boolean; write true or false");
        }
        return value;
    }

    private String required(Fields f, String key, String example) {
        if (!f.has(key)) {
            problems.add(f.location(), f.path(key), "missing; write e.g. " + key + ": " + example);
            return null;
        }
        return f.string(key);
    }
}
