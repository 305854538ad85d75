package dev.sluice.host.arch;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The distribution's {@code jvm.options} (the java argument file that {@code ./sluice}, {@code ./build}, the
 * host's ITs and the bench scripts start the host with): a JVM accepts it, and every method a compile
 * command names still exists, so that a rename cannot silently turn a measured option into a no-op.
 */
class HostJvmOptionsTest {
    private static final Path OPTIONS = Path.of("src/dist/jvm.options");

    @Test
    void aJvmAcceptsTheFileWithoutAWord() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process jvm = new ProcessBuilder(java, "@" + OPTIONS.toAbsolutePath(), "-version").redirectErrorStream(true)
                .start();
        String output = new String(jvm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(jvm.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(jvm.exitValue()).as(output).isZero();
        // A misspelt option fails the exit code above. The JVM prints every compile command at start unless
        // -XX:CompileCommand=quiet comes first; a command that matches no method is not reported at all
        // (hence the next test).
        assertThat(output).as(output).doesNotContainIgnoringCase("CompileCommand").doesNotContain("Unrecognized")
                .doesNotContainIgnoringCase("warning");
    }

    @Test
    void theLauncherReliesOnNativeAccessAndTheClientCompiler() throws IOException {
        assertThat(options()).contains("--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1");
    }

    @Test
    void everyMethodACompileCommandNamesExists() throws Exception {
        List<String> targets = new ArrayList<>();
        for (String option : options()) {
            if (option.startsWith("-XX:CompileCommand=") && !option.equals("-XX:CompileCommand=quiet")) {
                String[] parts = option.substring("-XX:CompileCommand=".length()).split(",", 2);
                assertThat(parts).as(option).hasSize(2);
                targets.add(parts[1]);
            }
        }
        assertThat(targets).isNotEmpty();
        for (String target : targets) {
            String[] classAndMethod = target.split("::", 2);
            assertThat(classAndMethod).as(target).hasSize(2);
            Class<?> type = Class.forName(classAndMethod[0], false, getClass().getClassLoader());
            List<String> names = Arrays.stream(type.getDeclaredMethods()).map(Method::getName).toList();
            if (classAndMethod[1].equals("*")) {
                assertThat(names).as(target).isNotEmpty();
            } else {
                assertThat(names).as(target).contains(classAndMethod[1]);
            }
        }
    }

    @Test
    void theLoggingProviderNamedToSlf4jIsOne() throws Exception {
        String provider = options().stream().filter(o -> o.startsWith("-Dslf4j.provider=")).findFirst()
                .orElseThrow().substring("-Dslf4j.provider=".length());
        assertThat(org.slf4j.spi.SLF4JServiceProvider.class.isAssignableFrom(Class.forName(provider))).isTrue();
        // Else SLF4J says on the console, at every start, that it was told which provider to use.
        assertThat(options()).contains("-Dslf4j.internal.verbosity=WARN");
    }

    private static List<String> options() throws IOException {
        List<String> options = new ArrayList<>();
        for (String line : Files.readAllLines(OPTIONS)) {
            String trimmed = line.strip();
            if (!trimmed.isEmpty() && !trimmed.startsWith("#")) {
                options.addAll(Arrays.asList(trimmed.split("\\s+")));
            }
        }
        return options;
    }
}
