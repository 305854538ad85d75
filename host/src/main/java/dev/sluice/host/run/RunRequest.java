package dev.sluice.host.run;

import dev.sluice.host.http.HostEndpoint;
import java.nio.file.Path;
import java.util.List;

/**
 * What {@code sluice run} was asked for, beyond the pipeline and config: where the work goes, what the
 * run writes and shows, and the host's HTTP endpoint. Parsed by the CLI, carried out by {@link RunWiring}.
 *
 * @param explain   whether {@code --resume} says, for each task, why it is cached or runs
 * @param verbosity how many {@code -v} were given
 */
public record RunRequest(Path workDir, boolean resume, boolean explain, Outputs outputs, Progress progress,
        Endpoint endpoint, int verbosity) {

    /** How progress is shown while the run goes. */
    public enum Progress {
        /** Redrawn in place, for a terminal. */
        ANSI,
        /** One line per change, for a log. */
        PLAIN,
        /** Nothing but errors and the summary. */
        OFF
    }

    /**
     * The files the run writes.
     *
     * @param report the HTML report; {@code null} for none (it has no default place)
     */
    public record Outputs(OutputFile trace, List<String> traceColumns, OutputFile events, OutputFile log,
            Path report) {
        public Outputs {
            traceColumns = List.copyOf(traceColumns);
        }
    }

    /**
     * One file the run writes by default under {@code <work>/runs/<run id>/}.
     *
     * @param path where it goes instead, or {@code null} for the default place
     * @param off  whether it is not written at all
     */
    public record OutputFile(Path path, boolean off) {
        /** Where the file goes, given its default place; {@code null} when it is off. */
        Path resolve(Path defaultPlace) {
            return off ? null : (path != null ? path : defaultPlace).toAbsolutePath().normalize();
        }
    }

    /**
     * The host's HTTP endpoint.
     *
     * @param port    the port, 0 for any free one; {@code null} when the endpoint is off
     * @param address the address it listens on
     * @param options the command's options for the two, named when the port cannot be taken
     */
    public record Endpoint(Integer port, String address, HostEndpoint.Options options) {
        public Endpoint {
            options = options == null ? HostEndpoint.Options.RUN : options;
        }

        /** An endpoint set by {@code sluice run}'s options ({@code --http-port}, {@code --http-address}). */
        public Endpoint(Integer port, String address) {
            this(port, address, HostEndpoint.Options.RUN);
        }
    }
}
