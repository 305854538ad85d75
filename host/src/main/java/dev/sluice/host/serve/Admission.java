package dev.sluice.host.serve;

import dev.sluice.spi.TimeSource;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Whether a submission may be accepted now, by the service's limits: tasks waiting (accepted, not yet
 * started) per class, per tenant and in all, and submissions per second per class and per tenant. What
 * a limit refuses is answered 429 with when to try again, so memory stays bounded whatever is sent.
 * Called on the API's threads; a task stops counting as waiting when it first starts or ends
 * ({@link #started}), which the board tells on the monitor's thread.
 */
final class Admission {
    /** Tenants counted at once at most: a flood of made-up tenant names cannot grow the counts without bound. */
    static final int MAX_TENANTS = 10_000;
    /** Seconds a client is told to wait when a queue is full: long enough to let some tasks start. */
    static final int QUEUE_FULL_RETRY_SECONDS = 5;

    /** A refusal: why, in words with the setting to change, and after how many seconds to try again. */
    record Refusal(String reason, int retryAfterSeconds) {
    }

    private final Limit total;
    private final Map<String, Limit> byClass;
    private final Limit perTenant;
    private final TimeSource time;
    private final Map<String, AtomicInteger> waitingByClass = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> waitingByTenant = new ConcurrentHashMap<>();
    private final AtomicInteger waiting = new AtomicInteger();
    private final Map<String, TokenBucket> classRates = new ConcurrentHashMap<>();
    private final Map<String, TokenBucket> tenantRates = new ConcurrentHashMap<>();
    /** Tasks counted as waiting, with their class and tenant, so each is let go once. */
    private final Map<String, String[]> counted = new ConcurrentHashMap<>();

    Admission(Limit total, Map<String, Limit> byClass, Limit perTenant, TimeSource time) {
        this.total = total;
        this.byClass = Map.copyOf(byClass);
        this.perTenant = perTenant;
        this.time = time;
    }

    /**
     * Counts the task as waiting if every limit allows it; otherwise counts nothing and says why. A rate
     * permit is taken only when the task is accepted.
     */
    synchronized Refusal admit(String id, String taskClass, String tenant) {
        Limit cls = byClass.getOrDefault(taskClass, Limit.NONE);
        if (full(total, waiting.get())) {
            return new Refusal("the service has " + waiting.get() + " tasks waiting to start, its limit"
                    + " (serve.limits.maxQueued); try again later", QUEUE_FULL_RETRY_SECONDS);
        }
        if (full(cls, count(waitingByClass, taskClass))) {
            return new Refusal("class '" + taskClass + "' has " + count(waitingByClass, taskClass) + " tasks waiting"
                    + " to start, its limit (serve.classes." + taskClass + ".maxQueued); try again later",
                    QUEUE_FULL_RETRY_SECONDS);
        }
        if (tenant != null) {
            if (full(perTenant, count(waitingByTenant, tenant))) {
                return new Refusal("tenant '" + tenant + "' has " + count(waitingByTenant, tenant) + " tasks waiting to"
                        + " start, the limit per tenant (serve.limits.perTenant.maxQueued); try again later",
                        QUEUE_FULL_RETRY_SECONDS);
            }
            if (!waitingByTenant.containsKey(tenant) && waitingByTenant.size() >= MAX_TENANTS) {
                return new Refusal(MAX_TENANTS + " tenants have tasks waiting, as many as the service counts; try"
                        + " again later", QUEUE_FULL_RETRY_SECONDS);
            }
        }
        long now = time.nanoTime();
        TokenBucket classRate = cls.rate() == null ? null
                : classRates.computeIfAbsent(taskClass, k -> new TokenBucket(cls.rate(), now));
        if (tenant != null && tenantRates.size() >= MAX_TENANTS && !tenantRates.containsKey(tenant)) {
            // A bucket that has filled up again is as good as none: forget those, so made-up names cannot
            // grow the map without bound.
            tenantRates.values().removeIf(b -> b.isFull(now));
        }
        TokenBucket tenantRate = tenant == null || perTenant.rate() == null ? null
                : tenantRates.computeIfAbsent(tenant, k -> new TokenBucket(perTenant.rate(), now));
        long classWait = classRate == null ? 0 : classRate.waitNanos(now);
        long tenantWait = tenantRate == null ? 0 : tenantRate.waitNanos(now);
        if (classWait > 0) {
            return new Refusal("class '" + taskClass + "' takes at most " + cls.rate() + " (serve.classes."
                    + taskClass + ".rate); try again in a moment", retrySeconds(classWait));
        }
        if (tenantWait > 0) {
            return new Refusal("tenant '" + tenant + "' may submit at most " + perTenant.rate()
                    + " (serve.limits.perTenant.rate); try again in a moment", retrySeconds(tenantWait));
        }
        if (classRate != null) {
            classRate.take(now);
        }
        if (tenantRate != null) {
            tenantRate.take(now);
        }
        count(id, taskClass, tenant);
        return null;
    }

    /** A task taken back at a restart: it waits, whatever the limits (it was accepted under them). */
    synchronized void carried(String id, String taskClass, String tenant) {
        count(id, taskClass, tenant);
    }

    /** The task started, ended or was withdrawn: it no longer waits. Idempotent. */
    synchronized void started(String id) {
        String[] keys = counted.remove(id);
        if (keys == null) {
            return;
        }
        waiting.decrementAndGet();
        release(waitingByClass, keys[0]);
        if (keys[1] != null) {
            release(waitingByTenant, keys[1]);
        }
    }

    int waiting() {
        return waiting.get();
    }

    /** For tests: how many tenants' rate buckets are kept. */
    int tenantBuckets() {
        return tenantRates.size();
    }

    private void count(String id, String taskClass, String tenant) {
        if (counted.putIfAbsent(id, new String[] {taskClass, tenant}) != null) {
            return;
        }
        waiting.incrementAndGet();
        waitingByClass.computeIfAbsent(taskClass, k -> new AtomicInteger()).incrementAndGet();
        if (tenant != null) {
            waitingByTenant.computeIfAbsent(tenant, k -> new AtomicInteger()).incrementAndGet();
        }
    }

    /** One less waiting under {@code key}; a tenant's entry goes once none of its tasks waits. */
    private static void release(Map<String, AtomicInteger> counts, String key) {
        counts.computeIfPresent(key, (k, n) -> n.decrementAndGet() <= 0 ? null : n);
    }

    private static int count(Map<String, AtomicInteger> counts, String key) {
        AtomicInteger n = counts.get(key);
        return n == null ? 0 : n.get();
    }

    private static boolean full(Limit limit, int waitingNow) {
        return limit.maxQueued() != null && waitingNow >= limit.maxQueued();
    }

    private static int retrySeconds(long nanos) {
        long seconds = (nanos + 999_999_999L) / 1_000_000_000L;
        return (int) Math.max(1, Math.min(60, seconds));
    }

    /** A rate as a bucket of one second's permits (at least one), refilled continuously on the run's clock. */
    static final class TokenBucket {
        private final double perNano;
        private final double capacity;
        private double tokens;
        private long lastNanos;

        TokenBucket(dev.sluice.host.pipeline.RateLimit rate, long nowNanos) {
            this.perNano = rate.perSecond() / 1e9;
            this.capacity = Math.max(1, rate.perSecond());
            this.tokens = capacity;
            this.lastNanos = nowNanos;
        }

        /** How long until a permit is there; 0 when one is. */
        long waitNanos(long now) {
            refill(now);
            return tokens >= 1 ? 0 : (long) Math.ceil((1 - tokens) / perNano);
        }

        boolean isFull(long now) {
            refill(now);
            return tokens >= capacity;
        }

        void take(long now) {
            refill(now);
            tokens -= 1;
        }

        private void refill(long now) {
            tokens = Math.min(capacity, tokens + (now - lastNanos) * perNano);
            lastNanos = now;
        }
    }
}
