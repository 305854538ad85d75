package dev.sluice.host.serve;

import dev.sluice.yaml.Fields;
import dev.sluice.yaml.Problems;
import java.time.Duration;
import java.util.List;

/**
 * {@code serve.callbacks}: where tasks' callbacks may go, and how long they are tried.
 *
 * @param allowedHosts the hosts a callback URL may name ({@code orchestrator.lab}, {@code *.lab} for any
 *                     below it); empty: none, callbacks are off (the API opens no way into the host's network
 *                     unless the operator says where)
 * @param giveUpAfter  how long a callback is tried after the task ended before it is given up
 * @param timeout      how long one try waits for an answer
 */
public record CallbackSettings(List<String> allowedHosts, Duration giveUpAfter, Duration timeout) {
    static final List<String> FIELDS = List.of("allowedHosts", "giveUpAfter", "timeout");
    static final CallbackSettings DEFAULT = new CallbackSettings(List.of(), Duration.ofHours(24),
            Duration.ofSeconds(10));

    public CallbackSettings {
        allowedHosts = List.copyOf(allowedHosts);
    }

    static CallbackSettings read(Fields f, Problems problems) {
        List<String> hosts = f.has("allowedHosts") ? f.strings("allowedHosts", "[orchestrator.lab, \"*.lab\"]")
                : List.of();
        if (hosts != null) {
            for (String h : hosts) {
                if (h.isBlank() || h.contains("/") || h.contains(":") && !h.startsWith("[")
                        || h.indexOf('*') > 0 || h.startsWith("*") && !h.startsWith("*.")) {
                    problems.add(f.node("allowedHosts"), f.path("allowedHosts"), "'" + h + "' is not a host; write"
                            + " a name or address (orchestrator.lab, 10.0.0.5) or *.domain for any host below it");
                }
            }
        }
        Duration giveUp = f.has("giveUpAfter") ? f.duration("giveUpAfter", true) : DEFAULT.giveUpAfter();
        Duration timeout = f.has("timeout") ? f.duration("timeout", true) : DEFAULT.timeout();
        return new CallbackSettings(hosts == null ? List.of() : hosts, giveUp == null ? DEFAULT.giveUpAfter() : giveUp,
                timeout == null ? DEFAULT.timeout() : timeout);
    }

    /** Whether a callback may go to {@code host}. */
    boolean allows(String host) {
        String h = host.toLowerCase(java.util.Locale.ROOT);
        for (String allowed : allowedHosts) {
            String a = allowed.toLowerCase(java.util.Locale.ROOT);
            if (a.startsWith("*.") ? h.endsWith(a.substring(1)) : a.equals(h)) {
                return true;
            }
        }
        return false;
    }
}
