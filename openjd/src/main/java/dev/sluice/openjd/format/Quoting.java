package dev.sluice.openjd.format;

import java.util.ArrayList;
import java.util.List;

/**
 * The {@code repr_*} functions of OpenJD RFC 0006 that quote for an interpreter: {@code repr_sh}
 * (POSIX shells, {@link Shell}), {@code repr_cmd} (Windows {@code cmd.exe} batch files),
 * {@code repr_pwsh} (PowerShell) and {@code repr_py} (Python's {@code repr}).
 */
final class Quoting {
    /** Characters that make {@code repr_cmd} quote a string (RFC 0006): these and whitespace. */
    private static final String CMD_SPECIAL = "&|<>^\"()%!";
    /**
     * What PowerShell takes for a single quote inside a single-quoted string: the ASCII one and the
     * typographic U+2018 to U+201B. Each is doubled, or a pasted curly quote would end the string.
     */
    private static final String PWSH_QUOTES = "'\u2018\u2019\u201a\u201b";

    private Quoting() {}

    static Value reprSh(Builtins.Args a) throws Builtins.CallError {
        Value v = a.get(0);
        if (v instanceof Value.ListValue list) {
            return Value.of(Shell.reprSh(words(list, "repr_sh", "repr_sh(flatten(x))")));
        }
        if (v instanceof Value.Null) {
            throw new Builtins.CallError("repr_sh() got null; supply a fallback, e.g. repr_sh(x or '')");
        }
        return Value.of(Shell.reprSh(Builtins.text(v)));
    }

    private static List<String> words(Value.ListValue list, String fn, String fix) throws Builtins.CallError {
        List<String> words = new ArrayList<>();
        for (Value item : list.items()) {
            if (item instanceof Value.ListValue) {
                throw new Builtins.CallError(fn + "() got a list of lists; flatten it first: " + fix);
            }
            words.add(Builtins.text(item));
        }
        return words;
    }

    static Value reprCmd(Builtins.Args a) throws Builtins.CallError {
        Value v = a.get(0);
        if (v instanceof Value.ListValue list) {
            for (Value item : list.items()) {
                if (!(item instanceof Value.Str || item instanceof Value.PathValue || item instanceof Value.ListValue)) {
                    throw new Builtins.CallError("repr_cmd() needs a list of strings but got " + item.typeName()
                            + " items; convert them with [string(x) for x in list]");
                }
            }
            List<String> quoted = new ArrayList<>();
            for (String w : words(list, "repr_cmd", "repr_cmd(flatten(x))")) {
                quoted.add(cmd(w));
            }
            return Value.of(String.join(" ", quoted));
        }
        if (v instanceof Value.Str || v instanceof Value.PathValue) {
            return Value.of(cmd(Builtins.text(v)));
        }
        String fix = v instanceof Value.Null ? "supply a fallback, e.g. repr_cmd(x or '')" : "convert it, repr_cmd(string(x))";
        throw new Builtins.CallError("repr_cmd() needs a string, path or list of strings but got " + v.typeName()
                + "; " + fix);
    }

