package dev.sluice.plugins.apptainer;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Why an {@code apptainer pull} failed, in Apptainer's own words, and whether trying again may help.
 *
 * <p>The rule: a failure is <em>transient</em> when its words say the network or the registry failed for
 * the moment (timeouts, refused or reset connections, name resolution, HTTP 5xx, 429 "too many
 * requests"), or when the pull ran past {@code pullTimeout}. Anything that names the image or the
 * user's rights (manifest unknown, not found, no such image, unauthorized, denied, 401/403/404) is
 * permanent and wins over transient words in the same output: retrying cannot make a missing image
 * appear. A failure that says neither is permanent, so that an unknown error fails fast instead of
 * being retried for long.
 *
 * <p>Name resolution is the one exception to "permanent wins": when the registry's name did not
 * resolve ({@code lookup registry.example: no such host}, {@code server misbehaving}, {@code Temporary
 * failure in name resolution}), the registry never answered, so a permanent-looking word in the same
 * output can only come from the reference or the host name themselves ({@code docker://lab/denied-tool}),
 * not from a verdict on the image. The permanent words are precise too ({@code no such image}, {@code no
 * such file}, never a bare {@code no such}, which Go's {@code no such host} would match).
 *
 * @param message   what Apptainer said, on one line
 * @param retryable whether trying again may help
 */
record PullFailure(String message, boolean retryable) {
    /** The registry's name did not resolve (Go's resolver, then glibc's words): transient, whatever else is said. */
    private static final Pattern NAME_RESOLUTION = Pattern.compile(
            "no such host|server misbehaving|temporary failure in name resolution|name or service not known");
    private static final Pattern PERMANENT = Pattern.compile(
            "manifest unknown|name unknown|not found|no such (image|file|repository|manifest|tag|blob)"
                    + "|unauthori[sz]ed|authentication required|denied"
                    + "|forbidden|\\b40[134]\\b|invalid reference|unsupported transport|bad uri|no transport"
                    + "|requires authentication|incorrect username or password");
    private static final Pattern TRANSIENT = Pattern.compile(
            "timeout|timed out|deadline exceeded|connection reset|connection refused|broken pipe|unexpected eof"
                    + "|\\beof\\b|temporary failure|no route to host|network is unreachable|tls handshake"
                    + "|i/o timeout|too many requests|\\b429\\b|\\b50[0-9]\\b|service unavailable|bad gateway"
                    + "|internal server error|try again");

    /** Classifies a failed pull by its output. */
    static PullFailure of(List<String> output, int exitCode) {
        String message = summary(output, exitCode);
        String lower = String.join("\n", output).toLowerCase(Locale.ROOT);
        if (NAME_RESOLUTION.matcher(lower).find()) {
            return new PullFailure(message, true);
        }
        boolean permanent = PERMANENT.matcher(lower).find();
        return new PullFailure(message, !permanent && TRANSIENT.matcher(lower).find());
    }

    /** A pull that ran past its time limit: transient. */
    static PullFailure timedOut(String limit) {
        return new PullFailure("did not finish within " + limit, true);
    }

    /** Apptainer's FATAL/ERROR lines, else its last lines, on one line without its log prefixes. */
    private static String summary(List<String> output, int exitCode) {
        List<String> fatal = output.stream().filter(l -> l.startsWith("FATAL") || l.startsWith("ERROR"))
                .map(PullFailure::withoutPrefix).toList();
        List<String> chosen = !fatal.isEmpty() ? fatal
                : output.subList(Math.max(0, output.size() - 3), output.size()).stream()
                        .map(PullFailure::withoutPrefix).toList();
        String text = String.join("; ", chosen).strip();
        return text.isEmpty() ? "apptainer pull exited with status " + exitCode + " and said nothing" : text;
    }

    private static String withoutPrefix(String line) {
        return line.replaceFirst("^(FATAL|ERROR|WARNING|INFO):\\s*", "").strip();
    }
}
