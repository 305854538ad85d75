package dev.sluice.yaml;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.events.AliasEvent;
import org.yaml.snakeyaml.events.Event;
import org.yaml.snakeyaml.events.NodeEvent;
import org.yaml.snakeyaml.events.ScalarEvent;
import org.yaml.snakeyaml.parser.ParserImpl;
import org.yaml.snakeyaml.reader.StreamReader;

/**
 * Reads a YAML file into {@link YamlNode}s that remember their place, and reports every duplicate key
 * instead of keeping the last value silently. YAML is read from SnakeYAML's parser events directly, JSON
 * (a request's body) from Jackson's tokens; one tree builder serves both.
 */
public final class YamlReader {
    /**
     * The largest YAML file read: the YAML parser's own bound (3 Mi code points) in bytes, so that a file
     * is refused before it is read rather than after; far above a pipeline written by hand, about 25,000
     * entries of a generated {@code each} list. A larger bound needs a bound on scalars first: the parser
     * takes about 100 s over one 15 MB string.
     */
    public static final int MAX_BYTES = 3 * 1024 * 1024;
    /** Reading stops at the first value nested deeper than {@link #MAX_DEPTH}: the rest is not parsed. */
    private static final class TooDeep extends RuntimeException {
        TooDeep() {
            super(null, null, false, false);
        }
    }

    /** A YAML key that is a list, a map or an alias, where it ends: the rest is not parsed. */
    private static final class NotATextKey extends RuntimeException {
        final Location at;

        NotATextKey(Location at) {
            super(null, null, false, false);
            this.at = at;
        }
    }

    /** The parts of a document, in order, one at a time. */
    private enum Part { MAP, MAP_END, LIST, LIST_END, KEY, SCALAR, ALIAS }

    /**
     * What a tree is built from: YAML's parser events or JSON's tokens. After {@link #next} and
     * {@link #nextKey}, {@link #text}, {@link #at} and {@link #anchor} tell of the part they returned.
     */
    private interface Parts {
        /** The next part of a value, or {@code null} when the input ends (what follows a first document included). */
        Part next() throws IOException;

        /** In a map: the next key ({@link Part#KEY}) or the map's end. */
        Part nextKey() throws IOException;

        /** A scalar's text ({@code null} for YAML's empty value, {@code ~} and {@code null}, and JSON's null); a key; an alias's name. */
        String text() throws IOException;

        /** Where the part starts. */
        Location at();

        /** The anchor ({@code &name}) of a YAML value, or {@code null}. */
        String anchor();
    }

    /** JSON's tokens as parts. */
    private final class JsonParts implements Parts {
        private final JsonParser parser;

        JsonParts(JsonParser parser) {
            this.parser = parser;
        }

        @Override
        public Part next() throws IOException {
            JsonToken token = parser.nextToken();
            if (token == null) {
                return null;
            }
            return switch (token) {
                case START_OBJECT -> Part.MAP;
                case END_OBJECT -> Part.MAP_END;
                case START_ARRAY -> Part.LIST;
                case END_ARRAY -> Part.LIST_END;
                case FIELD_NAME -> Part.KEY;
                default -> Part.SCALAR;
            };
        }

        @Override
        public Part nextKey() throws IOException {
            // Jackson itself refuses anything but a name or the object's end here.
            return next();
        }

        @Override
        public String text() throws IOException {
            // Jackson reads a string's text when asked for it: its errors come from here.
            return parser.currentToken() == JsonToken.VALUE_NULL ? null
                    : parser.currentToken() == JsonToken.FIELD_NAME ? parser.currentName() : parser.getText();
        }

        @Override
        public Location at() {
            return location(parser.currentTokenLocation());
        }

        @Override
        public String anchor() {
            return null;
        }
    }