    /**
     * One {@code cmd.exe} word as RFC 0006 specifies: unchanged when it has no special character or
     * whitespace; otherwise line breaks are removed (cmd.exe cannot carry one inside an argument and
     * would run the rest as a command), {@code ^ "} get a caret, {@code %} is doubled, {@code !} becomes
     * {@code ^^!}, and the whole is put in double quotes. The empty string is {@code ""}.
     */
    static String cmd(String s) {
        boolean quote = s.isEmpty();
        for (int i = 0; i < s.length() && !quote; i++) {
            char c = s.charAt(i);
            quote = CMD_SPECIAL.indexOf(c) >= 0 || Character.isWhitespace(c) || Character.isSpaceChar(c);
        }
        if (!quote) {
            return s;
        }
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\n', '\r' -> {
                    // dropped: see above
                }
                case '^', '"' -> b.append('^').append(c);
                case '%' -> b.append("%%");
                case '!' -> b.append("^^!");
                default -> b.append(c);
            }
        }
        return b.append('"').toString();
    }

    static Value reprPwsh(Builtins.Args a) throws Builtins.CallError {
        Value v = a.get(0);
        if (v instanceof Value.Null) {
            throw new Builtins.CallError("repr_pwsh() got null; supply a fallback, e.g. repr_pwsh(x or '')");
        }
        return Value.of(pwsh(v));
    }

    /** A PowerShell literal: {@code 'text'} with quotes doubled, {@code 42}, {@code $true}, {@code @(a, b)}. */
    static String pwsh(Value v) {
        return switch (v) {
            case Value.Str s -> pwshString(s.value());
            case Value.PathValue p -> pwshString(p.value());
            case Value.Int i -> Long.toString(i.value());
            case Value.FloatValue f -> f.display();
            case Value.RangeValue r -> pwshString(r.range().toString());
            case Value.Bool b -> b.value() ? "$true" : "$false";
            case Value.Null n -> "$null";
            case Value.ListValue l -> {
                List<String> items = new ArrayList<>();
                for (Value item : l.items()) {
                    items.add(pwsh(item));
                }
                yield "@(" + String.join(", ", items) + ")";
            }
        };
    }

    private static String pwshString(String s) {
        StringBuilder b = new StringBuilder("'");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            b.append(c);
            if (PWSH_QUOTES.indexOf(c) >= 0) {
                b.append(c);
            }
        }
        return b.append('\'').toString();
    }

    /** Python's {@code repr}: {@code 'text'}, {@code 42}, {@code True}, {@code None}, {@code ['a', 1]}. */
    static String py(Value v) {
        return switch (v) {
            case Value.Str s -> pyString(s.value());
            case Value.PathValue p -> pyString(p.value());
            case Value.Int i -> Long.toString(i.value());
            // A float's text is a Python float literal: 0.1, 1e+16, or as written (3.50).
            case Value.FloatValue f -> f.display();
            case Value.RangeValue r -> pyString(r.range().toString());
            case Value.Bool b -> b.value() ? "True" : "False";
            case Value.Null n -> "None";
            case Value.ListValue l -> {
                List<String> items = new ArrayList<>();
                for (Value item : l.items()) {
                    items.add(py(item));
                }
                yield "[" + String.join(", ", items) + "]";
            }
        };
    }

    /**
     * A Python string literal exactly as {@code repr(str)} writes it: single quotes unless the text has a
     * {@code '} and no {@code "}; backslash and the quote escaped; tab, newline and carriage return as
     * {@code \t \n \r}; other control characters and DEL as {@code \xhh}; characters Python does not
     * consider printable (separators, format and private-use characters, surrogates, unassigned code
     * points) as {@code \xhh}, {@code \\uhhhh} or {@code \Uhhhhhhhh}; everything else as it is.
     */
    static String pyString(String s) {
        char quote = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        StringBuilder b = new StringBuilder().append(quote);
        s.codePoints().forEach(cp -> {
            if (cp == quote || cp == '\\') {
                b.append('\\').appendCodePoint(cp);
            } else if (cp == '\t') {
                b.append("\\t");
            } else if (cp == '\n') {
                b.append("\\n");
            } else if (cp == '\r') {
                b.append("\\r");
            } else if (cp < 0x20 || cp == 0x7f) {
                b.append(String.format("\\x%02x", cp));
            } else if (cp < 0x7f || printable(cp)) {
                b.appendCodePoint(cp);
            } else if (cp <= 0xff) {
                b.append(String.format("\\x%02x", cp));
            } else if (cp <= 0xffff) {
                b.append(String.format("\\u%04x", cp));
            } else {
                b.append(String.format("\\U%08x", cp));
            }
        });
        return b.append(quote).toString();
    }

    /** Python's {@code str.isprintable} for one character beyond ASCII. */
    private static boolean printable(int cp) {
        return switch (Character.getType(cp)) {
            case Character.CONTROL, Character.FORMAT, Character.SURROGATE, Character.PRIVATE_USE,
                    Character.UNASSIGNED, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR,
                    Character.SPACE_SEPARATOR -> false;
            default -> true;
        };
    }
}
