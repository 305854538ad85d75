package dev.sluice.host.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A new plugin project, written from the templates under {@code plugin-templates/} in this package:
 * a pom whose parent is {@code sluice-plugin-parent}, one extension of the chosen kind, its unit test
 * on a fake clock, a test that runs a pipeline through the built zip in a real sluice, an example
 * pipeline and a README. The templates are complete, tested plugins (CI builds each kind from scratch),
 * so a project starts green.
 */
final class PluginProject {
    /** As the plugin parent checks {@code plugin.id}. */
    static final Pattern ID = Pattern.compile("[a-z][a-z0-9-]*");
    private static final Pattern PACKAGE = Pattern.compile("[a-z_][a-z0-9_]*(\\.[a-z_][a-z0-9_]*)*");
    private static final Pattern GROUP = Pattern.compile("[A-Za-z0-9_.-]+");

    /** The extension points a project can start from, with the class name's suffix and a description. */
    enum Kind {
        GATE("Gate", "Readiness gate: a task waits until the file its hint names exists."),
        EXECUTOR("Executor", "Executor: runs each task as a process on this machine, a few at a time."),
        WRAPPER("Wrapper", "Task wrapper: runs a task under nice at the niceness its hint asks for."),
        MONITOR("Monitor", "Health monitor: fails a task whose output has stopped growing.");

        final String suffix;
        final String description;

        Kind(String suffix, String description) {
            this.suffix = suffix;
            this.description = description;
        }

        String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final String id;
    private final Kind kind;
    private final String packageName;
    private final String groupId;
    private final String description;
    private final String sluiceVersion;

    PluginProject(String id, Kind kind, String packageName, String groupId, String description, String sluiceVersion) {
        this.id = id;
        this.kind = kind;
        this.packageName = packageName;
        this.groupId = groupId;
        this.description = description;
        this.sluiceVersion = sluiceVersion;
    }

    /** Why these names cannot make a project, one problem per line with its fix; empty when they can. */
    static List<String> problems(String id, String packageName, String groupId) {
        List<String> problems = new ArrayList<>();
        if (!ID.matcher(id).matches()) {
            problems.add("plugin id '" + id + "': use lower-case letters, digits and '-', starting with a letter"
                    + " (pipelines enable the plugin by it), e.g. 'quota' or 'disk-space'");
        }
        if (packageName != null && !PACKAGE.matcher(packageName).matches()) {
            problems.add("--package '" + packageName + "': write a Java package name in lower case, e.g. org.example.quota");
        }
        // A package part that is a Java keyword (`default`, `new`) makes a project that does not compile.
        String pkg = packageName != null ? packageName : defaultPackage(id);
        for (String part : pkg.split("\\.")) {
            if (javax.lang.model.SourceVersion.isKeyword(part)) {
                problems.add((packageName != null ? "--package '" + packageName + "'" : "plugin id '" + id
                        + "' makes the package " + pkg + ", which") + " holds the Java keyword '" + part
                        + "'; " + (packageName != null ? "rename that part" : "pass --package with another name,"
                        + " e.g. --package org.example." + part + "plugin"));
            }
        }
        if (!GROUP.matcher(groupId).matches()) {
            problems.add("--group-id '" + groupId + "': write a Maven group id, e.g. org.example");
        }
        return problems;
    }

    /** {@code disk-space} and a gate: {@code DiskSpaceGate}. */
    String className() {
        StringBuilder name = new StringBuilder();
        for (String part : id.split("-")) {
            if (!part.isEmpty()) {
                name.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
            }
        }
        return name + kind.suffix;
    }

    /** The package when none is given: {@code org.example.sluice.diskspace}. */
    static String defaultPackage(String id) {
        return "org.example.sluice." + id.replace("-", "");
    }

    /** Writes the project into {@code dir}, which must not exist or be empty; returns the files written. */
    List<Path> writeTo(Path dir) throws IOException {
        String packagePath = packageName.replace('.', '/');
        Map<String, String> values = new LinkedHashMap<>();
        values.put("@ID@", id);
        values.put("@TYPE@", kind.word());
        values.put("@CLASS@", className());
        values.put("@PACKAGE_PATH@", packagePath);
        values.put("@PACKAGE@", packageName);
        values.put("@GROUP@", groupId);
        values.put("@DESCRIPTION@", xmlText(description));
        values.put("@SLUICE_VERSION@", sluiceVersion);
        Map<String, String> files = new LinkedHashMap<>();
        files.put("common/pom.xml", "pom.xml");
        files.put("common/gitignore", ".gitignore");
        files.put("common/README.md", "README.md");
        files.put(kind.word() + "/example.yaml", "example.yaml");
        files.put(kind.word() + "/Main.java", "src/main/java/" + packagePath + "/" + className() + ".java");
        files.put(kind.word() + "/MainTest.java", "src/test/java/" + packagePath + "/" + className() + "Test.java");
        files.put(kind.word() + "/MainIT.java", "src/test/java/" + packagePath + "/" + className() + "IT.java");
        List<Path> written = new ArrayList<>();
        for (Map.Entry<String, String> file : files.entrySet()) {
            String text = template(file.getKey());
            for (Map.Entry<String, String> value : values.entrySet()) {
                text = text.replace(value.getKey(), value.getValue());
            }
            Path target = dir.resolve(file.getValue());
            Files.createDirectories(target.getParent());
            Files.writeString(target, text, StandardCharsets.UTF_8);
            written.add(target);
        }
        return written;
    }

    private static String template(String name) throws IOException {
        try (InputStream in = PluginProject.class.getResourceAsStream("plugin-templates/" + name)) {
            if (in == null) {
                throw new IOException("the template " + name + " is missing from this sluice's jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The description lands in the pom (and in the README, where these characters read the same). */
    private static String xmlText(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
