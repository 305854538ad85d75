package dev.sluice.gate;

/**
 * What a plugin's fault means, in its author's words: the message without the Java types a wrapped
 * exception puts before it, and a missing class named with the fix. The host and this manager both
 * describe plugin faults with it, so a gate's {@code prepare()} and a plugin's constructor say the same.
 */
public final class PluginFaults {
    /** Why a class a plugin uses can be missing, and the fix. */
    public static final String BUNDLE_HINT = "plugins see only the SPI, PF4J and slf4j of the host; bundle the"
            + " library that has it in the plugin's lib/ (a runtime dependency of the plugin's build)";

    private PluginFaults() {
    }

    /**
     * The class whose absence caused {@code failure} ({@code NoClassDefFoundError} or
     * {@code ClassNotFoundException} anywhere in its causes), dotted, or {@code null}.
     */
    public static String missingClass(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof NoClassDefFoundError || t instanceof ClassNotFoundException) {
                String name = t.getMessage() == null ? "" : t.getMessage().strip();
                int space = name.indexOf(' ');
                return (space < 0 ? name : name.substring(0, space)).replace('/', '.');
            }
        }
        return null;
    }

    /** What a missing class means for a plugin, and the fix. */
    public static String missingClassProblem(String className) {
        return "class " + className + " is missing: " + BUNDLE_HINT;
    }

    /**
     * The failure's message and, when it adds something, its root cause's, without Java type names;
     * {@code null} when neither says anything.
     */
    public static String describe(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = words(e.getMessage());
        String rootMessage = words(root.getMessage());
        if (message == null) {
            return rootMessage;
        }
        return rootMessage == null || message.contains(rootMessage) ? message : message + " (" + rootMessage + ")";
    }

    /**
     * A message without the exception type Java puts before a wrapped one's ({@code new X(cause)} says
     * {@code "java.lang.IllegalStateException: ..."}), or {@code null} when it says nothing.
     */
    private static String words(String message) {
        if (message == null) {
            return null;
        }
        String m = message.replaceFirst("^(?:[a-z_$][\\w$]*\\.)+[A-Z][\\w$]*: ", "").strip();
        return m.isEmpty() ? null : m;
    }
}
