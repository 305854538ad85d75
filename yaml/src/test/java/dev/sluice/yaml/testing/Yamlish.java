package dev.sluice.yaml.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * YAML-ish documents for the loaders' property tests (issue 16): trees of maps, lists and scalars
 * rendered as YAML text, so that most inputs get past the parser and reach the checks behind it,
 * which random bytes rarely do. A loader's test builds a valid-shaped tree of its own format from
 * these pieces; {@link #documents} then mutates it: fields of the wrong type, typos, deletions,
 * duplicates, aliases, deep nesting, odd unicode, huge numbers, and text-level damage.
 */
public final class Yamlish {
    private Yamlish() {
    }

    /** A node of a document. */
    public sealed interface Node permits Scalar, MapNode, SeqNode, Raw {
    }

    /** How a scalar is written. {@code LITERAL} falls back to double quotes inside flow collections. */
    public enum Quote { PLAIN, SINGLE, DOUBLE, LITERAL }

    /** A scalar, written as {@code quote} says; a plain one is written as it is, even where that breaks the YAML. */
    public record Scalar(String text, Quote quote) implements Node {
    }

    /** A key and its value; keys are written plain when that is safe, else double-quoted. */
    public record Entry(String key, Node value) {
    }

    /** A mapping, written in block style or, with {@code flow}, as {@code {k: v}}. */
    public record MapNode(List<Entry> entries, boolean flow) implements Node {
        public MapNode {
            entries = List.copyOf(entries);
        }
    }

    /** A sequence, written in block style or, with {@code flow}, as {@code [a, b]}. */
    public record SeqNode(List<Node> items, boolean flow) implements Node {
        public SeqNode {
            items = List.copyOf(items);
        }
    }

    /** Text written where a value goes, as it is: anchors, aliases, tags, broken syntax. */
    public record Raw(String text) implements Node {
    }

    // ----- building blocks for the loaders' own shapes -------------------------------------------

    public static Scalar plain(String text) {
        return new Scalar(text, Quote.PLAIN);
    }

    public static MapNode map(Entry... entries) {
        return new MapNode(List.of(entries), false);
    }

    public static MapNode map(List<Entry> entries) {
        return new MapNode(entries, false);
    }

    public static Entry entry(String key, Node value) {
        return new Entry(key, value);
    }

    public static SeqNode list(List<Node> items) {
        return new SeqNode(items, true);
    }

    /** A scalar with {@code text} written in a random style that YAML reads back as the same text. */
    public static Arbitrary<Node> scalarOf(Arbitrary<String> text) {
        return Combinators.combine(text, Arbitraries.of(Quote.PLAIN, Quote.SINGLE, Quote.DOUBLE))
                .as((t, q) -> (Node) new Scalar(t, q == Quote.PLAIN && !safePlain(t) ? Quote.DOUBLE : q));
    }

    /** Lists of 0 to {@code max} of {@code items}, flow or block. */
    public static Arbitrary<Node> listOf(Arbitrary<Node> items, int max) {
        return listOf(items, 0, max);
    }

    /** Lists of {@code min} to {@code max} of {@code items}, flow or block. */
    public static Arbitrary<Node> listOf(Arbitrary<Node> items, int min, int max) {
        return Combinators.combine(items.list().ofMinSize(min).ofMaxSize(max), Arbitraries.of(true, false))
                .as((l, flow) -> (Node) new SeqNode(l, flow));
    }

    /**
     * An optional field: absent a quarter of the time. The result is a list of zero or one entries,
     * for {@link #fields}.
     */
    public static Arbitrary<List<Entry>> optional(String key, Arbitrary<Node> value) {
        return Arbitraries.frequencyOf(
                Tuple.of(1, Arbitraries.just(List.<Entry>of())),
                Tuple.of(3, value.map(v -> List.of(new Entry(key, v)))));
    }

    /** A map from the field lists that {@link #optional} and the like build, in block or flow style. */
    @SafeVarargs
    public static Arbitrary<Node> fields(Arbitrary<List<Entry>>... parts) {
        Arbitrary<List<Entry>> all = Arbitraries.just(List.of());
        for (Arbitrary<List<Entry>> part : parts) {
            all = Combinators.combine(all, part).as((a, b) -> {
                List<Entry> joined = new ArrayList<>(a);
                joined.addAll(b);
                return joined;
            });
        }
        return Combinators.combine(all, Arbitraries.integers().between(0, 9))
                .as((entries, style) -> (Node) new MapNode(entries, style == 0));
    }

    // ----- scalars ---------------------------------------------------------------------------------

    /** Characters that have tripped parsers and terminals: direction marks, zero widths, a BOM, line separators, astral and combining characters. */
    private static final List<String> ODD = List.of("\u202E", "\u200B", "\u200D", "\uFEFF", "\u0085", "\u2028",
            "\u2029", "\uD83D\uDE00", "\uD835\uDD0A", "e\u0301", "\uFF21", "\u0661\u0662", "\u00A0", "\t", "\r",
            "\u0000", "\u001B[31m", "\\", "\"", "'", "#", ": ", "- ", "{", "}", "[", "]", ",", "&", "*", "!", "|",
            ">", "%", "@", "`", "?", "\u00E9", "\u4E2D\u6587", "\u0627\u0644\u0639\u0631\u0628\u064A\u0629");

    /** Words the formats use, so that mutated values are often almost right. */
    private static final List<String> WORDS = List.of("a", "b", "x", "echo", "hello", "true", "false", "yes",
            "no", "on", "off", "null", "~", "NULL", "local", "slurm", "docker", "gpu", "files", "apptainer", "retry",
            "ignore", "terminate", "finish", "STRING", "INT", "PATH", "FLOAT", "NOTIFY_THEN_TERMINATE", "TERMINATE",
            "environment-2023-09", "jobtemplate-2023-09", "TEXT", "1s", "5m", "2h", "1d", "4GB", "512MiB", "1TB",
            "10/s", "100/1m", "0", "-1", "-2", "1.5", "2.0", "1e3", "0x10", "0o17", ".inf", "-.inf", ".nan",
            "{{ Task.Param.x }}", "{{ Param.A }}", "{{ Task.Param.s }}", "{{", "}}", "{{ }}", "{{ repr_sh(Param.A) }}",
            "Task.Param.x", "Session.WorkingDirectory", "Env.File.f", "WrappedAction.Args", "./setup.sh", "/bin/sh",
            "../../etc/passwd", "/dev/zero", "envs/helper.yaml", "DEBUG", "NOTIFY", "restart", "OK", "Conda");

    /** A scalar's text: words of the formats, numbers of every size and form, odd unicode, templates, long text. */
    public static Arbitrary<String> scalarText() {
        return Arbitraries.frequencyOf(
                Tuple.of(8, Arbitraries.of(WORDS)),
                Tuple.of(3, Arbitraries.longs().map(n -> Long.toString(n))),
                Tuple.of(2, hugeNumbers()),
                Tuple.of(2, Combinators.combine(Arbitraries.integers().between(-5, 100_000),
                        Arbitraries.of("", "s", "m", "h", "d", "ms", "B", "KB", "MB", "GB", "TB", "PB", "EB", "KiB",
                                "GiB", "/s", "/m", " s", "x", "%"))
                        .as((n, unit) -> n + unit)),
                Tuple.of(2, Arbitraries.strings().withChars("abcxyz_-./019 ").ofMaxLength(12)),
                Tuple.of(2, Arbitraries.of(ODD).list().ofMinSize(1).ofMaxSize(4).map(l -> String.join("", l))),
                Tuple.of(1, Arbitraries.strings().ofMaxLength(16)),
                Tuple.of(1, Arbitraries.integers().between(1_000, 20_000).map("a"::repeat)),
                Tuple.of(1, Arbitraries.just("")));
    }

    /** Numbers no setting fits: beyond 64 bits, beyond a double, with many digits after the point. */
    public static Arbitrary<String> hugeNumbers() {
        return Arbitraries.frequencyOf(
                Tuple.of(2, Arbitraries.integers().between(19, 400).map(n -> "9".repeat(n))),
                Tuple.of(1, Arbitraries.integers().between(19, 60).map(n -> "-" + "9".repeat(n))),
                Tuple.of(1, Arbitraries.of("1e309", "-1e309", "1e-400", "9223372036854775807", "9223372036854775808",
                        "-9223372036854775808", "-9223372036854775809", "2147483648", "4294967296", "1e18", "0.0000001",
                        "1000000000000000000000000000000TB", "99999999999999999999h", "1e400GB", "NaN", "Infinity")));
    }

    /** Any node, nested up to {@code depth} levels: random scalars, maps with random keys, lists. */
    public static Arbitrary<Node> anyNode(int depth) {
        Arbitrary<Node> leaf = Arbitraries.frequencyOf(
                Tuple.of(6, scalarOf(scalarText())),
                Tuple.of(1, Arbitraries.of(Quote.values()).flatMap(q -> scalarText().map(t -> (Node) new Scalar(t, q)))),
                Tuple.of(1, junk()));
        return Arbitraries.recursive(() -> leaf, inner -> Arbitraries.oneOf(
                leaf,
                listOf(inner, 4),
                Combinators.combine(Combinators.combine(keyText(), inner).as(Entry::new).list().ofMaxSize(4),
                        Arbitraries.of(true, false)).as((e, flow) -> (Node) new MapNode(e, flow))), 0, depth);
    }

    private static Arbitrary<String> keyText() {
        return Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.of(WORDS)),
                Tuple.of(2, Arbitraries.strings().alpha().numeric().withChars("_-.").ofMinLength(1).ofMaxLength(10)),
                Tuple.of(1, scalarText()));
    }

    /** YAML features the loaders refuse or must not be fooled by, written where a value goes. */
    public static Arbitrary<Node> junk() {
        return Arbitraries.of("&a [1, 2]", "*a", "&a x", "!!binary aGVsbG8=", "!!python/object:os.system [ls]",
                "!custom x", "!!str 12", "!!int x", "!!map {}", "{a: 1, a: 2}", "[1, 2", "'unterminated",
                "\"\\xZZ\"", "\"\\uD800\"", "@at", "`tick", "x: y: z", "? [a, b]", "{? a}", "[a, [b, [c]]]",
                "{{ x }}", "{ }", "[ ]", "- - x", "|\n x", ">-\n x", "%TAG", "---", "...", "\"a\\\nb\"",
                "*" + "b".repeat(200)).map(Raw::new);
    }

    /** Maps and lists nested {@code 30} to {@code 300} deep, beyond the readers' bound of 64, in flow or block style. */
    public static Arbitrary<String> deepNesting() {
        return Combinators.combine(Arbitraries.integers().between(30, 300), Arbitraries.integers().between(0, 3))
                .as((n, style) -> switch (style) {
                    case 0 -> "processes: " + "[".repeat(n) + "]".repeat(n) + "\n";
                    case 1 -> "a: " + "{a: ".repeat(n) + "1" + "}".repeat(n) + "\n";
                    case 2 -> {
                        StringBuilder sb = new StringBuilder();
                        for (int i = 0; i < n; i++) {
                            sb.append("  ".repeat(i)).append("a:\n");
                        }
                        yield sb.append("  ".repeat(n)).append("x\n").toString();
                    }
                    default -> {
                        StringBuilder sb = new StringBuilder();
                        for (int i = 0; i < n; i++) {
                            sb.append("  ".repeat(i)).append("-\n");
                        }
                        yield sb.append("  ".repeat(n)).append("x\n").toString();
                    }
                });
    }

    // ----- mutation ----------------------------------------------------------------------------------

    /** What a mutation does to the node it picks. */
    enum Mutation { REPLACE, WRONG_TYPE, DELETE, DUPLICATE, TYPO, UNKNOWN_KEY, EMPTY, WRAP, ALIAS, ODD_TEXT }

    /** {@code shapes} with one to three nodes each changed by a mutation. */
    public static Arbitrary<Node> mutated(Arbitrary<Node> shapes) {
        Arbitrary<Tuple.Tuple3<Integer, Mutation, Node>> one = Combinators.combine(
                Arbitraries.integers().between(0, 100_000), Arbitraries.of(Mutation.values()), anyNode(2))
                .as(Tuple::of);
        return Combinators.combine(shapes, one.list().ofMinSize(1).ofMaxSize(3)).as((shape, ms) -> {
            Node n = shape;
            for (Tuple.Tuple3<Integer, Mutation, Node> m : ms) {
                n = mutate(n, m.get1() % size(n), m.get2(), m.get3());
            }
            return n;
        });
    }

    private static int size(Node n) {
        return switch (n) {
            case MapNode m -> 1 + m.entries().stream().mapToInt(e -> size(e.value())).sum();
            case SeqNode s -> 1 + s.items().stream().mapToInt(Yamlish::size).sum();
            default -> 1;
        };
    }

    /** The node at preorder {@code index} of {@code n} changed by {@code how}; {@code other} is a random node to use. */
    private static Node mutate(Node n, int index, Mutation how, Node other) {
        int[] counter = {index};
        return at(n, counter, target -> switch (how) {
            case REPLACE -> other;
            case WRONG_TYPE -> target instanceof Scalar ? new SeqNode(List.of(target), true)
                    : target instanceof SeqNode ? new MapNode(List.of(new Entry("x", target)), false) : plain("x");
            case EMPTY -> new Scalar(null, Quote.PLAIN);
            case WRAP -> new SeqNode(List.of(target, other), false);
            case ALIAS -> new Raw("*a");
            case ODD_TEXT -> new Scalar(ODD.get(Math.floorMod(index, ODD.size())) + "x", Quote.DOUBLE);
            case DELETE, DUPLICATE, TYPO, UNKNOWN_KEY -> editEntries(target, how, other, index);
        });
    }

    private static Node editEntries(Node target, Mutation how, Node other, int seed) {
        if (!(target instanceof MapNode m) || m.entries().isEmpty()) {
            return how == Mutation.DELETE ? new Scalar(null, Quote.PLAIN) : other;
        }
        List<Entry> entries = new ArrayList<>(m.entries());
        int i = Math.floorMod(seed, entries.size());
        Entry e = entries.get(i);
        switch (how) {
            case DELETE -> entries.remove(i);
            case DUPLICATE -> entries.add(new Entry(e.key(), other));
            case TYPO -> entries.set(i, new Entry(typo(e.key(), seed), e.value()));
            default -> entries.add(new Entry("unknownField" + Math.floorMod(seed, 3), other));
        }
        return new MapNode(entries, m.flow());
    }

    private static String typo(String key, int seed) {
        if (key.length() < 2) {
            return key + "x";
        }
        int p = Math.floorMod(seed, key.length() - 1);
        return switch (Math.floorMod(seed, 3)) {
            case 0 -> key.substring(0, p) + key.substring(p + 1);
            case 1 -> key.substring(0, p) + key.charAt(p + 1) + key.charAt(p) + key.substring(p + 2);
            default -> key.toUpperCase(java.util.Locale.ROOT);
        };
    }

    private static Node at(Node n, int[] counter, Function<Node, Node> change) {
        if (counter[0]-- == 0) {
            return change.apply(n);
        }
        return switch (n) {
            case MapNode m -> {
                List<Entry> out = new ArrayList<>();
                for (Entry e : m.entries()) {
                    out.add(counter[0] >= 0 ? new Entry(e.key(), at(e.value(), counter, change)) : e);
                }
                yield new MapNode(out, m.flow());
            }
            case SeqNode s -> {
                List<Node> out = new ArrayList<>();
                for (Node item : s.items()) {
                    out.add(counter[0] >= 0 ? at(item, counter, change) : item);
                }
                yield new SeqNode(out, s.flow());
            }
            default -> n;
        };
    }

    /** {@code text} damaged at one place: a snippet inserted, a piece cut out, or the text cut short. */
    public static Arbitrary<String> damaged(Arbitrary<String> texts) {
        Arbitrary<String> snippet = Arbitraries.oneOf(junk().map(r -> ((Raw) r).text()),
                Arbitraries.of(ODD), Arbitraries.of("\n", "\t", " ", ":", "-", "  - x\n", "\n---\n", "#", "<<: *a\n"));
        return Combinators.combine(texts, Arbitraries.integers().between(0, 100_000),
                Arbitraries.integers().between(0, 2), snippet, Arbitraries.integers().between(1, 40))
                .as((text, pos, kind, s, len) -> {
                    int p = text.isEmpty() ? 0 : pos % (text.length() + 1);
                    return switch (kind) {
                        case 0 -> text.substring(0, p) + s + text.substring(p);
                        case 1 -> text.substring(0, p) + text.substring(Math.min(text.length(), p + len));
                        default -> text.substring(0, p);
                    };
                });
    }

    /**
     * Documents for a loader: its valid shapes as they are, mutated, damaged as text, random trees,
     * deep nesting and bare junk, weighted towards mutated shapes.
     */
    public static Arbitrary<String> documents(Arbitrary<Node> shapes) {
        return Arbitraries.frequencyOf(
                Tuple.of(3, shapes.map(Yamlish::render)),
                Tuple.of(8, mutated(shapes).map(Yamlish::render)),
                Tuple.of(3, damaged(shapes.map(Yamlish::render))),
                Tuple.of(1, anyNode(4).map(Yamlish::render)),
                Tuple.of(1, deepNesting()),
                Tuple.of(1, junk().map(Yamlish::render)));
    }

    /**
     * Writes {@code text} to {@code file} as UTF-8; a lone surrogate, which generated text may hold
     * and UTF-8 cannot, becomes '?'.
     */
    public static java.nio.file.Path write(java.nio.file.Path file, String text) {
        try {
            return java.nio.file.Files.write(file, text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    // ----- rendering -----------------------------------------------------------------------------

    /** The document as YAML text. */
    public static String render(Node root) {
        StringBuilder sb = new StringBuilder();
        switch (root) {
            case MapNode m when !m.flow() && !m.entries().isEmpty() -> blockMap(m, 0, sb);
            case SeqNode s when !s.flow() && !s.items().isEmpty() -> blockSeq(s, 0, sb);
            default -> sb.append(inline(root)).append('\n');
        }
        return sb.toString();
    }

    private static boolean isBlock(Node n) {
        return n instanceof MapNode m && !m.flow() && !m.entries().isEmpty()
                || n instanceof SeqNode s && !s.flow() && !s.items().isEmpty();
    }

    private static void blockMap(MapNode m, int indent, StringBuilder sb) {
        for (Entry e : m.entries()) {
            sb.append(" ".repeat(indent)).append(key(e.key())).append(':');
            value(e.value(), indent, sb);
        }
    }

    private static void blockSeq(SeqNode s, int indent, StringBuilder sb) {
        for (Node item : s.items()) {
            sb.append(" ".repeat(indent)).append('-');
            value(item, indent, sb);
        }
    }

    /** Writes a value after {@code key:} or {@code -}: on the same line, or as a block below it. */
    private static void value(Node v, int indent, StringBuilder sb) {
        if (isBlock(v)) {
            sb.append('\n');
            if (v instanceof MapNode m) {
                blockMap(m, indent + 2, sb);
            } else {
                blockSeq((SeqNode) v, indent + 2, sb);
            }
        } else if (v instanceof Scalar s && s.quote() == Quote.LITERAL && s.text() != null) {
            sb.append(" |-\n");
            for (String line : s.text().split("\n", -1)) {
                sb.append(" ".repeat(indent + 2)).append(line).append('\n');
            }
        } else {
            String text = inline(v);
            sb.append(text.isEmpty() ? "" : " ").append(text).append('\n');
        }
    }

    private static String inline(Node n) {
        return switch (n) {
            case Scalar s when s.text() == null -> "";
            case Scalar s -> switch (s.quote()) {
                case PLAIN -> s.text();
                case SINGLE -> "'" + s.text().replace("'", "''") + "'";
                case DOUBLE, LITERAL -> doubleQuoted(s.text());
            };
            case Raw r -> r.text();
            case MapNode m -> {
                List<String> parts = new ArrayList<>();
                for (Entry e : m.entries()) {
                    parts.add(key(e.key()) + ": " + inline(e.value()));
                }
                yield "{" + String.join(", ", parts) + "}";
            }
            case SeqNode s -> {
                List<String> parts = new ArrayList<>();
                for (Node item : s.items()) {
                    parts.add(inline(item));
                }
                yield "[" + String.join(", ", parts) + "]";
            }
        };
    }

    private static String key(String key) {
        return safePlain(key) ? key : doubleQuoted(key);
    }

    /** Whether {@code text} reads back as itself, a string, when written plain in a flow or block context. */
    static boolean safePlain(String text) {
        return !text.isEmpty() && text.matches("[A-Za-z_./][A-Za-z0-9_./-]*")
                && !text.matches("(?i)true|false|yes|no|on|off|null|y|n|~");
    }

    private static String doubleQuoted(String text) {
        StringBuilder sb = new StringBuilder("\"");
        text.codePoints().forEach(c -> {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                case '\r' -> sb.append("\\r");
                default -> {
                    if (c < 0x20 || c == 0x7f || c >= 0xD800 && c <= 0xDFFF || c == 0xFEFF || c == 0x85
                            || c == 0x2028 || c == 0x2029) {
                        sb.append(String.format("\\u%04x", c));
                    } else {
                        sb.appendCodePoint(c);
                    }
                }
            }
        });
        return sb.append('"').toString();
    }
}
