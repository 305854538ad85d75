package dev.sluice.host.cli;

import java.io.Console;
import java.lang.reflect.Method;

/** Whether standard output is an interactive terminal that understands ANSI escapes. */
final class Terminal {
    private Terminal() {
    }

    static boolean isInteractive() {
        String term = System.getenv("TERM");
        if (term == null || term.equals("dumb") || System.getenv("CI") != null) {
            return false;
        }
        Console console = System.console();
        if (console == null) {
            return false;
        }
        // Since JDK 22 System.console() is non-null even when redirected; isTerminal() tells.
        try {
            Method isTerminal = Console.class.getMethod("isTerminal");
            return (Boolean) isTerminal.invoke(console);
        } catch (ReflectiveOperationException e) {
            return true;
        }
    }
}
