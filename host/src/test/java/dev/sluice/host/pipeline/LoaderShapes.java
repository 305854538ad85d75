package dev.sluice.host.pipeline;

import static dev.sluice.yaml.testing.Yamlish.fields;
import static dev.sluice.yaml.testing.Yamlish.listOf;
import static dev.sluice.yaml.testing.Yamlish.optional;
import static dev.sluice.yaml.testing.Yamlish.scalarOf;

import dev.sluice.yaml.testing.Yamlish;
import dev.sluice.yaml.testing.Yamlish.Entry;
import dev.sluice.yaml.testing.Yamlish.Node;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/**
 * Valid-shaped pipelines and operator configs for the loaders' property tests (issue 16): every field
 * of the formats, with values that load, so that the mutations of {@link Yamlish#documents} reach each
 * check behind the parser. A template reference names {@code envs/helper.yaml} next to the pipeline.
 */
public final class LoaderShapes {
    private LoaderShapes() {
    }

    private static Arbitrary<Node> one(String... values) {
        return scalarOf(Arbitraries.of(values));
    }

    private static Arbitrary<List<Entry>> field(String key, Arbitrary<Node> value) {
        return value.map(v -> List.of(Yamlish.entry(key, v)));
    }

    /** The settings a process and a config selector share. */
    static Arbitrary<Node> settings() {
        return fields(settingsFields());
    }

    @SuppressWarnings("unchecked")
    private static Arbitrary<List<Entry>>[] settingsFields() {
        return new Arbitrary[] {
            optional("executor", one("local")),
            optional("resources", fields(optional("cpus", one("1", "2", "8")), optional("memory", one("64MB", "4GB", "1 GiB")),
                    optional("time", one("1h", "30m", "90s")))),
            optional("env", fields(optional("LANG", one("C.UTF-8")), optional("OMP_NUM_THREADS", one("4")))),
            optional("errorStrategy", one("retry", "ignore", "terminate", "finish")),
            optional("maxRetries", one("0", "2", "5")),
            optional("retryBackoff", fields(optional("initial", one("1s")), optional("max", one("1m")),
                    optional("multiplier", one("2", "1.5")))),
            optional("queueSize", one("1", "4")),
            optional("submitRateLimit", one("10/s", "100/1m")),
            optional("cache", one("standard", "off", "true")),
        };
    }

    /** A pipeline of one to four processes p0..p3, each depending only on earlier ones. */
    public static Arbitrary<Node> pipelines() {
        Arbitrary<Node> environments = fields(
                field("tools", fields(field("variables", fields(field("PATH", one("/opt/tools/bin:/usr/bin:/bin")))),
                        optional("description", one("tools")))),
                optional("helper", Arbitraries.just(Yamlish.map(Yamlish.entry("template",
                        Yamlish.plain("envs/helper.yaml"))))));
        return Arbitraries.integers().between(1, 4).flatMap(n -> {
            List<Arbitrary<Entry>> processes = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String name = "p" + i;
                processes.add(process(i).map(p -> Yamlish.entry(name, p)));
            }
            Arbitrary<List<Entry>> all = Combinators.combine(processes).as(List::copyOf);
            return Combinators.combine(
                    optional("name", one("demo", "bwa-align")).map(List::copyOf),
                    optional("plugins", listOf(fields(field("id", one("files")), optional("version", one(">=0.1.0"))),
                            1, 1)),
                    environments.map(e -> List.of(Yamlish.entry("environments", e))),
                    all.map(ps -> List.of(Yamlish.entry("processes", Yamlish.map(ps)))),
                    Arbitraries.integers().between(0, 4))
                    .as((a, b, c, d, style) -> {
                        List<Entry> top = new ArrayList<>(a);
                        top.addAll(b);
                        // Environments are named by processes only as written; an unused one is fine.
                        top.addAll(c);
                        top.addAll(d);
                        return (Node) new Yamlish.MapNode(top, style == 0);
                    });
        });
    }

    /** Process {@code p<i>}: a command or a script, params from matrix or each that its templates use. */
    private static Arbitrary<Node> process(int i) {
        List<String> earlier = new ArrayList<>();
        for (int k = 0; k < i; k++) {
            earlier.add("p" + k);
        }
        Arbitrary<List<Entry>> dependsOn = earlier.isEmpty() ? Arbitraries.just(List.of())
                : optional("dependsOn", Arbitraries.subsetOf(earlier).ofMinSize(1)
                        .map(s -> Yamlish.list(s.stream().sorted().map(d -> (Node) Yamlish.plain(d)).toList())));
        return Arbitraries.of(true, false).flatMap(withParams -> {
            Arbitrary<List<Entry>> run = Arbitraries.oneOf(
                    field("command", listOf(one("echo", "hello", withParams ? "{{ Task.Param.x }}" : "world"), 1, 3)
                            .map(LoaderShapes::programFirst)),
                    field("script", one(withParams ? "echo {{ Task.Param.x }}" : "echo hi", "true")));
            Arbitrary<List<Entry>> fanOut = !withParams ? Arbitraries.just(List.of()) : Arbitraries.oneOf(
                    field("matrix", fields(field("x", listOf(one("1", "2", "a", "b c"), 1, 3)),
                            optional("y", listOf(one("u", "v"), 1, 2)))),
                    field("each", listOf(fields(field("x", one("1", "s1", "s2"))), 1, 3)));
            Arbitrary<List<Entry>>[] settings = settingsFields();
            List<Arbitrary<List<Entry>>> parts = new ArrayList<>(List.of(run, fanOut, dependsOn,
                    optional("labels", listOf(one("big", "gpu", "fast.lane"), 1, 2)),
                    optional("inputs", listOf(one(withParams ? "data/{{ Task.Param.x }}.txt" : "data/in.txt"), 1, 1)),
                    optional("environment", one("tools"))));
            parts.addAll(List.of(settings));
            return Combinators.combine(parts).as(lists -> {
                List<Entry> entries = new ArrayList<>();
                lists.forEach(entries::addAll);
                return (Node) Yamlish.map(entries);
            });
        });
    }

    /** A command whose first word is a program that exists, so that the command check passes. */
    private static Node programFirst(Node list) {
        List<Node> items = new ArrayList<>(((Yamlish.SeqNode) list).items());
        items.set(0, Yamlish.plain("echo"));
        return Yamlish.list(items);
    }

    /** An operator config: executors, process defaults and selectors, plugin settings, secret names. */
    public static Arbitrary<Node> configs() {
        return fields(
                optional("executors", fields(optional("local", fields(optional("queueSize", one("2", "8")),
                        optional("submitRateLimit", one("20/s")), optional("pollInterval", one("1s", "500ms")),
                        optional("cpus", one("4")), optional("memory", one("8GB")))))),
                optional("process", fields(optional("defaults", settings()),
                        optional("withLabel", fields(optional("big", settings()), optional("gpu", settings()))),
                        optional("withName", fields(optional("p0", settings()), optional("p1", settings()))))),
                optional("secretEnv", listOf(one("API_TOKEN", "DB_PASSWORD"), 1, 2)));
    }
}
