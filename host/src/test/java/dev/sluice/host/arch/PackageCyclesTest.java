package dev.sluice.host.arch;

import dev.sluice.kit.testing.PackageCycles;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The host's packages depend on each other in one direction only (see {@link PackageCycles}). */
class PackageCyclesTest {
    @Test
    void hostPackagesHaveNoCycles() throws IOException {
        PackageCycles.assertNone(Path.of("src/main/java"), "dev.sluice.host", 11);
    }
}
