package dev.sluice.host.arch;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.CodeModel;
import java.lang.classfile.MethodModel;
import java.lang.classfile.instruction.InvokeDynamicInstruction;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The methods a run goes through at every start or for every task (and the dispatcher's next step, in every run
 * with a dependent process) test types in a chain rather than switch on patterns: javac compiles such a switch
 * to an {@code invokedynamic} whose class the JDK generates at run time (the ahead-of-time cache of JDK 25 holds
 * none) and calls through method handles, slow until compiled. Without these four, a one-task run loaded 3
 * classes fewer outside the cache and 2,000 short tasks took 2 % less time
 * (bench/results/dispatch-2026-12-05-stop32.md). A figure no noise moves: a switch on patterns put back fails
 * here. SealedSwitchesTest keeps the compiler's check that each sealed kind is handled.
 */
class TypeSwitchTest {
    private static final String BOOTSTRAPS = "java/lang/runtime/SwitchBootstraps";

    /** The methods, by class. */
    private static final Map<Class<?>, List<String>> HOT = Map.of(
            dev.sluice.host.events.EventLog.class, List.of("value"),
            classNamed("dev.sluice.host.monitor.Outcomes"), List.of("apply"),
            classNamed("dev.sluice.host.monitor.Dispatcher"), List.of("follow"),
            dev.sluice.host.pipeline.PipelineLoader.class, List.of("checkTemplates"));

    @Test
    void theMethodsEveryRunAndTaskGoesThroughHaveNoSwitchOnPatterns() throws IOException {
        List<String> offenders = new ArrayList<>();
        java.util.Set<String> found = new java.util.TreeSet<>();
        for (Map.Entry<Class<?>, List<String>> e : HOT.entrySet()) {
            ClassModel model = model(e.getKey());
            for (MethodModel method : model.methods()) {
                String name = method.methodName().stringValue();
                // The method itself, and the lambdas javac made of its body (lambda$<name>$<n>).
                String of = e.getValue().stream().filter(m -> name.equals(m) || name.startsWith("lambda$" + m + "$"))
                        .findFirst().orElse(null);
                if (of == null) {
                    continue;
                }
                if (name.equals(of)) {
                    found.add(e.getKey().getSimpleName() + "." + of);
                }
                boolean switches = method.code().stream().flatMap(CodeModel::elementStream)
                        .filter(InvokeDynamicInstruction.class::isInstance).map(InvokeDynamicInstruction.class::cast)
                        .anyMatch(i -> i.bootstrapMethod().owner().descriptorString().equals("L" + BOOTSTRAPS + ";"));
                if (switches) {
                    offenders.add(e.getKey().getSimpleName() + "." + name);
                }
            }
        }
        java.util.Set<String> expected = new java.util.TreeSet<>();
        HOT.forEach((type, methods) -> methods.forEach(m -> expected.add(type.getSimpleName() + "." + m)));
        assertThat(found).as("the methods named here exist").isEqualTo(expected);
        assertThat(offenders).as("methods that switch on patterns through %s", BOOTSTRAPS).isEmpty();
    }

    private static ClassModel model(Class<?> type) throws IOException {
        try (InputStream in = type.getResourceAsStream(type.getSimpleName() + ".class")) {
            assertThat(in).as("the class file of %s", type).isNotNull();
            return ClassFile.of().parse(in.readAllBytes());
        }
    }

    private static Class<?> classNamed(String name) {
        try {
            return Class.forName(name, false, TypeSwitchTest.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new AssertionError(name + " is gone; update the list", e);
        }
    }
}
