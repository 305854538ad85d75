package dev.sluice.openjd.action;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The secret values of one session ({@code openjd_redacted_env} values), masked as {@value #MASK} in
 * every log line that any runner of the session writes after the secret was registered. Share one
 * instance between all the {@link ActionRunner}s of a session. Thread-safe.
 */
public final class SessionSecrets {
    /** What a secret is replaced with; its length says nothing about the secret's. */
    public static final String MASK = "********";

    /** Values masked wherever they occur in a line. */
    private final Set<String> values = ConcurrentHashMap.newKeySet();
    /**
     * Inner lines of multi-line secrets, masked only when they are a whole line: short inner lines such
     * as "}" would otherwise mask unrelated text everywhere.
     */
    private final Set<String> wholeLines = ConcurrentHashMap.newKeySet();

    /** Creates an empty set of secrets. */
    public SessionSecrets() {
    }

    /**
     * Registers a secret. A multi-line secret also registers its first line (as the end of a log line),
     * its last line (as the start of one) and its inner lines (as whole lines), since logs are written
     * line by line.
     */
    public void register(String secret) {
        if (secret == null || secret.isEmpty()) {
            return;
        }
        values.add(secret);
        String[] parts = secret.split("\r\n|\r|\n", -1);
        if (parts.length == 1) {
            return;
        }
        for (int i = 0; i < parts.length; i++) {
            if (parts[i].isEmpty()) {
                continue;
            }
            if (i == 0 || i == parts.length - 1) {
                values.add(parts[i]);
            } else {
                wholeLines.add(parts[i]);
            }
        }
    }

    /** Whether no secret is registered. */
    public boolean isEmpty() {
        return values.isEmpty();
    }

    /** The text with every registered secret replaced by {@value #MASK}; overlapping secrets become one mask. */
    public String redact(String text) {
        if (text == null || values.isEmpty()) {
            return text;
        }
        if (wholeLines.contains(text)) {
            return MASK;
        }
        List<int[]> spans = new ArrayList<>();
        for (String secret : values) {
            for (int at = text.indexOf(secret); at >= 0; at = text.indexOf(secret, at + 1)) {
                spans.add(new int[] {at, at + secret.length()});
            }
        }
        if (spans.isEmpty()) {
            return text;
        }
        spans.sort((a, b) -> Integer.compare(a[0], b[0]));
        StringBuilder out = new StringBuilder(text.length());
        int copied = 0;
        int spanStart = spans.getFirst()[0];
        int spanEnd = spans.getFirst()[1];
        for (int[] span : spans.subList(1, spans.size())) {
            if (span[0] <= spanEnd) {
                spanEnd = Math.max(spanEnd, span[1]);
            } else {
                out.append(text, copied, spanStart).append(MASK);
                copied = spanEnd;
                spanStart = span[0];
                spanEnd = span[1];
            }
        }
        out.append(text, copied, spanStart).append(MASK).append(text, spanEnd, text.length());
        return out.toString();
    }
}
