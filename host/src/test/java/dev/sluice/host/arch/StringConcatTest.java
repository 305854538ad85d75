package dev.sluice.host.arch;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.classfile.Attributes;
import java.lang.classfile.BootstrapMethodEntry;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The host's code (and the SPI's and the kit's it runs) concatenates strings with plain calls, not through
 * {@code invokedynamic}: the parent pom compiles with {@code -XDstringConcat=inline}, which made 2,000 short
 * tasks 5 % sooner on the host's C1-only JVM. A figure no noise moves, so that losing the option fails here.
 */
class StringConcatTest {
    private static final String FACTORY = "java/lang/invoke/StringConcatFactory";

    private final List<String> offenders = new ArrayList<>();
    private int classes;

    @Test
    void noClassConcatenatesThroughInvokedynamic() throws Exception {
        // A class of each module the host runs: its classes directory, or its jar.
        for (Class<?> of : List.of(dev.sluice.host.cli.SluiceMain.class, dev.sluice.spi.SubmittedTask.class,
                dev.sluice.kit.IoErrors.class, dev.sluice.yaml.Fields.class, dev.sluice.openjd.model.ActionDef.class,
                dev.sluice.gate.TaskGateManager.class)) {
            Path location = Path.of(of.getProtectionDomain().getCodeSource().getLocation().toURI());
            int before = classes;
            if (Files.isDirectory(location)) {
                check(location, location.toString());
            } else {
                try (FileSystem jar = FileSystems.newFileSystem(location)) {
                    check(jar.getPath("/"), location.toString());
                }
            }
            assertThat(classes - before).as("classes in %s", location).isGreaterThan(0);
        }
        assertThat(offenders).as("classes whose string concatenation goes through %s: is -XDstringConcat=inline"
                + " still among the compiler's arguments in the parent pom.xml? Or is a jar stale (a module built"
                + " before it, from ~/.m2: build with -am, or ./build install)?", FACTORY).isEmpty();
    }

    private void check(Path root, String where) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                classes++;
                ClassModel model = ClassFile.of().parse(Files.readAllBytes(file));
                boolean concatenates = model.findAttribute(Attributes.bootstrapMethods()).stream()
                        .flatMap(a -> a.bootstrapMethods().stream()).map(BootstrapMethodEntry::bootstrapMethod)
                        .anyMatch(m -> m.reference().owner().asInternalName().equals(FACTORY));
                if (concatenates) {
                    offenders.add(model.thisClass().asInternalName() + " (" + where + ")");
                }
            }
        }
    }
}
