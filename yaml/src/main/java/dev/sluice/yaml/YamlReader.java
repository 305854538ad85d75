package dev.sluice.yaml;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import dev.sluice.yaml.Location;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Reads a YAML file into {@link YamlNode}s that remember their place. Unlike Jackson's tree model it
 * reports every duplicate key instead of keeping the last value silently.
 */
public final class YamlReader {
    private static final YAMLFactory FACTORY = new YAMLFactory();

    private final Path file;
    private final Problems problems;

    private YamlReader(Path file, Problems problems) {
        this.file = file;
        this.problems = problems;
    }

    /**
     * Reads {@code file}. A missing or unreadable file, malformed YAML, duplicate keys, aliases and a
     * second document are added to {@code problems}.
     *
     * @param what what the file is, for messages: {@code pipeline file}, {@code config file}
     * @return the document's root, or {@code null} when the file holds no document or could not be read
     */
    public static YamlNode read(Path file, String what, Problems problems) {
        if (Files.isDirectory(file)) {
            problems.add((Location) null, "", what + " " + file + " is a directory; give the path of a YAML file");
            return null;
        }
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8);
             JsonParser parser = FACTORY.createParser(reader)) {
            return new YamlReader(file, problems).document(parser);
        } catch (NoSuchFileException e) {
            problems.add((Location) null, "", "no such file: " + file + describeAbsolute(file)
                    + "; check the " + what + "'s path");
        } catch (CharacterCodingException e) {
            problems.add(Location.ofFile(file), "", "the " + what + " is not UTF-8 text; save it as UTF-8");
        } catch (JsonProcessingException e) {
            syntaxError(file, e, problems);
        } catch (IOException e) {
            problems.add((Location) null, "", "cannot read " + what + " " + file + ": " + e);
        }
        return null;
    }

    private YamlNode document(JsonParser parser) throws IOException {
        JsonToken token = parser.nextToken();
        if (token == null) {
            return null;
        }
        YamlNode root = value(parser, token, "");
        JsonToken extra = parser.nextToken();
        if (extra != null) {
            problems.add(location(parser.currentTokenLocation()), "",
                    "a second YAML document starts here; keep one document per file (remove the '---' line)");
        }
        return root;
    }

    private YamlNode value(JsonParser parser, JsonToken token, String path) throws IOException {
        Location at = location(parser.currentTokenLocation());
        switch (token) {
            case START_OBJECT -> {
                Map<String, YamlNode.Entry> entries = new LinkedHashMap<>();
                for (JsonToken t = parser.nextToken(); t != JsonToken.END_OBJECT; t = parser.nextToken()) {
                    String key = parser.currentName();
                    Location keyAt = location(parser.currentTokenLocation());
                    String keyPath = Fields.child(path, key);
                    YamlNode v = value(parser, parser.nextToken(), keyPath);
                    YamlNode.Entry first = entries.get(key);
                    if (first != null) {
                        problems.add(keyAt, keyPath, "duplicate key '" + key + "', already set at line "
                                + first.keyLocation().line() + ":" + first.keyLocation().column()
                                + "; remove one of them");
                    } else {
                        entries.put(key, new YamlNode.Entry(key, keyAt, v));
                    }
                }
                return new YamlNode.Mapping(entries, at);
            }
            case START_ARRAY -> {
                List<YamlNode> items = new ArrayList<>();
                for (JsonToken t = parser.nextToken(); t != JsonToken.END_ARRAY; t = parser.nextToken()) {
                    items.add(value(parser, t, path + "[" + items.size() + "]"));
                }
                return new YamlNode.Sequence(items, at);
            }
            case VALUE_NULL -> {
                return new YamlNode.Scalar(null, at);
            }
            default -> {
                if (parser instanceof YAMLParser yaml && yaml.isCurrentAlias()) {
                    // Jackson hands an alias over as the anchor's name, which would be silently wrong.
                    problems.add(at, path, "YAML aliases (*" + parser.getText()
                            + ") are not supported; write the value out in full");
                }
                return new YamlNode.Scalar(parser.getText(), at);
            }
        }
    }

    private Location location(JsonLocation l) {
        return new Location(file, l.getLineNr(), l.getColumnNr());
    }

    /** Reports malformed YAML at the place the YAML parser found it, without its echo of the line. */
    private static void syntaxError(Path file, JsonProcessingException e, Problems problems) {
        Location at = e.getLocation() == null ? Location.ofFile(file)
                : new Location(file, e.getLocation().getLineNr(), e.getLocation().getColumnNr());
        String message = firstLine(e.getOriginalMessage());
        if (e.getCause() instanceof MarkedYAMLException marked) {
            Mark mark = marked.getProblemMark();
            if (mark != null) {
                at = new Location(file, mark.getLine() + 1, mark.getColumn() + 1);
            }
            message = marked.getContext() == null ? marked.getProblem()
                    : marked.getContext() + ": " + marked.getProblem();
        }
        problems.add(at, "", "malformed YAML: " + message
                + " (check the indentation and the quoting around this place)");
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unreadable YAML";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private static String describeAbsolute(Path file) {
        Path absolute = file.toAbsolutePath().normalize();
        return absolute.toString().equals(file.toString()) ? "" : " (" + absolute + ")";
    }
}
