package dev.sluice.host.executor.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The system call numbers {@link Libc} uses, against the kernel's own headers where they are installed
 * (Debian's linux-libc-dev): the AArch64 table can be checked here although the tests run on x86-64.
 */
class SyscallsTest {
    private static final Pattern DEFINE = Pattern.compile("^#define __NR_(\\w+)\\s+(\\d+)\\s*$", Pattern.MULTILINE);

    @Test
    void x8664NumbersAreTheKernels() throws IOException {
        assertMatches(Libc.Syscalls.X86_64, Path.of("/usr/include/x86_64-linux-gnu/asm/unistd_64.h"));
    }

    @Test
    void aarch64NumbersAreTheKernelsGenericTable() throws IOException {
        assertMatches(Libc.Syscalls.AARCH64, Path.of("/usr/include/asm-generic/unistd.h"));
    }

    private static void assertMatches(Libc.Syscalls table, Path header) throws IOException {
        Assumptions.assumeTrue(Files.isReadable(header), header + " is not installed");
        Map<String, Long> kernel = new HashMap<>();
        Matcher m = DEFINE.matcher(Files.readString(header));
        while (m.find()) {
            kernel.put(m.group(1), Long.parseLong(m.group(2)));
        }
        for (RecordComponent c : Libc.Syscalls.class.getRecordComponents()) {
            String name = c.getName().replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase(java.util.Locale.ROOT);
            long ours;
            try {
                ours = (long) c.getAccessor().invoke(table);
            } catch (ReflectiveOperationException e) {
                throw new AssertionError(e);
            }
            assertThat(kernel).as("%s in %s", name, header).containsEntry(name, ours);
        }
    }
}