    /**
     * SnakeYAML's parser events as parts: a plain scalar that is empty, {@code ~} or {@code null} (in any of
     * YAML's three spellings), or a value tagged {@code !!null}, is null; any other scalar keeps its text.
     * That is what the parser used before (Jackson's, over the same events) made of them, without its
     * typing of numbers and booleans, which the reader never used.
     */
    private final class YamlParts implements Parts {
        private final ParserImpl parser;
        /** The current part's event. */
        private Event event;
        /** The last event of any kind: where the parser got to. */
        private Event last;
        private String text;

        YamlParts(String yaml) {
            // The parser's default bounds (3 Mi code points); the composer's, which it does not use, do not apply.
            parser = new ParserImpl(new StreamReader(yaml), new LoaderOptions());
        }

        /** The next event but the document and stream markers, or {@code null} at the end of the input. */
        private Event nextEvent() {
            while (true) {
                Event e = parser.getEvent();
                if (e != null) {
                    last = e;
                }
                if (e == null || e.is(Event.ID.StreamEnd)) {
                    return null;
                }
                if (!e.is(Event.ID.StreamStart) && !e.is(Event.ID.DocumentStart) && !e.is(Event.ID.DocumentEnd)
                        && !e.is(Event.ID.Comment)) {
                    event = e;
                    return e;
                }
            }
        }

        @Override
        public Part next() {
            Event e = nextEvent();
            if (e == null) {
                return null;
            }
            return switch (e.getEventId()) {
                case Scalar -> {
                    ScalarEvent scalar = (ScalarEvent) e;
                    text = isNull(scalar) ? null : scalar.getValue();
                    yield Part.SCALAR;
                }
                case Alias -> {
                    text = ((AliasEvent) e).getAnchor();
                    yield Part.ALIAS;
                }
                case MappingStart -> Part.MAP;
                case MappingEnd -> Part.MAP_END;
                case SequenceStart -> Part.LIST;
                case SequenceEnd -> Part.LIST_END;
                default -> throw new IllegalStateException("unexpected YAML event " + e.getEventId());
            };
        }

        @Override
        public Part nextKey() {
            Event e = nextEvent();
            if (e != null && e.is(Event.ID.MappingEnd)) {
                return Part.MAP_END;
            }
            if (e instanceof ScalarEvent scalar) {
                text = scalar.getValue();
                return Part.KEY;
            }
            // A list, a map or an alias as a key: where it ends, as the parser told before.
            throw new NotATextKey(e == null ? Location.ofFile(file) : location(e.getEndMark()));
        }

        @Override
        public String text() {
            return text;
        }

        @Override
        public Location at() {
            return location(event.getStartMark());
        }

        @Override
        public String anchor() {
            return event instanceof NodeEvent node && !(event instanceof AliasEvent) ? node.getAnchor() : null;
        }

        /** YAML 1.1's null: untagged and plain, or tagged {@code !!null} and not empty. */
        private static boolean isNull(ScalarEvent scalar) {
            String value = scalar.getValue();
            String tag = scalar.getTag();
            if (tag == null || tag.equals("!")) {
                return scalar.getImplicit().canOmitTagInPlainScalar() && (value.isEmpty() || value.equals("~")
                        || value.equals("null") || value.equals("Null") || value.equals("NULL"));
            }
            if (tag.startsWith(YAML_TAG)) {
                tag = tag.substring(YAML_TAG.length());
                int comma = tag.indexOf(',');
                tag = comma < 0 ? tag : tag.substring(0, comma);
            }
            return tag.equals("null") && !value.isEmpty();
        }

        /** The prefix of YAML's own tags ({@code !!null} is {@code tag:yaml.org,2002:null}). */
        private static final String YAML_TAG = "tag:yaml.org,2002:";
    }

    private final Path file;
    private final Problems problems;
    /** Maps and lists open around the value being read. */
    private int depth;
    /** The deepest nesting read; the YAML parser's own bound (1000) is far beyond and speaks Java. */
    public static final int MAX_DEPTH = 64;

