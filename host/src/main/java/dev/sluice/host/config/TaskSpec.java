package dev.sluice.host.config;

import dev.sluice.host.pipeline.OrderedMaps;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import dev.sluice.host.task.Sha256;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One task of a process: a fan-out combination with its templates substituted. Made by
 * {@link EffectiveProcess#expand}.
 *
 * @param processName the process's name
 * @param name        for people: {@code align (sample=a, ref=hg38)}, or just {@code align} without params
 * @param index       the task's position among its process's tasks, from 0
 * @param params      the task's params, in the order the pipeline declares them
 * @param argv        the command, or {@code null} when the task runs a script
 * @param script      the script for {@code /bin/sh -eu}, or {@code null} when the task runs an argv
 * @param env         environment variables
 * @param hints       namespaced hints for plugins
 * @param resources   what the task asks for: its process's, or its own (a task submitted to {@code sluice serve})
 * @param inputs      input paths, absolute and normalized
 * @param key         hex SHA-256 of what defines the task's work ({@link #keyOf}); the same in every run
 *                    of the same pipeline, different when any of those parts differs
 */
public record TaskSpec(String processName, String name, int index, Map<String, String> params, List<String> argv,
        String script, Map<String, String> env, Map<String, String> hints, dev.sluice.spi.Resources resources,
        List<Path> inputs, String key) {

    public TaskSpec {
        Objects.requireNonNull(processName, "processName");
        Objects.requireNonNull(name, "name");
        params = OrderedMaps.copyOf(params);
        argv = argv == null ? null : List.copyOf(argv);
        env = OrderedMaps.copyOf(env);
        hints = OrderedMaps.copyOf(hints);
        Objects.requireNonNull(resources, "resources");
        inputs = inputs == null ? List.of() : List.copyOf(inputs);
    }

    /**
     * The task key: a hex SHA-256 over the process name, the params, the argv or script, the env and
     * the inputs. Params and env count as sets of pairs, so their order does not matter; each part is
     * length-prefixed, so no two different tasks can encode alike.
     */
    public static String keyOf(String processName, Map<String, String> params, List<String> argv, String script,
            Map<String, String> env, List<Path> inputs) {
        Encoder out = new Encoder();
        out.text("process").text(processName);
        out.text("params").map(params);
        if (argv != null) {
            out.text("argv").count(argv.size());
            for (String word : argv) {
                out.text(word);
            }
        } else {
            out.text("script").text(script);
        }
        out.text("env").map(env);
        out.text("inputs").count(inputs.size());
        for (Path input : inputs) {
            out.text(input.toString());
        }
        MessageDigest sha = Sha256.newDigest();
        sha.update(out.bytes, 0, out.length);
        return HexFormat.of().formatHex(sha.digest());
    }


    /**
     * What the task's key is made of, each part hashed on its own, to say which part changed when a key
     * does: {@code i=<process and params> c=<command or script> e=<env> n=<input paths>}, a CRC-32C in 8
     * hex digits each. The first names the task across runs (its process and params); the others are what a change
     * to the pipeline changes.
     */
    public String keyParts() {
        return "i=" + part(e -> e.text(processName).map(params)) + " c=" + part(e -> {
            if (argv != null) {
                e.text("argv").count(argv.size());
                argv.forEach(e::text);
            } else {
                e.text("script").text(script);
            }
        }) + " e=" + part(e -> e.map(env)) + " n=" + part(e -> {
            e.count(inputs.size());
            inputs.forEach(p -> e.text(p.toString()));
        });
    }

    /** A CRC-32C of one part: it only has to tell a change from one run to the next, and is written per success. */
    private static String part(java.util.function.Consumer<Encoder> parts) {
        Encoder e = new Encoder();
        parts.accept(e);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(e.bytes, 0, e.length);
        return HexFormat.of().toHexDigits((int) crc.getValue());
    }

    /**
     * Length-prefixed parts (a 4-byte big-endian count or length, then the UTF-8 bytes), gathered so that
     * the digest or checksum takes them in one call: every task of a pipeline is hashed as it loads, and
     * twenty small updates cost more than the hashing.
     */
    private static final class Encoder {
        byte[] bytes = new byte[256];
        int length;

        Encoder count(int n) {
            room(4);
            bytes[length++] = (byte) (n >>> 24);
            bytes[length++] = (byte) (n >>> 16);
            bytes[length++] = (byte) (n >>> 8);
            bytes[length++] = (byte) n;
            return this;
        }

        Encoder text(String s) {
            byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
            count(utf8.length);
            room(utf8.length);
            System.arraycopy(utf8, 0, bytes, length, utf8.length);
            length += utf8.length;
            return this;
        }

        Encoder map(Map<String, String> map) {
            Map<String, String> sorted = new TreeMap<>(map);
            count(sorted.size());
            for (Map.Entry<String, String> e : sorted.entrySet()) {
                text(e.getKey()).text(e.getValue());
            }
            return this;
        }

        private void room(int more) {
            if (length + more > bytes.length) {
                bytes = java.util.Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + more));
            }
        }
    }
}
