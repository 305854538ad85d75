import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassHierarchyResolver;
import java.lang.classfile.ClassModel;
import java.lang.classfile.ClassTransform;
import java.lang.classfile.CodeTransform;
import java.lang.constant.ClassDesc;
import java.lang.reflect.AccessFlag;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * Rewrites, in place, the classes of a jar that are older than class file version 50 (Java 6) as version
 * 52 with stack maps, their code otherwise unchanged: {@code java ClassFileUpgrade.java JAR...}.
 *
 * <p>Why (docs/adr/2026-11-22-local-launch-cost.md, 2026-12-04): the JVM's ahead-of-time cache leaves out
 * classes older than version 50 once they are linked, so picocli's classes (compiled for Java 5) were read,
 * verified by the old type-inferring verifier and run cold at every start, 90 ms of a one-task run's 360.
 * The JDK's class-file API regenerates each method's stack maps, which the current verifier checks when
 * the class loads, as for any class; the tool also checks them itself and refuses to write a jar it
 * cannot upgrade whole. The build runs it on the distribution's copy of the jar only.
 */
public final class ClassFileUpgrade {
    private static final int OLDEST_KEPT = 50;
    private static final int UPGRADED = 52;

    public static void main(String[] args) throws IOException {
        if (args.length == 0) {
            System.err.println("usage: java ClassFileUpgrade.java JAR...");
            System.exit(2);
        }
        for (String jar : args) {
            try {
                int upgraded = upgrade(Path.of(jar));
                System.out.println("ClassFileUpgrade: " + jar + ": " + upgraded + " classes upgraded to version "
                        + UPGRADED);
            } catch (IllegalStateException | IllegalArgumentException e) {
                System.err.println("ClassFileUpgrade: " + jar + ": " + e.getMessage() + "; the jar is left as it was");
                System.exit(1);
            }
        }
    }

    private record Entry(ZipEntry header, byte[] bytes) {
    }

    static int upgrade(Path jar) throws IOException {
        List<Entry> entries = new ArrayList<>();
        try (InputStream in = Files.newInputStream(jar); ZipInputStream zip = new ZipInputStream(in)) {
            for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
                if (e.getName().startsWith("META-INF/") && e.getName().endsWith(".SF")) {
                    throw new IllegalStateException("it is signed (" + e.getName() + "), and changing it would break"
                            + " the signature");
                }
                entries.add(new Entry(e, zip.readAllBytes()));
            }
        }
        ClassFile classFile = ClassFile.of(
                ClassFile.ClassHierarchyResolverOption.of(hierarchyOf(entries)),
                ClassFile.StackMapsOption.GENERATE_STACK_MAPS);
        ClassTransform toUpgraded = ClassTransform.transformingMethodBodies(CodeTransform.ACCEPT_ALL)
                .andThen(ClassTransform.endHandler(builder -> builder.withVersion(UPGRADED, 0)));
        int upgraded = 0;
        Path next = jar.resolveSibling(jar.getFileName() + ".upgrading");
        try (OutputStream out = Files.newOutputStream(next); ZipOutputStream zip = new ZipOutputStream(out)) {
            for (Entry entry : entries) {
                byte[] bytes = entry.bytes();
                if (isClass(entry)) {
                    ClassModel model = classFile.parse(bytes);
                    if (model.majorVersion() < OLDEST_KEPT) {
                        bytes = classFile.transformClass(model, toUpgraded);
                        var errors = classFile.verify(bytes);
                        if (!errors.isEmpty()) {
                            throw new IllegalStateException(entry.header().getName() + " does not verify once upgraded ("
                                    + errors.getFirst().getMessage() + ")");
                        }
                        upgraded++;
                    }
                }
                ZipEntry header = new ZipEntry(entry.header().getName());
                header.setTime(entry.header().getTime()); // the same bytes for the same input
                zip.putNextEntry(header);
                zip.write(bytes);
                zip.closeEntry();
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(next);
            throw e;
        }
        Files.move(next, jar, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return upgraded;
    }

    private static boolean isClass(Entry entry) {
        String name = entry.header().getName();
        return name.endsWith(".class") && !name.endsWith("module-info.class");
    }

    /** The jar's own classes, then the JDK's: stack maps need the common supertype of two types. */
    private static ClassHierarchyResolver hierarchyOf(List<Entry> entries) {
        Map<ClassDesc, ClassHierarchyResolver.ClassHierarchyInfo> own = new HashMap<>();
        for (Entry entry : entries) {
            if (isClass(entry)) {
                ClassModel model = ClassFile.of().parse(entry.bytes());
                var info = model.flags().has(AccessFlag.INTERFACE)
                        ? ClassHierarchyResolver.ClassHierarchyInfo.ofInterface()
                        : ClassHierarchyResolver.ClassHierarchyInfo.ofClass(
                                model.superclass().map(c -> c.asSymbol()).orElse(null));
                if (entry.header().getName().startsWith("META-INF/versions/")) {
                    own.putIfAbsent(model.thisClass().asSymbol(), info); // the base class's place comes first
                } else {
                    own.put(model.thisClass().asSymbol(), info);
                }
            }
        }
        ClassHierarchyResolver ofJar = own::get;
        return ofJar.orElse(ClassHierarchyResolver.defaultResolver());
    }
}
