package dev.sluice.host.arch;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The host's packages depend on each other in one direction only: a package that needs another's
 * types never is needed back, so each can be read (and moved) on its own. Read from the sources:
 * every class in another package is named by an import or a qualified name.
 */
class PackageCyclesTest {
    private static final Path SOURCES = Path.of("src/main/java");
    private static final Pattern PACKAGE = Pattern.compile("^package (dev\\.sluice\\.host[\\w.]*);", Pattern.MULTILINE);
    /** A reference to a host type: packages are lower case, the type starts upper case. */
    private static final Pattern REFERENCE = Pattern.compile("\\b(dev\\.sluice\\.host(?:\\.[a-z]\\w*)*)\\.[A-Z]");

    @Test
    void hostPackagesHaveNoCycles() throws IOException {
        Map<String, Set<String>> uses = dependencies();
        assertThat(uses).as("packages read from " + SOURCES.toAbsolutePath()).hasSizeGreaterThan(10);
        assertThat(cycles(uses)).isEmpty();
    }

    @Test
    void aCycleIsFound() {
        Map<String, Set<String>> uses = new TreeMap<>();
        uses.put("a", Set.of("b"));
        uses.put("b", Set.of("c"));
        uses.put("c", Set.of("a"));
        uses.put("d", Set.of("a"));
        assertThat(cycles(uses)).containsExactly(List.of("a", "b", "c"));
    }

    private static Map<String, Set<String>> dependencies() throws IOException {
        Map<String, Set<String>> uses = new TreeMap<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                String text = Files.readString(file);
                Matcher pkg = PACKAGE.matcher(text);
                if (!pkg.find()) {
                    continue;
                }
                Set<String> mine = uses.computeIfAbsent(pkg.group(1), p -> new TreeSet<>());
                Matcher ref = REFERENCE.matcher(text.substring(pkg.end()));
                while (ref.find()) {
                    if (!ref.group(1).equals(pkg.group(1))) {
                        mine.add(ref.group(1));
                    }
                }
            }
        }
        return uses;
    }

    /** The strongly connected groups of more than one package (Tarjan), each sorted. */
    static List<List<String>> cycles(Map<String, Set<String>> uses) {
        List<List<String>> found = new ArrayList<>();
        Map<String, Integer> index = new TreeMap<>();
        Map<String, Integer> low = new TreeMap<>();
        Deque<String> stack = new ArrayDeque<>();
        Set<String> onStack = new TreeSet<>();
        for (String start : uses.keySet()) {
            if (!index.containsKey(start)) {
                visit(start, uses, index, low, stack, onStack, found);
            }
        }
        return found;
    }

    private static void visit(String v, Map<String, Set<String>> uses, Map<String, Integer> index,
            Map<String, Integer> low, Deque<String> stack, Set<String> onStack, List<List<String>> found) {
        index.put(v, index.size());
        low.put(v, index.get(v));
        stack.push(v);
        onStack.add(v);
        for (String w : uses.getOrDefault(v, Set.of())) {
            if (!index.containsKey(w)) {
                visit(w, uses, index, low, stack, onStack, found);
                low.put(v, Math.min(low.get(v), low.get(w)));
            } else if (onStack.contains(w)) {
                low.put(v, Math.min(low.get(v), index.get(w)));
            }
        }
        if (low.get(v).equals(index.get(v))) {
            List<String> group = new ArrayList<>();
            String w;
            do {
                w = stack.pop();
                onStack.remove(w);
                group.add(w);
            } while (!w.equals(v));
            if (group.size() > 1) {
                group.sort(null);
                found.add(group);
            }
        }
    }
}
