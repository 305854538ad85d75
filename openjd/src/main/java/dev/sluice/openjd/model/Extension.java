package dev.sluice.openjd.model;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** The template extensions sluice accepts in an environment's {@code extensions:} list. */
public enum Extension {
    /** OpenJD RFC 0005/0006: the expression language in format strings. */
    EXPR,
    /** OpenJD RFC 0003: {@code openjd_redacted_env} lines. */
    REDACTED_ENV_VARS,
    /** OpenJD RFC 0008: the three wrap hooks. Needs {@link #EXPR} too. */
    WRAP_ACTIONS,
    /** The earlier OpenJD draft of wrapping: {@code onWrapTaskRun} alone. */
    WRAP_TASK_RUN,
    /** sluice's own: {@code onMonitor}, a health check run while the environment is entered. */
    SLUICE_MONITOR;

    /** OpenJD extensions that exist but that sluice does not implement, so must reject. */
    static final List<String> UNSUPPORTED = List.of("TASK_CHUNKING", "FEATURE_BUNDLE_1", "SERVICE");

    /** The extension spelt exactly {@code name} (names are upper case). */
    public static Optional<Extension> named(String name) {
        return Arrays.stream(values()).filter(e -> e.name().equals(name)).findFirst();
    }

    /** The names, for messages. */
    static List<String> names() {
        return Arrays.stream(values()).map(Enum::name).toList();
    }
}
