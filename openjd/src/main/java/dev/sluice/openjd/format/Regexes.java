package dev.sluice.openjd.format;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The regular-expression functions of OpenJD RFC 0006 ({@code re_match}, {@code re_search},
 * {@code re_findall}, {@code re_sub}, {@code re_escape}, {@code re_split}).
 *
 * <p>RFC 0006 defines the pattern syntax as what Python's {@code re} and Rust's {@code regex} both
 * accept, so that a template matches the same everywhere. Patterns are read here by a parser of that
 * intersection, which refuses, by name, every construct one of the two lacks or reads differently
 * (look-around, backreferences, possessive quantifiers, atomic groups, inline flags, {@code \Z},
 * {@code \z}, {@code \p{..}}, nested classes and class set operations, ...), and rewritten into an
 * equivalent {@code java.util.regex} pattern in which every literal is written as a code point, so
 * that no Java-only syntax can slip through. Where Python and Rust differ on a construct both accept,
 * sluice does what Rust's {@code regex} does, as the reference implementation (openjd-rs, also behind
 * openjd-model for Python) does: {@code $} matches only at the very end, {@code \w \d \s \b} are
 * Unicode's (UTS #18), and an empty match right after a match is skipped.
 */
final class Regexes {
    /** The most a counted repetition may repeat ({@code a{1000}}): keeps patterns small, as Rust's limits do. */
    static final int MAX_REPEAT = 1000;
    /** How deeply groups may nest; the parser recurses once per level. */
    static final int MAX_NESTING = 64;
    /**
     * The most characters one call may read from its string, counting every time a match attempt reads
     * one. java.util.regex backtracks, and a pattern such as {@code (a*)*b} takes exponential time on
     * some strings where Rust's engine takes linear time; this bounds it.
     */
    static final long MAX_STEPS = 50_000_000;
    /** What Rust's {@code regex::escape} escapes: exactly the characters with a meaning in a pattern. */
    private static final String META = "\\.+*?()|[]{}^$#&-~";

    private Regexes() {}

    static void register(Builtins.Registry r) {
        r.def("re_match", "re_match(string, pattern)", 2, 2, a -> matchOrSearch(a, true));
        r.def("re_search", "re_search(string, pattern)", 2, 2, a -> matchOrSearch(a, false));
        r.def("re_findall", "re_findall(string, pattern)", 2, 2, Regexes::findall);
        r.def("re_sub", "re_sub(string, pattern, replacement)", 3, 3, Regexes::sub);
        r.def("re_split", "re_split(string, pattern[, maxsplit])", 2, 3, Regexes::split);
        r.def("re_escape", "re_escape(string)", 1, 1, a -> Value.of(escape(a.str(0))));
    }

