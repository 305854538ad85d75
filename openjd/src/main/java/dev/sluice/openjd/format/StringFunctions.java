package dev.sluice.openjd.format;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.IntPredicate;

/**
 * The string functions of OpenJD RFC 0006, with the results of the Python {@code str} methods they
 * are named after. Positions and lengths count Unicode characters (code points), as Python does.
 */
final class StringFunctions {
    private StringFunctions() {}

    static void register(Builtins.Registry r) {
        r.def("upper", "upper(string)", 1, 1, a -> Value.of(a.str(0).toUpperCase(Locale.ROOT)));
        r.def("lower", "lower(string)", 1, 1, a -> Value.of(a.str(0).toLowerCase(Locale.ROOT)));
        r.def("capitalize", "capitalize(string)", 1, 1, a -> Value.of(capitalize(a.str(0))));
        r.def("title", "title(string)", 1, 1, a -> Value.of(title(a.str(0))));
        r.def("strip", "strip(string[, chars])", 1, 2, a -> Value.of(strip(a, true, true)));
        r.def("lstrip", "lstrip(string[, chars])", 1, 2, a -> Value.of(strip(a, true, false)));
        r.def("rstrip", "rstrip(string[, chars])", 1, 2, a -> Value.of(strip(a, false, true)));
        r.def("removeprefix", "removeprefix(string, prefix)", 2, 2, a -> {
            String s = a.str(0);
            String p = a.str(1);
            return Value.of(s.startsWith(p) ? s.substring(p.length()) : s);
        });
        r.def("removesuffix", "removesuffix(string, suffix)", 2, 2, a -> {
            String s = a.str(0);
            String p = a.str(1);
            return Value.of(!p.isEmpty() && s.endsWith(p) ? s.substring(0, s.length() - p.length()) : s);
        });
        r.def("startswith", "startswith(string, prefix)", 2, 2, a -> Value.of(a.str(0).startsWith(a.str(1))));
        r.def("endswith", "endswith(string, suffix)", 2, 2, a -> Value.of(a.str(0).endsWith(a.str(1))));
        r.def("isdigit", "isdigit(string)", 1, 1, a -> Value.of(all(a.str(0), StringFunctions::isDigit)));
        r.def("isalpha", "isalpha(string)", 1, 1, a -> Value.of(all(a.str(0), Character::isLetter)));
        r.def("isalnum", "isalnum(string)", 1, 1, a -> Value.of(all(a.str(0), StringFunctions::isAlnum)));
        r.def("isspace", "isspace(string)", 1, 1, a -> Value.of(all(a.str(0), StringFunctions::isSpace)));
        r.def("isupper", "isupper(string)", 1, 1, a -> Value.of(cased(a.str(0), true)));
        r.def("islower", "islower(string)", 1, 1, a -> Value.of(cased(a.str(0), false)));
        r.def("isascii", "isascii(string)", 1, 1, a -> Value.of(a.str(0).chars().allMatch(c -> c < 0x80)));
        r.def("count", "count(string, sub)", 2, 2, a -> {
            String s = a.str(0);
            String sub = nonEmpty(a, 1, "sub");
            long n = 0;
            for (int i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + sub.length())) {
                n++;
            }
            return Value.of(n);
        });
        r.def("find", "find(string, sub)", 2, 2, a -> Value.of(position(a.str(0), a.str(0).indexOf(nonEmpty(a, 1, "sub")))));
        r.def("rfind", "rfind(string, sub)", 2, 2,
                a -> Value.of(position(a.str(0), a.str(0).lastIndexOf(nonEmpty(a, 1, "sub")))));
        r.def("index", "index(string, sub)", 2, 2, a -> found(a, a.str(0).indexOf(nonEmpty(a, 1, "sub"))));
        r.def("rindex", "rindex(string, sub)", 2, 2, a -> found(a, a.str(0).lastIndexOf(nonEmpty(a, 1, "sub"))));
        r.def("replace", "replace(string, old, new)", 3, 3, a -> {
            String s = a.str(0);
            String old = nonEmpty(a, 1, "old");
            String with = a.str(2);
            long count = (s.length() - s.replace(old, "").length()) / old.length();
            checkSize(s.length() + count * (with.length() - old.length()), a);
            return Value.of(s.replace(old, with));
        });
        r.def("split", "split(string[, sep[, maxsplit]])", 1, 3, a -> split(a, false));
        r.def("rsplit", "rsplit(string[, sep[, maxsplit]])", 1, 3, a -> split(a, true));
        r.def("ljust", "ljust(string, width)", 2, 2, a -> pad(a, 0));
        r.def("rjust", "rjust(string, width)", 2, 2, a -> pad(a, 1));
        r.def("center", "center(string, width)", 2, 2, a -> pad(a, 2));
        r.def("zfill", "zfill(string | int | float, width)", 2, 2, StringFunctions::zfill);
    }

    private static String nonEmpty(Builtins.Args a, int i, String what) throws Builtins.CallError {
        String s = a.str(i);
        if (s.isEmpty()) {
            throw new Builtins.CallError(a.function + "(): '" + what + "' must not be empty");
        }
        return s;
    }

    /** A UTF-16 index as a code-point index; -1 stays -1. */
    private static long position(String s, int utf16) {
        return utf16 < 0 ? -1 : s.codePointCount(0, utf16);
    }

    private static Value found(Builtins.Args a, int utf16) throws Builtins.CallError {
        if (utf16 < 0) {
            throw new Builtins.CallError(a.function + "(): '" + a.str(1) + "' is not in the string; use "
                    + (a.function.startsWith("r") ? "rfind" : "find") + "() to get -1 instead");
        }
        return Value.of(position(a.str(0), utf16));
    }

    private static void checkSize(long size, Builtins.Args a) throws Builtins.CallError {
        if (size > Builtins.MAX_SIZE) {
            throw new Builtins.CallError(a.function + "() would build " + size + " characters; the limit is "
                    + Builtins.MAX_SIZE);
        }
    }

    private static boolean all(String s, IntPredicate p) {
        return !s.isEmpty() && s.codePoints().allMatch(p);
    }

    /** Python's {@code str.isspace}: Unicode space separators and the bidirectional classes WS, B and S. */
    static boolean isSpace(int cp) {
        if (Character.getType(cp) == Character.SPACE_SEPARATOR) {
            return true;
        }
        byte d = Character.getDirectionality(cp);
        return d == Character.DIRECTIONALITY_WHITESPACE || d == Character.DIRECTIONALITY_PARAGRAPH_SEPARATOR
                || d == Character.DIRECTIONALITY_SEGMENT_SEPARATOR;
    }

    /** Python's {@code str.isdigit}: decimal digits, and other digits such as superscripts. */
    private static boolean isDigit(int cp) {
        int type = Character.getType(cp);
        if (type == Character.DECIMAL_DIGIT_NUMBER) {
            return true;
        }
        int value = Character.getNumericValue(cp);
        return type == Character.OTHER_NUMBER && value >= 0 && value <= 9;
    }

    /** Python's {@code str.isalnum}: letters and every kind of number. */
    private static boolean isAlnum(int cp) {
        int type = Character.getType(cp);
        return Character.isLetter(cp) || type == Character.DECIMAL_DIGIT_NUMBER || type == Character.LETTER_NUMBER
                || type == Character.OTHER_NUMBER;
    }

    /** Python's {@code isupper}/{@code islower}: at least one cased character, and none of the other case. */
    private static boolean cased(String s, boolean upper) {
        boolean any = false;
        for (int cp : s.codePoints().toArray()) {
            boolean isUpper = Character.isUpperCase(cp) || Character.isTitleCase(cp);
            boolean isLower = Character.isLowerCase(cp);
            if (upper ? (isLower || Character.isTitleCase(cp)) : isUpper) {
                return false;
            }
            any |= upper ? Character.isUpperCase(cp) : isLower;
        }
        return any;
    }

    private static boolean isCased(int cp) {
        return Character.isUpperCase(cp) || Character.isLowerCase(cp) || Character.isTitleCase(cp);
    }

    /** Python's {@code capitalize}: the first character in title case, the rest in lower case. */
    private static String capitalize(String s) {
        if (s.isEmpty()) {
            return s;
        }
        int first = s.codePointAt(0);
        String rest = s.substring(Character.charCount(first));
        return new StringBuilder().appendCodePoint(Character.toTitleCase(first))
                .append(rest.toLowerCase(Locale.ROOT)).toString();
    }

    /** Python's {@code title}: a character after a cased one in lower case, any other in title case. */
    private static String title(String s) {
        StringBuilder b = new StringBuilder();
        boolean previousCased = false;
        for (int cp : s.codePoints().toArray()) {
            int out = previousCased ? Character.toLowerCase(cp) : Character.toTitleCase(cp);
            b.appendCodePoint(out);
            previousCased = isCased(cp);
        }
        return b.toString();
    }

    private static String strip(Builtins.Args a, boolean left, boolean right) throws Builtins.CallError {
        int[] cps = a.str(0).codePoints().toArray();
        IntPredicate strip;
        if (a.size() == 2 && !(a.get(1) instanceof Value.Null)) {
            int[] chars = a.str(1).codePoints().toArray();
            strip = cp -> java.util.Arrays.stream(chars).anyMatch(c -> c == cp);
        } else {
            strip = StringFunctions::isSpace;
        }
        int from = 0;
        int to = cps.length;
        while (left && from < to && strip.test(cps[from])) {
            from++;
        }
        while (right && to > from && strip.test(cps[to - 1])) {
            to--;
        }
        return new String(cps, from, to - from);
    }

    private static Value split(Builtins.Args a, boolean fromRight) throws Builtins.CallError {
        String s = a.str(0);
        boolean whitespace = a.size() == 1 || a.get(1) instanceof Value.Null;
        long max = a.size() == 3 ? a.integer(2) : -1;
        List<String> parts;
        if (whitespace) {
            parts = splitWhitespace(s, max, fromRight);
        } else {
            String sep = nonEmpty(a, 1, "sep");
            parts = new ArrayList<>();
            if (!fromRight) {
                int from = 0;
                for (int at = s.indexOf(sep); at >= 0 && (max < 0 || parts.size() < max); at = s.indexOf(sep, from)) {
                    parts.add(s.substring(from, at));
                    from = at + sep.length();
                }
                parts.add(s.substring(from));
            } else {
                int to = s.length();
                for (int at = s.lastIndexOf(sep, to - sep.length()); at >= 0 && (max < 0 || parts.size() < max);
                        at = s.lastIndexOf(sep, to - sep.length())) {
                    parts.add(s.substring(at + sep.length(), to));
                    to = at;
                }
                parts.add(s.substring(0, to));
                parts = parts.reversed();
            }
        }
        return Value.ofStrings(parts);
    }

    /** Python's {@code str.split()} with no separator: runs of whitespace, none at the ends. */
    private static List<String> splitWhitespace(String s, long max, boolean fromRight) {
        int[] cps = s.codePoints().toArray();
        List<int[]> words = new ArrayList<>();
        int i = 0;
        while (i < cps.length) {
            while (i < cps.length && isSpace(cps[i])) {
                i++;
            }
            if (i == cps.length) {
                break;
            }
            int start = i;
            while (i < cps.length && !isSpace(cps[i])) {
                i++;
            }
            words.add(new int[] {start, i});
        }
        List<String> out = new ArrayList<>();
        if (max < 0 || words.size() <= max) {
            for (int[] w : words) {
                out.add(new String(cps, w[0], w[1] - w[0]));
            }
            return out;
        }
        int n = (int) max;
        if (!fromRight) {
            for (int k = 0; k < n; k++) {
                out.add(new String(cps, words.get(k)[0], words.get(k)[1] - words.get(k)[0]));
            }
            // The rest from the next word on, its trailing whitespace stripped.
            int start = words.get(n)[0];
            int end = words.getLast()[1];
            out.add(new String(cps, start, end - start));
        } else {
            int split = words.size() - n;
            int start = words.getFirst()[0];
            int end = words.get(split - 1)[1];
            out.add(new String(cps, start, end - start));
            for (int k = split; k < words.size(); k++) {
                out.add(new String(cps, words.get(k)[0], words.get(k)[1] - words.get(k)[0]));
            }
        }
        return out;
    }

    private static Value pad(Builtins.Args a, int how) throws Builtins.CallError {
        String s = a.str(0);
        long width = a.integer(1);
        int len = s.codePointCount(0, s.length());
        if (width <= len) {
            return Value.of(s);
        }
        checkSize(width, a);
        int margin = (int) width - len;
        int left = switch (how) {
            case 0 -> 0;
            case 1 -> margin;
            // Python's centering: the odd space goes left when the width is odd.
            default -> margin / 2 + (margin & (int) width & 1);
        };
        return Value.of(" ".repeat(left) + s + " ".repeat(margin - left));
    }

    private static Value zfill(Builtins.Args a) throws Builtins.CallError {
        String s = a.get(0) instanceof Value.Int || a.get(0) instanceof Value.FloatValue ? Builtins.text(a.get(0))
                : a.str(0);
        long width = a.integer(1);
        int len = s.codePointCount(0, s.length());
        if (width <= len) {
            return Value.of(s);
        }
        checkSize(width, a);
        String zeros = "0".repeat((int) width - len);
        if (s.startsWith("+") || s.startsWith("-")) {
            return Value.of(s.charAt(0) + zeros + s.substring(1));
        }
        return Value.of(zeros + s);
    }
}
