package dev.sluice.kit.testing;

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

/**
 * A module's packages depend on each other in one direction only: a package that needs another's
 * types never is needed back, so each can be read (and moved) on its own. Read from the sources:
 * every class in another package is named by an import or a qualified name.
 *
 * <p>Shared by every module's {@code PackageCyclesTest} (through the kit's test jar), so that each
 * module keeps the same rule with one reader and one cycle search.
 */
public final class PackageCycles {
    private PackageCycles() {
    }

    /**
     * Fails when the packages under {@code rootPackage} in {@code sources} depend on each other in a
     * cycle.
     *
     * @param sources     a module's main sources, e.g. {@code src/main/java}
     * @param rootPackage the module's packages, e.g. {@code dev.sluice.host}
     * @param atLeast     how many packages there are at least, so that a wrong path cannot pass
     */
    public static void assertNone(Path sources, String rootPackage, int atLeast) throws IOException {
        Map<String, Set<String>> uses = dependencies(sources, rootPackage);
        assertThat(uses).as("packages read from " + sources.toAbsolutePath()).hasSizeGreaterThanOrEqualTo(atLeast);
        assertThat(cycles(uses)).as("package cycles under " + rootPackage).isEmpty();
    }

    /** Each package under {@code rootPackage} in {@code sources}, with the packages under it that it uses. */
    public static Map<String, Set<String>> dependencies(Path sources, String rootPackage) throws IOException {
        String root = Pattern.quote(rootPackage);
        Pattern packagePattern = Pattern.compile("^package (" + root + "[\\w.]*);", Pattern.MULTILINE);
        // A reference to a type of the module: packages are lower case, the type starts upper case.
        Pattern reference = Pattern.compile("\\b(" + root + "(?:\\.[a-z]\\w*)*)\\.[A-Z]");
        Map<String, Set<String>> uses = new TreeMap<>();
        try (Stream<Path> files = Files.walk(sources)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                String text = Files.readString(file);
                Matcher pkg = packagePattern.matcher(text);
                if (!pkg.find()) {
                    continue;
                }
                Set<String> mine = uses.computeIfAbsent(pkg.group(1), p -> new TreeSet<>());
                Matcher ref = reference.matcher(text.substring(pkg.end()));
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
    public static List<List<String>> cycles(Map<String, Set<String>> uses) {
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