    /**
     * The most values that aliases may add to a document read with {@link #readWithAliases}: far above
     * a template that shares its hooks through anchors (tens of values per alias), far below what an
     * alias bomb (each level aliasing the one before it several times) would build and every reader
     * after the parser would walk.
     */
    public static final int MAX_ALIASED_VALUES = 100_000;

    /** Whether anchors, aliases and merge keys are read; otherwise each alias is a problem. */
    private final boolean aliases;
    /** Anchored values read so far, by anchor name: what a later alias stands for. */
    private final Map<String, YamlNode> anchored = new java.util.HashMap<>();
    /** Anchors whose value is still being read: an alias to one of them would contain itself. */
    private final java.util.Set<String> open = new java.util.HashSet<>();
    /** Values added by aliases so far, against {@link #MAX_ALIASED_VALUES}. */
    private int aliasedValues;

    /** Whether the text is JSON: said so in messages. */
    private final boolean json;
    private YamlReader(Path file, Problems problems, boolean aliases) {
        this(file, problems, aliases, false);
    }

    private YamlReader(Path file, Problems problems, boolean aliases, boolean json) {
        this.file = file;
        this.problems = problems;
        this.aliases = aliases;
        this.json = json;
    }

    /**
     * Reads {@code file}. A missing or unreadable file, malformed YAML, duplicate keys, aliases and a
     * second document are added to {@code problems}.
     *
     * @param what what the file is, for messages: {@code pipeline file}, {@code config file}
     * @return the document's root, or {@code null} when the file holds no document or could not be read
     */
    public static YamlNode read(Path file, String what, Problems problems) {
        return read(file, what, problems, false);
    }

    /**
     * As {@link #read}, but anchors ({@code &name}), aliases ({@code *name}) and merge keys
     * ({@code <<: *name}) are read as YAML 1.1 reads them, for files written for tools that allow them
     * (Open Job Description templates). An alias is a copy of its anchored value whose places are where
     * that value is written, noting the alias ({@link Location#alias()}). At most
     * {@link #MAX_ALIASED_VALUES} values may come from aliases, and an alias inside its own anchor's
     * value is a problem.
     */
    public static YamlNode readWithAliases(Path file, String what, Problems problems) {
        return read(file, what, problems, true);
    }

    /** The deepest nesting of objects and arrays read by {@link #readJson}: a request needs a handful. */
    public static final int MAX_JSON_DEPTH = 32;
    /** The longest JSON string read by {@link #readJson}, in characters. */
    public static final int MAX_JSON_STRING = 1024 * 1024;
    /** The longest JSON number read by {@link #readJson}: beyond any value that is a number to its reader. */
    public static final int MAX_JSON_NUMBER = 100;

    /**
     * JSON's own parser, not YAML's: JSON is not quite a subset of YAML 1.1 (a tab indents, {@code \/}
     * escapes), and YAML's words (indentation, documents) would mislead a client sending JSON. The bounds
     * are checked as the text is parsed, so a deep or long value costs no more than the bound.
     */
    private static final com.fasterxml.jackson.core.JsonFactory JSON_FACTORY =
            com.fasterxml.jackson.core.JsonFactory.builder()
                    .streamReadConstraints(com.fasterxml.jackson.core.StreamReadConstraints.builder()
                            .maxNestingDepth(MAX_JSON_DEPTH)
                            .maxStringLength(MAX_JSON_STRING)
                            .maxNumberLength(MAX_JSON_NUMBER)
                            .build())
                    .build();

