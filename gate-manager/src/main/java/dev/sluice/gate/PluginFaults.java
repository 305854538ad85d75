package dev.sluice.gate;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a plugin's fault means, in its author's words: the message without the Java types a wrapped
 * exception puts before it, a missing class named with the fix, and a class whose static initializer
 * failed named with what it threw. The host and this manager both describe plugin faults with it, so a
 * gate's {@code prepare()} and a plugin's constructor say the same.
 */
public final class PluginFaults {
    /** Why a class a plugin uses can be missing, and the fix. */
    public static final String BUNDLE_HINT = "plugins see only the SPI, PF4J and slf4j of the host; bundle the"
            + " library that has it in the plugin's lib/ (a runtime dependency of the plugin's build)";

    /** What the JVM says, on every use after the first, of a class whose static initializer failed. */
    private static final String NOT_INITIALIZED = "Could not initialize class ";

    /** One or more Java type names a wrapped exception's message starts with, each with its colon or alone. */
    private static final Pattern TYPE_PREFIXES = Pattern.compile("^(?:(?:[a-z_$][\\w$]*\\.)+[A-Z][\\w$]*(?::\\s*|\\s*$))+");

    /**
     * The message the JVM gives the {@code ExceptionInInitializerError} it keeps for a class whose
     * initializer failed: {@code Exception java.lang.IllegalStateException: boom [in thread "main"]}.
     */
    private static final Pattern KEPT_FAILURE = Pattern.compile(
            "^Exception ((?:[a-z_$][\\w$]*\\.)+[A-Z][\\w$]*)(?::\\s*(.*?))?\\s*\\[in thread \".*\"]\\s*$", Pattern.DOTALL);

    private PluginFaults() {
    }

    /**
     * The class whose absence caused {@code failure} ({@code NoClassDefFoundError} or
     * {@code ClassNotFoundException} anywhere in its causes), dotted, or {@code null}. A class that is
     * there but whose static initializer failed is not missing ({@link #failedInitializer}): the JVM says
     * {@code NoClassDefFoundError: Could not initialize class ...} of it, too.
     */
    public static String missingClass(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (isNotInitialized(t)) {
                continue;
            }
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
     * Which class's static initializer failed, and with what, when that caused {@code failure}, or
     * {@code null}: {@code "class org.x.Foo failed in its static initializer: <its message>"}. The first use
     * of such a class throws {@code ExceptionInInitializerError} with what the initializer threw; every
     * later one {@code NoClassDefFoundError: Could not initialize class org.x.Foo}.
     */
    public static String failedInitializer(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ExceptionInInitializerError kept && isKept(kept)) {
                return initializerProblem(initializedClass(kept), keptWhy(kept));
            }
            if (t instanceof ExceptionInInitializerError first) {
                Throwable thrown = first.getCause();
                String className = thrown == null ? null : initializedClass(thrown);
                String why = thrown == null ? null : missingClass(thrown) != null
                        ? missingClassProblem(missingClass(thrown)) : describe(thrown);
                return initializerProblem(className, why);
            }
            if (isNotInitialized(t)) {
                String message = t.getMessage() == null ? "" : t.getMessage().strip();
                String className = message.startsWith(NOT_INITIALIZED)
                        ? message.substring(NOT_INITIALIZED.length()).strip() : null;
                String why = null;
                for (Throwable c = t.getCause(); c != null && why == null; c = c.getCause() == c ? null : c.getCause()) {
                    if (className == null) {
                        className = initializedClass(c);
                    }
                    why = keptWhy(c);
                }
                return initializerProblem(className, why);
            }
        }
        return null;
    }

    /**
     * What a class a plugin uses being unusable means, and the fix where there is one: its static initializer
     * failed ({@link #failedInitializer}), or it is missing ({@link #missingClassProblem}); {@code null} when
     * neither caused {@code failure}.
     */
    public static String classProblem(Throwable failure) {
        String initializer = failedInitializer(failure);
        if (initializer != null) {
            return initializer;
        }
        String missing = missingClass(failure);
        return missing == null ? null : missingClassProblem(missing);
    }

    private static String initializerProblem(String className, String why) {
        return (className == null ? "a class" : "class " + className) + " failed in its static initializer"
                + (why == null ? ", without a message" : ": " + why);
    }

    /** {@code NoClassDefFoundError: Could not initialize class ...}, or one whose cause is the kept failure. */
    private static boolean isNotInitialized(Throwable t) {
        return t instanceof NoClassDefFoundError && (t.getMessage() != null
                && t.getMessage().strip().startsWith(NOT_INITIALIZED) || t.getCause() instanceof ExceptionInInitializerError);
    }

    /** The JVM's record of an earlier initializer failure: no cause, its message names what was thrown. */
    private static boolean isKept(ExceptionInInitializerError e) {
        return e.getCause() == null && e.getMessage() != null && KEPT_FAILURE.matcher(e.getMessage().strip()).matches();
    }

    /** What the initializer threw, in words, from the JVM's record of it, or {@code null}. */
    private static String keptWhy(Throwable kept) {
        if (kept.getMessage() == null) {
            return describe(kept);
        }
        Matcher m = KEPT_FAILURE.matcher(kept.getMessage().strip());
        if (!m.matches()) {
            return describe(kept);
        }
        String type = m.group(1);
        String message = m.group(2);
        if ((type.equals(NoClassDefFoundError.class.getName()) || type.equals(ClassNotFoundException.class.getName()))
                && message != null && !message.isBlank() && !message.strip().startsWith(NOT_INITIALIZED)) {
            String name = message.strip();
            int space = name.indexOf(' ');
            return missingClassProblem((space < 0 ? name : name.substring(0, space)).replace('/', '.'));
        }
        return words(message);
    }

    /** The class whose {@code <clinit>} is nearest the top of {@code thrown}'s stack, or {@code null}. */
    private static String initializedClass(Throwable thrown) {
        for (StackTraceElement frame : thrown.getStackTrace()) {
            if ("<clinit>".equals(frame.getMethodName())) {
                return frame.getClassName();
            }
        }
        return null;
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
     * A message without the exception types Java puts before a wrapped one's ({@code new X(cause)} says
     * {@code "java.lang.IllegalStateException: ..."}, or just the type when the cause had no message; wrapped
     * twice, two of them), or {@code null} when nothing else is left.
     */
    static String words(String message) {
        if (message == null) {
            return null;
        }
        String m = TYPE_PREFIXES.matcher(message.strip()).replaceFirst("").strip();
        return m.isEmpty() ? null : m;
    }
}
