package dev.sluice.host.serve;

import dev.sluice.host.pipeline.RateLimit;

/**
 * How much of one kind (a class, a tenant, the whole service) may wait at once, and how fast it may
 * come: {@code maxQueued} tasks accepted and not yet started, {@code rate} submissions per period.
 *
 * @param maxQueued at most this many waiting, or {@code null} for no bound
 * @param rate      at most this fast, or {@code null} for no bound
 */
public record Limit(Integer maxQueued, RateLimit rate) {
    static final Limit NONE = new Limit(null, null);
}