    /** {@code s} with every pattern metacharacter escaped, so that it matches itself. */
    static String escape(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (META.indexOf(c) >= 0) {
                b.append('\\');
            }
            b.append(c);
        }
        return b.toString();
    }

    /** A pattern of the OpenJD dialect, rewritten for java.util.regex, and its number of groups. */
    record Compiled(Pattern pattern, int groups) {}

    /** Reads {@code pattern} as the OpenJD dialect; the error names the construct, why, and the fix. */
    static Compiled compile(String function, String pattern) throws Builtins.CallError {
        if (pattern.isEmpty()) {
            throw new Builtins.CallError(function + "() needs a non-empty pattern");
        }
        Translator t = new Translator(function, pattern);
        String java = t.translate();
        // UNICODE_CHARACTER_CLASS: \w \d \s \b as Unicode defines them (Rust's, UTS #18);
        // UNIX_LINES: '.' stops only at '\n', as in Python and Rust.
        return new Compiled(Pattern.compile(java, Pattern.UNICODE_CHARACTER_CLASS | Pattern.UNIX_LINES), t.groups);
    }

    private static Value matchOrSearch(Builtins.Args a, boolean anchored) throws Builtins.CallError {
        String s = a.str(0);
        Compiled c = compile(a.function, a.str(1));
        Matcher m = matcher(c, s);
        boolean found = run(a.function, () -> anchored ? m.lookingAt() : m.find());
        if (!found) {
            return Value.NULL;
        }
        List<Value> groups = new ArrayList<>();
        for (int g = 0; g <= c.groups(); g++) {
            groups.add(Value.of(group(m, g)));
        }
        return new Value.ListValue(groups);
    }

    private static Value findall(Builtins.Args a) throws Builtins.CallError {
        String s = a.str(0);
        Compiled c = compile(a.function, a.str(1));
        List<Value> out = new ArrayList<>();
        for (List<String> groups : matches(a.function, c, s)) {
            if (c.groups() == 0) {
                out.add(Value.of(groups.getFirst()));
            } else if (c.groups() == 1) {
                out.add(Value.of(groups.get(1)));
            } else {
                out.add(Value.ofStrings(groups.subList(1, groups.size())));
            }
        }
        return new Value.ListValue(out);
    }

    private static Value sub(Builtins.Args a) throws Builtins.CallError {
        String s = a.str(0);
        Compiled c = compile(a.function, a.str(1));
        String replacement = a.str(2);
        java.util.regex.Matcher ref = Pattern.compile("\\\\[0-9]|\\\\g<|\\$[0-9{]").matcher(replacement);
        if (ref.find()) {
            throw new Builtins.CallError("re_sub(): the replacement has the group reference '" + ref.group()
                    + "...', which RFC 0006 does not support (the replacement is literal text); build the text"
                    + " from re_search(...) groups instead");
        }
        StringBuilder b = new StringBuilder();
        int last = 0;
        for (int[] span : spans(a.function, c, s)) {
            b.append(s, last, span[0]).append(replacement);
            last = span[1];
            if (b.length() > Builtins.MAX_SIZE) {
                throw new Builtins.CallError("re_sub() would build more than " + Builtins.MAX_SIZE + " characters");
            }
        }
        return Value.of(b.append(s, last, s.length()).toString());
    }

    private static Value split(Builtins.Args a) throws Builtins.CallError {
        String s = a.str(0);
        Compiled c = compile(a.function, a.str(1));
        if (c.groups() > 0) {
            throw new Builtins.CallError("re_split(): the pattern has a capturing group; Python's re.split puts"
                    + " the groups' text among the pieces and Rust's regex does not, so it is refused: write the"
                    + " group as (?:...)");
        }
        long max = a.size() == 3 ? a.integer(2) : 0;
        if (max < 0) {
            // As Python's re.split: a negative maxsplit splits nothing.
            return Value.ofStrings(List.of(s));
        }
        List<String> pieces = new ArrayList<>();
        int last = 0;
        for (int[] span : spans(a.function, c, s)) {
            if (max > 0 && pieces.size() == max) {
                break;
            }
            pieces.add(s.substring(last, span[0]));
            last = span[1];
        }
        pieces.add(s.substring(last));
        return Value.ofStrings(pieces);
    }

    private static List<int[]> spans(String function, Compiled c, String s) throws Builtins.CallError {
        List<int[]> out = new ArrayList<>();
        iterate(function, c, s, (m) -> out.add(new int[] {m.start(), m.end()}));
        return out;
    }

    private static List<List<String>> matches(String function, Compiled c, String s) throws Builtins.CallError {
        List<List<String>> out = new ArrayList<>();
        iterate(function, c, s, (m) -> {
            List<String> groups = new ArrayList<>();
            for (int g = 0; g <= c.groups(); g++) {
                groups.add(group(m, g));
            }
            out.add(groups);
        });
        return out;
    }

    /**
     * Every match, left to right, without overlaps, as Rust's {@code find_iter}: after a match, the
     * next search starts where it ended, and an empty match there is skipped (Python 3.7+ would report
     * it); after an empty match, the next search starts one character further.
     */
    private static void iterate(String function, Compiled c, String s, java.util.function.Consumer<Matcher> each)
            throws Builtins.CallError {
        Matcher m = matcher(c, s);
        int at = 0;
        int lastEnd = -1;
        int count = 0;
        while (at <= s.length()) {
            int from = at;
            if (!run(function, () -> m.find(from))) {
                return;
            }
            int start = m.start();
            int end = m.end();
            boolean emptyAfterMatch = start == end && start == lastEnd;
            // A match never starts inside a character written as two UTF-16 units.
            boolean splitsCharacter = start > 0 && start < s.length() && Character.isLowSurrogate(s.charAt(start))
                    && Character.isHighSurrogate(s.charAt(start - 1));
            if (emptyAfterMatch || splitsCharacter) {
                if (start >= s.length()) {
                    return;
                }
                at = start + (splitsCharacter ? 1 : Character.charCount(s.codePointAt(start)));
                continue;
            }
            each.accept(m);
            if (++count > Builtins.MAX_SIZE) {
                throw new Builtins.CallError(function + "() found more than " + Builtins.MAX_SIZE + " matches");
            }
            lastEnd = end;
            if (start == end) {
                if (end >= s.length()) {
                    return;
                }
                at = end + Character.charCount(s.codePointAt(end));
            } else {
                at = end;
            }
        }
    }

    /** A group's text; a group that took no part in the match is "" (a list holds no null). */
    private static String group(Matcher m, int g) {
        String text = m.group(g);
        return text == null ? "" : text;
    }

    private static Matcher matcher(Compiled c, String s) {
        return c.pattern().matcher(new Metered(s));
    }

    @FunctionalInterface
    private interface Search {
        boolean run();
    }

    private static boolean run(String function, Search search) throws Builtins.CallError {
        try {
            return search.run();
        } catch (Metered.TooLong | StackOverflowError e) {
            throw new Builtins.CallError(function + "() gave up: the pattern backtracks too much on this string"
                    + " (more than " + MAX_STEPS + " steps, or nesting too deep); make it simpler, e.g. avoid a"
                    + " repeated group that itself repeats, (a*)*");
        }
    }

    /** The string a matcher reads, counting each character read against {@link #MAX_STEPS}. */
    private static final class Metered implements CharSequence {
        static final class TooLong extends RuntimeException {
            private static final long serialVersionUID = 1L;

            TooLong() {
                super(null, null, false, false);
            }
        }

        private final String s;
        private long steps;

        Metered(String s) {
            this.s = s;
        }

        @Override
        public char charAt(int index) {
            if (++steps > MAX_STEPS) {
                throw new TooLong();
            }
            return s.charAt(index);
        }

        @Override
        public int length() {
            return s.length();
        }

        @Override
        public CharSequence subSequence(int start, int end) {
            return s.substring(start, end);
        }

        @Override
        public String toString() {
            return s;
        }
    }

    /** Reads one pattern of the OpenJD dialect and writes its java.util.regex equivalent. */
    private static final class Translator {
        private final String function;
        private final String source;
        private final int[] cps;
        private int i;
        private int depth;
        int groups;
        private final Set<String> names = new HashSet<>();
        private final StringBuilder out = new StringBuilder();

        Translator(String function, String source) {
            this.function = function;
            this.source = source;
            this.cps = source.codePoints().toArray();
        }

        String translate() throws Builtins.CallError {
            alternation();
            if (i < cps.length) {
                // Only an unmatched ')' stops the top level early.
                throw refuse("')' has no '(' before it", "escape it as \\) to match a bracket");
            }
            return out.toString();
        }

        private void alternation() throws Builtins.CallError {
            sequence();
            while (i < cps.length && cps[i] == '|') {
                out.append('|');
                i++;
                sequence();
            }
        }

        private void sequence() throws Builtins.CallError {
            while (i < cps.length && cps[i] != '|' && cps[i] != ')') {
                int at = i;
                boolean repeatable = atom();
                quantifier(at, repeatable);
            }
        }

        /** One atom; false when it is an assertion (^, $, \b, \B, \A), which nothing may repeat. */
        private boolean atom() throws Builtins.CallError {
            int c = cps[i];
            switch (c) {
                case '(' -> group();
                case '[' -> characterClass();
                case '.' -> {
                    out.append('.');
                    i++;
                }
                case '^' -> {
                    out.append('^');
                    i++;
                    return false;
                }
                case '$' -> {
                    // Rust's '$' (the reference's): the very end only; Python's also matches before a final \n.
                    out.append("\\z");
                    i++;
                    return false;
                }
                case '\\' -> {
                    return escape();
                }
                case '*', '+', '?' -> throw refuse("'" + Character.toString(c) + "' has nothing before it to repeat",
                        "escape it as \\" + Character.toString(c) + " to match it");
                case '{' -> {
                    if (countedRepeat(i) != null) {
                        throw refuse("'{' has nothing before it to repeat", "escape it as \\{ to match it");
                    }
                    throw refuse("a '{' that does not start a repetition such as {2} or {1,3} (Python reads it"
                            + " as text, Rust's regex refuses it)", "escape it as \\{");
                }
                default -> {
                    literal(c);
                    i++;
                }
            }
            return true;
        }

        private void group() throws Builtins.CallError {
            int open = i;
            if (++depth > MAX_NESTING) {
                throw refuse("groups nested more than " + MAX_NESTING + " deep", "simplify the pattern");
            }
            i++;
            if (i < cps.length && cps[i] == '?') {
                String rest = source.substring(source.offsetByCodePoints(0, i));
                if (rest.startsWith("?:")) {
                    out.append("(?:");
                    i += 2;
                } else if (rest.startsWith("?P<")) {
                    int close = rest.indexOf('>');
                    String name = close < 0 ? "" : rest.substring(3, close);
                    if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                        i = open;
                        throw refuse("group name '" + name + "' (names both engines accept are ASCII letters,"
                                + " digits and '_', not starting with a digit)", "rename the group");
                    }
                    if (!names.add(name)) {
                        i = open;
                        throw refuse("a second group named '" + name + "'", "give each group its own name");
                    }
                    // Java's group names allow no '_'; results are by number anyway.
                    out.append('(');
                    groups++;
                    i += rest.substring(0, close + 1).codePointCount(0, close + 1);
                } else {
                    i = open;
                    throw refuse(groupConstruct(rest), groupFix(rest));
                }
            } else {
                out.append('(');
                groups++;
            }
            alternation();
            if (i >= cps.length) {
                i = open;
                throw refuse("'(' is not closed", "add ')'");
            }
            out.append(')');
            i++;
            depth--;
        }

        private static String groupConstruct(String rest) {
            if (rest.startsWith("?=") || rest.startsWith("?!")) {
                return "look-ahead '(" + rest.substring(0, 2) + "...)', which Rust's regex lacks";
            }
            if (rest.startsWith("?<=") || rest.startsWith("?<!")) {
                return "look-behind '(" + rest.substring(0, 3) + "...)', which Rust's regex lacks";
            }
            if (rest.startsWith("?P=")) {
                return "the named backreference '(?P=...)', which Rust's regex lacks";
            }
            if (rest.startsWith("?<")) {
                return "the group name syntax '(?<name>...)', which Python's re lacks";
            }
            if (rest.startsWith("?>")) {
                return "the atomic group '(?>...)', which Rust's regex lacks";
            }
            if (rest.startsWith("?#")) {
                return "the comment '(?#...)', which Rust's regex lacks";
            }
            if (rest.startsWith("?(")) {
                return "the conditional '(?(...)...)', which Rust's regex lacks";
            }
            if (rest.matches("(?s)\\?[a-zA-Z-]+[:)].*")) {
                return "the inline flags '(" + rest.substring(0, rest.indexOf(rest.matches("(?s)\\?[^:]*\\).*") ? ')'
                        : ':') + 1) + "', which the OpenJD dialect leaves out (Python and Rust read them"
                        + " differently: where they may stand, and how letters fold case)";
            }
            return "'(" + rest.substring(0, Math.min(2, rest.length())) + "', which is not a group both engines read";
        }

        private static String groupFix(String rest) {
            if (rest.startsWith("?<") && !rest.startsWith("?<=") && !rest.startsWith("?<!")) {
                return "write (?P<name>...)";
            }
            if (rest.matches("(?s)\\?[a-zA-Z-]+[:)].*")) {
                return "spell out both cases, e.g. [Ff]rame, instead of (?i)";
            }
            return "match more and pick the part you need from re_search(...)'s groups";
        }

        /** After a backslash outside a class; false when it is an assertion. */
        private boolean escape() throws Builtins.CallError {
            if (i + 1 >= cps.length) {
                throw refuse("a '\\' at the end of the pattern", "write \\\\ to match a backslash");
            }
            int e = cps[i + 1];
            switch (e) {
                case 'd', 'D', 'w', 'W', 's', 'S' -> {
                    out.append('\\').appendCodePoint(e);
                    i += 2;
                    return true;
                }
                case 'b', 'B', 'A' -> {
                    out.append('\\').appendCodePoint(e);
                    i += 2;
                    return false;
                }
                default -> {
                    literal(escapedCodePoint(false));
                    return true;
                }
            }
        }

        /**
         * The code point an escape stands for ({@code \n}, {@code \x41}, {@code \.}); i moves past it.
         * Escapes that are classes or assertions are handled by the callers.
         */
        private int escapedCodePoint(boolean inClass) throws Builtins.CallError {
            int e = cps[i + 1];
            switch (e) {
                case 'n', 't', 'r', 'f', 'v', 'a' -> {
                    i += 2;
                    return switch (e) {
                        case 'n' -> '\n';
                        case 't' -> '\t';
                        case 'r' -> '\r';
                        case 'f' -> '\f';
                        case 'v' -> 0x0B;
                        default -> 0x07;
                    };
                }
                case 'x' -> {
                    return hex(2);
                }
                case 'u' -> {
                    return hex(4);
                }
                case 'U' -> {
                    return hex(8);
                }
                case 'Z' -> throw refuse("'\\Z', Python's end of string, which Rust's regex lacks", "write $");
                case 'z' -> throw refuse("'\\z', Rust's end of string, which Python's re lacks", "write $");
                case 'b' -> throw refuse("'\\b' inside [...] (a backspace in Python, an error in Rust's regex)",
                        "write \\x08 for a backspace");
                case 'p', 'P' -> throw refuse("the Unicode class '\\" + Character.toString(e)
                        + "', which Python's re lacks", "list the characters, e.g. [a-zA-Z], or use \\w, \\d, \\s");
                case 'N' -> throw refuse("the named character '\\N{...}', which Rust's regex lacks",
                        "write the character itself, or \\uhhhh");
                case '<', '>' -> throw refuse("'\\" + Character.toString(e) + "' (a word boundary in Rust's"
                        + " regex, the character itself in Python)", "write \\b, or [" + Character.toString(e)
                        + "] for the character");
                default -> {
                }
            }
            if (e >= '0' && e <= '9') {
                throw refuse("'\\" + Character.toString(e) + "' (a backreference or octal escape in Python; Rust's"
                        + " regex has neither)", "write \\x.. for a character; backreferences cannot be matched");
            }
            if (e < 0x80 && Character.isLetter(e)) {
                throw refuse("the escape '\\" + Character.toString(e) + "', which is not one both Python's re and"
                        + " Rust's regex read (they read \\d \\w \\s \\b \\A \\n \\t \\r \\f \\v \\a \\xhh \\uhhhh"
                        + " \\Uhhhhhhhh)", "write the character itself");
            }
            if (e >= 0x80) {
                throw refuse("an escaped non-ASCII character (Python reads it as itself, Rust's regex refuses it)",
                        "leave out the backslash");
            }
            i += 2;
            return e;
        }

        /** {@code \xhh}, {@code \\uhhhh}, {@code \Uhhhhhhhh}: exactly that many hex digits, no braces. */
        private int hex(int digits) throws Builtins.CallError {
            int letter = cps[i + 1];
            if (i + 2 < cps.length && cps[i + 2] == '{') {
                throw refuse("the brace escape '\\" + Character.toString(letter) + "{...}', which Python's re lacks",
                        "write \\x" + "hh, \\u" + "hhhh or \\U" + "hhhhhhhh");
            }
            int value = 0;
            for (int k = 0; k < digits; k++) {
                int at = i + 2 + k;
                int d = at < cps.length ? Character.digit(cps[at], 16) : -1;
                if (d < 0 || cps[at] >= 0x80) {
                    throw refuse("'\\" + Character.toString(letter) + "' without exactly " + digits + " hex digits",
                            "write e.g. \\" + Character.toString(letter) + "0".repeat(digits - 2) + "41");
                }
                value = value * 16 + d;
            }
            if (value > Character.MAX_CODE_POINT || (value >= 0xD800 && value <= 0xDFFF)) {
                throw refuse("'\\" + Character.toString(letter) + "' of " + Integer.toHexString(value)
                        + ", which is not a Unicode character", "write a character from 0 to 10FFFF, no surrogates");
            }
            i += 2 + digits;
            return value;
        }

        /** A repetition after the atom that started at {@code atomStart}, if one follows. */
        private void quantifier(int atomStart, boolean repeatable) throws Builtins.CallError {
            if (i >= cps.length) {
                return;
            }
            int c = cps[i];
            int[] counted = c == '{' ? countedRepeat(i) : null;
            if (c != '*' && c != '+' && c != '?' && counted == null) {
                return;
            }
            if (!repeatable) {
                throw refuse("a repetition of an assertion (^, $, \\b, \\B, \\A)", "repeat something that matches text");
            }
            if (counted != null) {
                out.append('{').append(counted[0]);
                if (counted[1] != counted[0]) {
                    out.append(',').append(counted[1] < 0 ? "" : Integer.toString(counted[1]));
                }
                out.append('}');
                i = counted[2];
            } else {
                out.appendCodePoint(c);
                i++;
            }
            if (i < cps.length && cps[i] == '?') {
                out.append('?');
                i++;
            }
            if (i < cps.length && cps[i] == '+') {
                throw refuse("a possessive repetition '" + Character.toString(c) + "+', which Rust's regex lacks",
                        "leave out the '+'");
            }
            if (i < cps.length && (cps[i] == '*' || cps[i] == '+' || cps[i] == '?'
                    || (cps[i] == '{' && countedRepeat(i) != null))) {
                throw refuse("a repetition of a repetition (Python refuses it)", "put the inner one in a group, (?:a*)*");
            }
        }

        /**
         * {@code {n}}, {@code {n,}} or {@code {n,m}} at {@code at}: {min, max (-1 for none), index after};
         * null when the brace does not start one. {@code {,m}} (Python only) is refused.
         */
        private int[] countedRepeat(int at) throws Builtins.CallError {
            int k = at + 1;
            int min = 0;
            int digitsStart = k;
            while (k < cps.length && cps[k] >= '0' && cps[k] <= '9') {
                min = (int) Math.min((long) min * 10 + (cps[k] - '0'), Integer.MAX_VALUE);
                k++;
            }
            if (k == digitsStart) {
                if (k < cps.length && cps[k] == ',') {
                    i = at;
                    throw refuse("'{,m}' without a minimum, which Rust's regex lacks", "write {0,m}");
                }
                return null;
            }
            int max = min;
            if (k < cps.length && cps[k] == ',') {
                k++;
                int maxStart = k;
                max = 0;
                while (k < cps.length && cps[k] >= '0' && cps[k] <= '9') {
                    max = (int) Math.min((long) max * 10 + (cps[k] - '0'), Integer.MAX_VALUE);
                    k++;
                }
                if (k == maxStart) {
                    max = -1;
                }
            }
            if (k >= cps.length || cps[k] != '}') {
                return null;
            }
            if (max >= 0 && max < min) {
                i = at;
                throw refuse("the repetition {" + min + "," + max + "} with its maximum below its minimum",
                        "swap the numbers");
            }
            if (Math.max(min, max) > MAX_REPEAT) {
                i = at;
                throw refuse("a repetition of more than " + MAX_REPEAT, "repeat at most " + MAX_REPEAT + " times");
            }
            return new int[] {min, max, k + 1};
        }

        /** {@code [...]}: literals, ranges and \d \w \s (and their negations), nothing Python and Rust read apart. */
        private void characterClass() throws Builtins.CallError {
            int open = i;
            i++;
            out.append('[');
            if (i < cps.length && cps[i] == '^') {
                out.append('^');
                i++;
            }
            boolean first = true;
            boolean afterRange = false;
            while (true) {
                if (i >= cps.length) {
                    i = open;
                    throw refuse("'[' is not closed", "add ']', or write \\[ to match a bracket");
                }
                int c = cps[i];
                if (c == ']' && !first) {
                    out.append(']');
                    i++;
                    return;
                }
                first = false;
                if (c == '[') {
                    throw refuse("'[' inside [...] (a nested class or [:alpha:] in Rust's regex, the character in"
                            + " Python)", "write \\[");
                }
                if ((c == '&' || c == '-' || c == '~') && i + 1 < cps.length && cps[i + 1] == c) {
                    String op = Character.toString(c).repeat(2);
                    throw refuse("'" + op + "' inside [...] (a set operation in Rust's regex, two characters in"
                            + " Python)", "escape them, \\" + Character.toString(c) + "\\" + Character.toString(c));
                }
                if (c == '\\' && i + 1 < cps.length && "dDwWsS".indexOf(cps[i + 1]) >= 0) {
                    out.append('\\').appendCodePoint(cps[i + 1]);
                    i += 2;
                    if (i + 1 < cps.length && cps[i] == '-' && cps[i + 1] != ']') {
                        throw refuse("a range from a class such as \\d", "write \\- for a '-'");
                    }
                    afterRange = false;
                    continue;
                }
                if (c == '-' && afterRange && i + 1 < cps.length && cps[i + 1] != ']') {
                    throw refuse("a '-' right after a range", "write \\- for a '-'");
                }
                int low = classCodePoint();
                if (i + 1 < cps.length && cps[i] == '-' && cps[i + 1] == '-') {
                    throw refuse("'--' inside [...] (a set operation in Rust's regex, a range in Python)",
                            "escape them, \\-\\-");
                }
                if (i + 1 < cps.length && cps[i] == '-' && cps[i + 1] != ']') {
                    i++;
                    if (cps[i] == '\\' && i + 1 < cps.length && "dDwWsS".indexOf(cps[i + 1]) >= 0) {
                        throw refuse("a range to a class such as \\d", "write \\- for a '-'");
                    }
                    int high = classCodePoint();
                    if (high < low) {
                        throw refuse("the range " + Character.toString(low) + "-" + Character.toString(high)
                                + " that runs backwards", "write its ends the other way round");
                    }
                    out.append(javaLiteral(low)).append('-').append(javaLiteral(high));
                    afterRange = true;
                } else {
                    out.append(javaLiteral(low));
                    afterRange = false;
                }
            }
        }

        private int classCodePoint() throws Builtins.CallError {
            if (cps[i] == '\\') {
                if (i + 1 >= cps.length) {
                    throw refuse("a '\\' at the end of the pattern", "close the class with ']'");
                }
                return escapedCodePoint(true);
            }
            return cps[i++];
        }

        private void literal(int c) {
            out.append(javaLiteral(c));
        }

        /** A literal for java.util.regex: letters and digits as they are, anything else by its code point. */
        private static String javaLiteral(int c) {
            if (c < 0x80 && Character.isLetterOrDigit(c)) {
                return Character.toString(c);
            }
            return "\\x{" + Integer.toHexString(c) + "}";
        }

        private Builtins.CallError refuse(String construct, String fix) {
            String shown = source.length() > 80 ? source.substring(0, 80) + "..." : source;
            return new Builtins.CallError(function + "(): the pattern " + Quoting.pyString(shown) + " has, at"
                    + " character " + (Math.min(i, cps.length) + 1) + ", " + construct + "; OpenJD patterns are what"
                    + " Python's re and Rust's regex both read the same way: " + fix);
        }
    }
}
