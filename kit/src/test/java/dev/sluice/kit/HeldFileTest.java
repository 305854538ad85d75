package dev.sluice.kit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HeldFileTest {
    @TempDir
    Path dir;

    @Test
    void aHeldFileHasItsContentIsHeldWhileOpenAndGoesWhenClosed() throws Exception {
        Path file = dir.resolve("runs/r/mark");
        HeldFile held = HeldFile.create(file, "local\n");
        held.append("+42\n");
        assertThat(file).content().isEqualTo("local\n+42\n");
        assertThat(HeldFile.unheld(file)).as("its owner lives").isFalse();
        try (var names = Files.list(file.getParent())) {
            assertThat(names).as("no temporary file left").containsExactly(file);
        }
        held.close();
        assertThat(file).doesNotExist();
        assertThat(HeldFile.unheld(file)).as("no file, nothing to find").isFalse();
    }

    @Test
    void aFileNobodyHoldsIsUnheld() throws Exception {
        Path file = Files.writeString(dir.resolve("left"), "slurm\n");
        assertThat(HeldFile.unheld(file)).isTrue();
    }
}
