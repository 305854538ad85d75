package dev.sluice.openjd.format;

import java.util.List;
import java.util.regex.Pattern;

/**
 * POSIX shell quoting with exactly the output of Python's {@code shlex.quote} and
 * {@code shlex.join}, which the OpenJD {@code repr_sh} function is specified to follow.
 */
public final class Shell {
    // shlex.quote's safe set: anything else (spaces, quotes, $, `, globs, non-ASCII) needs quoting.
    private static final Pattern UNSAFE = Pattern.compile("[^A-Za-z0-9@%+=:,./_-]");

    private Shell() {}

    /**
     * {@code s} as one shell word: unchanged if it is non-empty and all safe characters
     * ({@code A-Z a-z 0-9 @ % + = : , . / _ -}), {@code ''} if empty, otherwise wrapped in single
     * quotes with each {@code '} written as {@code '"'"'}.
     */
    public static String reprSh(String s) {
        if (s.isEmpty()) {
            return "''";
        }
        if (!UNSAFE.matcher(s).find()) {
            return s;
        }
        // Inside single quotes nothing is special except ' itself, which must close the quote,
        // appear inside double quotes, and reopen.
        return "'" + s.replace("'", "'\"'\"'") + "'";
    }

    /** Each element quoted with {@link #reprSh(String)}, joined by single spaces ({@code shlex.join}). */
    public static String reprSh(List<String> words) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < words.size(); i++) {
            if (i > 0) {
                b.append(' ');
            }
            b.append(reprSh(words.get(i)));
        }
        return b.toString();
    }
}
