package dev.sluice.host;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Real tools some tests check sluice's output with: {@code chromium} (the HTML report) and
 * {@code promtool} (the metrics exposition). A test calls {@link #require} first: without the tool it is
 * skipped, or, when {@value #REQUIRE_VARIABLE} is set (CI sets it), it fails; both say to run
 * {@code .ci/tools-up}.
 */
public final class Tools {
    /** Set (to anything) where a missing tool must fail the tests that need it rather than skip them. */
    public static final String REQUIRE_VARIABLE = "SLUICE_REQUIRE_TOOLS";

    private Tools() {
    }

    /** The tool's path on the PATH; skips or fails the calling test when it is not there. */
    public static Path require(String tool) {
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(File.pathSeparator)) {
                Path candidate = Path.of(dir.isEmpty() ? "." : dir, tool);
                if (Files.isExecutable(candidate)) {
                    return candidate;
                }
            }
        }
        String message = "this test needs " + tool + " on the PATH; run .ci/tools-up (as root) to install it";
        String required = System.getenv(REQUIRE_VARIABLE);
        if (required != null && !required.isEmpty()) {
            Assertions.fail(message + " (" + REQUIRE_VARIABLE + " is set, so this fails instead of skipping)");
        }
        Assumptions.abort(message);
        return null;
    }
}
