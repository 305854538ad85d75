package dev.sluice.host.pipeline;

import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code {{ Task.Param.<name> }}} templates of pipeline text (spaces inside the braces optional).
 * Other {@code {{ ... }}} expressions are not this class's business and stay as written.
 */
public final class Templates {
    private static final Pattern PARAM = Pattern.compile("\\{\\{\\s*Task\\.Param\\.([A-Za-z_][A-Za-z0-9_]*)\\s*}}");

    private Templates() {
    }

    /** The param names {@code text} refers to, in order of first use. */
    public static Set<String> paramNames(String text) {
        Set<String> names = new LinkedHashSet<>();
        Matcher m = PARAM.matcher(text);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    /**
     * {@code text} with every {@code {{ Task.Param.<name> }}} whose name is in {@code params} replaced by
     * its value; a template naming another param is left as written.
     */
    public static String substituteParams(String text, Map<String, String> params) {
        if (text == null || text.indexOf("{{") < 0) {
            return text;
        }
        Matcher m = PARAM.matcher(text);
        StringBuilder out = new StringBuilder(text.length());
        while (m.find()) {
            String value = params.get(m.group(1));
            m.appendReplacement(out, Matcher.quoteReplacement(value != null ? value : m.group()));
        }
        m.appendTail(out);
        return out.toString();
    }
}
