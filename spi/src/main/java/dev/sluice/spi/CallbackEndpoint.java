package dev.sluice.spi;

import java.net.URI;

/**
 * The host's HTTP endpoint where a task reports its own end, so that its executor learns of it at
 * once instead of at its next poll. The host serves it only when the operator asks for it
 * ({@code sluice run --http-port}); executors get it from {@link ExecutorContext#callbackEndpoint()}.
 *
 * <p>A task calls back with {@code POST <url>/<key>}, the header {@code Authorization: Bearer <token>}
 * and a short text body; the host hands key and body to {@link TaskExecutor#callback}. What key and
 * body mean is the executor's business (a job id and an exit code, say). Polling stays the safety
 * net: a callback that never arrives costs nothing but the poll delay.
 */
public interface CallbackEndpoint {

    /** The base URL for this executor's callbacks, without a trailing slash. */
    URI url();

    /** The run's secret; a call without it is refused. Keep it out of files others can read. */
    String token();
}
