package dev.sluice.spi;

import java.net.URI;

/**
 * The host's HTTP endpoint where a task reports its own end, so that its executor learns of it at
 * once instead of at its next poll. The host serves it only when the operator asks for it
 * ({@code sluice run --http-port}); executors get it from {@link ExecutorContext#callbackEndpoint()}.
 *
 * <p>A task calls back with {@code POST <url>/<key>}, the header {@code Authorization: Bearer <token>}
 * and a short text body; the host hands key and body to {@link TaskExecutor#callback}. What key and
 * body mean is the executor's business (an attempt and its exit code, say). Polling stays the safety
 * net: a callback that never arrives costs nothing but the poll delay.
 *
 * <p>Hand each task {@link #tokenFor} its own key, chosen before the task is submitted (its task id
 * and attempt, not a job id the scheduler gives later): that token is accepted for that key only, so a
 * task, or anyone who reads its files, can report its own end and no other.
 */
public interface CallbackEndpoint {

    /** The base URL for this executor's callbacks, without a trailing slash. */
    URI url();

    /**
     * A token accepted for every key of this executor, and only this executor's. A task holding it could
     * report another task's end: prefer {@link #tokenFor}.
     */
    String token();

    /**
     * The token accepted for calls to {@code <url>/<key>} only. Keep it out of files others can read.
     * The default, for endpoints that do not tell keys apart, is {@link #token()}.
     */
    default String tokenFor(String key) {
        return token();
    }
}