    /**
     * Reads JSON held in memory (a request's body) into the same located nodes as a YAML file, whose
     * places are given as in {@code name}: {@code request body:1:23}. Malformed JSON, a value past the
     * bounds ({@link #MAX_JSON_DEPTH}, {@link #MAX_JSON_STRING}, {@link #MAX_JSON_NUMBER}), a duplicate
     * key and a second value after the first are added to {@code problems}, in words.
     *
     * @param what what the text is, for messages: {@code request body}
     * @return the root value, or {@code null} when the text is empty or could not be read
     */
    public static YamlNode readJson(String text, Path name, String what, Problems problems) {
        // A byte-order mark is allowed before JSON (RFC 8259, 8.1); some clients send one.
        String json = text.startsWith("\uFEFF") ? text.substring(1) : text;
        YamlReader reader = new YamlReader(name, problems, false, true);
        try (JsonParser parser = JSON_FACTORY.createParser(json)) {
            try {
                return reader.document(reader.new JsonParts(parser));
            } catch (com.fasterxml.jackson.core.exc.StreamConstraintsException e) {
                // These carry no place: the value being read when the bound was passed is the place.
                problems.add(reader.location(parser.currentTokenLocation()), field(parser.getParsingContext()),
                        JsonWords.tooLarge(e.getOriginalMessage(), what));
            } catch (JsonProcessingException e) {
                JsonLocation l = e.getLocation() != null ? e.getLocation() : parser.currentLocation();
                problems.add(reader.location(l), "", "malformed JSON at " + l.getLineNr() + ":" + l.getColumnNr()
                        + ": " + JsonWords.syntax(e.getOriginalMessage()));
            }
        } catch (IOException e) {
            // Parsing a string reads nothing that can fail; said all the same.
            problems.add(Location.ofFile(name), "", "cannot read the " + what + ": " + describe(e));
        }
        return null;
    }

    /** The field path ({@code context.steps[2]}) of the value the JSON parser is in. */
    private static String field(com.fasterxml.jackson.core.JsonStreamContext context) {
        java.util.ArrayDeque<com.fasterxml.jackson.core.JsonStreamContext> chain = new java.util.ArrayDeque<>();
        for (com.fasterxml.jackson.core.JsonStreamContext c = context; c != null && !c.inRoot(); c = c.getParent()) {
            chain.push(c);
        }
        String path = "";
        for (com.fasterxml.jackson.core.JsonStreamContext c : chain) {
            if (c.inArray()) {
                path = path + "[" + Math.max(0, c.getCurrentIndex()) + "]";
            } else if (c.getCurrentName() != null) {
                path = Fields.child(path, c.getCurrentName());
            }
        }
        return path;
    }

    private static YamlNode read(Path file, String what, Problems problems, boolean aliases) {
        String text = text(file, what, problems);
        if (text == null) {
            return null;
        }
        return parse(text, file, what, problems, aliases);
    }

    private static YamlNode parse(String text, Path file, String what, Problems problems, boolean aliases) {
        YamlReader reader = new YamlReader(file, problems, aliases);
        YamlParts parts = reader.new YamlParts(text);
        try {
            return reader.document(parts);
        } catch (TooDeep e) {
            return null;
        } catch (NotATextKey e) {
            problems.add(e.at, "", "malformed YAML: a key here is a list or a map (or a '?' complex key); sluice"
                    + " reads text keys only: write the key as text, e.g. name: value");
        } catch (MarkedYAMLException e) {
            syntaxError(reader.lastEnd(parts), e, problems);
        } catch (YAMLException | NumberFormatException e) {
            // Without a place of its own (the parser's bound on code points; a number its scanner could not
            // read): where the parser got to.
            Location at = reader.lastEnd(parts);
            String message = firstLine(e.getMessage());
            problems.add(at, "", "malformed YAML: " + (e instanceof NumberFormatException || JAVA_WORDS.matcher(message)
                    .find() ? "the YAML parser cannot read this place" : message)
                    + " (check the indentation and the quoting around this place)");
        } catch (IOException e) {
            problems.add((Location) null, "", "cannot read " + what + " " + file + ": " + describe(e));
        }
        return null;
    }

