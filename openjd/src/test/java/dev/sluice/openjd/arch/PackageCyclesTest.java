package dev.sluice.openjd.arch;

import dev.sluice.kit.testing.PackageCycles;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The environments' packages (action, format, model, session) depend on each other in one direction only. */
class PackageCyclesTest {
    @Test
    void openjdPackagesHaveNoCycles() throws IOException {
        PackageCycles.assertNone(Path.of("src/main/java"), "dev.sluice.openjd", 4);
    }
}