    /**
     * The file's text, checked before anything parses it: a regular file (a FIFO would block, a device
     * never end), at most {@link #MAX_BYTES}, UTF-8 throughout; {@code null} with a problem otherwise.
     */
    static String text(Path file, String what, Problems problems) {
        java.nio.file.attribute.BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            problems.add((Location) null, "", "no such file: " + file + describeAbsolute(file)
                    + "; check the " + what + "'s path");
            return null;
        } catch (IOException e) {
            problems.add((Location) null, "", "cannot read " + what + " " + file + ": " + describe(e));
            return null;
        }
        if (attributes.isDirectory()) {
            problems.add((Location) null, "", what + " " + file + " is a directory; give the path of a YAML file");
            return null;
        }
        if (!attributes.isRegularFile()) {
            problems.add((Location) null, "", what + " " + file + " is not a regular file (a pipe or a device?);"
                    + " give the path of a YAML file");
            return null;
        }
        if (attributes.size() > MAX_BYTES) {
            problems.add(Location.ofFile(file), "", "the " + what + " is " + attributes.size() + " bytes; sluice"
                    + " reads YAML files of at most " + MAX_BYTES / (1024 * 1024) + " MiB: split it, or generate"
                    + " long lists (matrix values) from a shorter form");
            return null;
        }
        byte[] bytes;
        try (java.io.InputStream in = Files.newInputStream(file)) {
            // At most one byte past the limit, whatever the file grew to since it was looked at.
            bytes = in.readNBytes(MAX_BYTES + 1);
        } catch (IOException e) {
            problems.add((Location) null, "", "cannot read " + what + " " + file + ": " + describe(e));
            return null;
        }
        if (bytes.length > MAX_BYTES) {
            problems.add(Location.ofFile(file), "", "the " + what + " grew past " + MAX_BYTES / (1024 * 1024)
                    + " MiB while it was read; give a file that is not being written");
            return null;
        }
        java.nio.charset.CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT);
        java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(bytes);
        java.nio.CharBuffer out = java.nio.CharBuffer.allocate(bytes.length);
        java.nio.charset.CoderResult result = decoder.decode(in, out, true);
        if (result.isError()) {
            int offset = in.position();
            int line = 1;
            int lineStart = 0;
            for (int i = 0; i < offset; i++) {
                if (bytes[i] == '\n') {
                    line++;
                    lineStart = i + 1;
                }
            }
            // The column counts characters, as an editor does; what precedes the bad byte is well-formed.
            String before = new String(bytes, lineStart, offset - lineStart, StandardCharsets.UTF_8);
            int column = before.codePointCount(0, before.length()) + 1;
            problems.add(new Location(file, line, column), "", "the " + what + " is not UTF-8 text: byte " + offset
                    + " (on line " + line + ") is not part of a UTF-8 character; save the file as UTF-8");
            return null;
        }
        decoder.flush(out);
        return out.flip().toString();
    }

    /** An input/output failure in words, without the exception's name. */
    private static String describe(IOException e) {
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof java.nio.file.FileSystemException fs && fs.getReason() != null) {
            return fs.getReason();
        }
        return e.getMessage() == null || e.getMessage().isBlank() ? "an input/output error" : e.getMessage();
    }


    private YamlNode document(Parts parser) throws IOException {
        Part token = parser.next();
        if (token == null) {
            return null;
        }
        YamlNode root = value(parser, token, "");
        Part extra = parser.next();
        if (extra != null) {
            problems.add(parser.at(), "", json
                    ? "a second JSON value starts here, after the first has ended; send one JSON object"
                    : "a second YAML document starts here; keep one document per file (remove the '---' line)");
        }
        return root;
    }

    private YamlNode value(Parts parser, Part token, String path) throws IOException {
        Location at = parser.at();
        if ((token == Part.MAP || token == Part.LIST) && ++depth > MAX_DEPTH) {
            // Deeper than any pipeline, config or template needs: said in words, and nothing more is parsed
            // (skipping the rest would cost the parser's time per level, for a million levels).
            problems.add(at, path, "nested more than " + MAX_DEPTH + " maps and lists deep; sluice reads at most"
                    + " that many levels");
            throw new TooDeep();
        }
        String anchor = aliases ? parser.anchor() : null;
        if (anchor != null) {
            open.add(anchor);
        }
        try {
            YamlNode node = nodeAt(parser, token, path, at);
            if (anchor != null && node != null) {
                // A later anchor of the same name replaces this one, as YAML says.
                anchored.put(anchor, node);
            }
            return node;
        } finally {
            if (anchor != null) {
                open.remove(anchor);
            }
            if (token == Part.MAP || token == Part.LIST) {
                depth--;
            }
        }
    }

    private YamlNode nodeAt(Parts parser, Part token, String path, Location at) throws IOException {
        switch (token) {
            case MAP -> {
                Map<String, YamlNode.Entry> entries = new LinkedHashMap<>();
                List<YamlNode.Mapping> merged = new ArrayList<>();
                for (Part t = parser.nextKey(); t != Part.MAP_END; t = parser.nextKey()) {
                    String key = parser.text();
                    Location keyAt = parser.at();
                    String keyPath = Fields.child(path, key);
                    YamlNode v = value(parser, parser.next(), keyPath);
                    if (aliases && key.equals(MERGE_KEY) && mergeable(v, keyAt, keyPath, merged)) {
                        continue;
                    }
                    YamlNode.Entry first = entries.get(key);
                    if (first != null) {
                        problems.add(keyAt, keyPath, "duplicate key '" + key + "', already set at line "
                                + first.keyLocation().line() + ":" + first.keyLocation().column()
                                + "; remove one of them");
                    } else {
                        entries.put(key, new YamlNode.Entry(key, keyAt, v));
                    }
                }
                // Merged keys fill in what the mapping does not set itself; an earlier merged map wins.
                for (YamlNode.Mapping m : merged) {
                    for (YamlNode.Entry e : m.entries().values()) {
                        entries.putIfAbsent(e.key(), e);
                    }
                }
                return new YamlNode.Mapping(entries, at);
            }
            case LIST -> {
                List<YamlNode> items = new ArrayList<>();
                for (Part t = parser.next(); t != Part.LIST_END; t = parser.next()) {
                    items.add(value(parser, t, path + "[" + items.size() + "]"));
                }
                return new YamlNode.Sequence(items, at);
            }
            case ALIAS -> {
                if (aliases) {
                    return alias(parser.text(), at, path);
                }
                problems.add(at, path, "YAML aliases (*" + parser.text() + ") are not supported; write the value out"
                        + " in full");
                // As the reader always did: the anchor's name stands in, with the problem above.
                return new YamlNode.Scalar(parser.text(), at);
            }
            default -> {
                return new YamlNode.Scalar(parser.text(), at);
            }
        }
    }

    /** YAML 1.1's merge key: {@code <<: *defaults} copies the keys of {@code defaults} that are not set. */
    private static final String MERGE_KEY = "<<";

    /**
     * Whether {@code value} of a merge key is a map or a list of maps, added to {@code merged}; a problem
     * otherwise (the key is then dropped, not read as a field named {@code <<}).
     */
    private boolean mergeable(YamlNode value, Location keyAt, String keyPath, List<YamlNode.Mapping> merged) {
        List<YamlNode> maps = value instanceof YamlNode.Sequence s ? s.items() : List.of(value);
        for (YamlNode m : maps) {
            if (m instanceof YamlNode.Mapping mapping) {
                merged.add(mapping);
            } else if (m != null) {
                problems.add(m.location(), keyPath, "a merge key (<<) takes a map or a list of maps, e.g. <<: *defaults,"
                        + " got " + m.describe());
            }
        }
        return true;
    }

    /** The value an alias stands for, placed where it is written and noting the alias; a problem if none. */
    private YamlNode alias(String name, Location at, String path) {
        YamlNode target = anchored.get(name);
        if (target == null) {
            problems.add(at, path, open.contains(name)
                    ? "the alias *" + name + " is inside the value anchored as &" + name + ", which would contain"
                            + " itself; write the value out"
                    : "no anchor &" + name + " before this alias; anchor a value first (&" + name + ") or write the"
                            + " value out");
            return new YamlNode.Scalar(null, at);
        }
        if (depth + height(target) > MAX_DEPTH) {
            problems.add(at, path, "nested more than " + MAX_DEPTH + " maps and lists deep through the alias *" + name
                    + "; sluice reads at most that many levels");
            throw new TooDeep();
        }
        return copy(target, new Location.Alias(name, at), path);
    }

    /** {@code node} with every place noting {@code alias}, counted against {@link #MAX_ALIASED_VALUES}. */
    private YamlNode copy(YamlNode node, Location.Alias alias, String path) {
        if (++aliasedValues > MAX_ALIASED_VALUES) {
            problems.add(alias.at(), path, "aliases add more than " + MAX_ALIASED_VALUES + " values to the file (an"
                    + " alias of a value that holds aliases repeats all of them); write the values out, or alias less"
                    + " deeply");
            throw new TooDeep();
        }
        return switch (node) {
            case YamlNode.Scalar s -> new YamlNode.Scalar(s.text(), s.location().through(alias));
            case YamlNode.Sequence s -> {
                List<YamlNode> items = new ArrayList<>(s.items().size());
                for (YamlNode item : s.items()) {
                    items.add(copy(item, alias, path));
                }
                yield new YamlNode.Sequence(items, s.location().through(alias));
            }
            case YamlNode.Mapping m -> {
                Map<String, YamlNode.Entry> entries = new LinkedHashMap<>();
                for (YamlNode.Entry e : m.entries().values()) {
                    entries.put(e.key(), new YamlNode.Entry(e.key(), e.keyLocation().through(alias),
                            copy(e.value(), alias, path)));
                }
                yield new YamlNode.Mapping(entries, m.location().through(alias));
            }
        };
    }

    /** How many maps and lists deep {@code node} is. */
    private static int height(YamlNode node) {
        return switch (node) {
            case YamlNode.Scalar s -> 0;
            case YamlNode.Sequence s -> 1 + s.items().stream().mapToInt(YamlReader::height).max().orElse(0);
            case YamlNode.Mapping m -> 1 + m.entries().values().stream().mapToInt(e -> height(e.value())).max()
                    .orElse(0);
        };
    }

    private Location location(JsonLocation l) {
        return new Location(file, l.getLineNr(), l.getColumnNr());
    }

    /** A place in the YAML text, 1-based; -1 where the parser gave none. */
    private Location location(Mark mark) {
        return mark == null ? new Location(file, -1, -1) : new Location(file, mark.getLine() + 1, mark.getColumn() + 1);
    }

    /** Where the parser's last event ended, or the file when it gave none. */
    private Location lastEnd(YamlParts parts) {
        return parts.last == null ? Location.ofFile(file) : location(parts.last.getEndMark());
    }

    /** Reports malformed YAML at the place the YAML parser found it, without its echo of the line. */
    private static void syntaxError(Location lastEnd, MarkedYAMLException marked, Problems problems) {
        Mark mark = marked.getProblemMark();
        Location at = mark != null ? new Location(lastEnd.file(), mark.getLine() + 1, mark.getColumn() + 1) : lastEnd;
        String message = marked.getContext() == null ? marked.getProblem()
                : marked.getContext() + ": " + marked.getProblem();
        if (message == null) {
            message = "unreadable YAML";
        }
        if (JAVA_WORDS.matcher(message).find()) {
            // Any other message of the parser that names its classes: the place is still right.
            message = "the YAML parser cannot read this place";
        }
        problems.add(at, "", "malformed YAML: " + message
                + " (check the indentation and the quoting around this place)");
    }

    /** Class and package names of the parsers, which must not reach a user. */
    private static final java.util.regex.Pattern JAVA_WORDS = java.util.regex.Pattern.compile(
            "org\\.yaml|com\\.fasterxml|java\\.|Exception|Event\\(");

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
