package dev.sluice.host.serve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.host.pipeline.RateLimit;
import dev.sluice.spi.testing.FakeTimeSource;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The service's limits on a fake clock: what waits is bounded, what comes too fast is told when to come back. */
class AdmissionTest {
    private final FakeTimeSource clock = new FakeTimeSource();

    @Test
    void aClassQueueIsBoundedAndFreedAsItsTasksStart() {
        Admission a = new Admission(new Limit(100, null), Map.of("gpu", new Limit(2, null)), Limit.NONE, clock);
        assertThat(a.admit("t1", "gpu", null)).isNull();
        assertThat(a.admit("t2", "gpu", null)).isNull();
        Admission.Refusal full = a.admit("t3", "gpu", null);
        assertThat(full.reason()).isEqualTo("class 'gpu' has 2 tasks waiting to start, its limit"
                + " (serve.classes.gpu.maxQueued); try again later");
        assertThat(full.retryAfterSeconds()).isEqualTo(Admission.QUEUE_FULL_RETRY_SECONDS);
        assertThat(a.admit("t3", "cpu", null)).as("another class is not held up").isNull();
        a.started("t1");
        a.started("t1");
        assertThat(a.admit("t4", "gpu", null)).as("t1 started, once").isNull();
        assertThat(a.admit("t5", "gpu", null)).isNotNull();
        assertThat(a.waiting()).isEqualTo(3);
    }

    @Test
    void theWholeServiceAndEachTenantAreBoundedToo() {
        Admission a = new Admission(new Limit(3, null), Map.of(), new Limit(1, null), clock);
        assertThat(a.admit("t1", "c", "lab-a")).isNull();
        assertThat(a.admit("t2", "c", "lab-a").reason()).contains("tenant 'lab-a' has 1 tasks waiting")
                .contains("serve.limits.perTenant.maxQueued");
        assertThat(a.admit("t2", "c", "lab-b")).isNull();
        assertThat(a.admit("t3", "c", null)).as("no tenant: only the class and the total count").isNull();
        assertThat(a.admit("t4", "c", "lab-c").reason()).contains("the service has 3 tasks waiting")
                .contains("serve.limits.maxQueued");
    }

    @Test
    void aRateRefusesTheExcessAndSaysWhenAPermitComes() {
        Admission a = new Admission(new Limit(100, null), Map.of("c", new Limit(null, RateLimit.parse("2/s"))),
                new Limit(null, RateLimit.parse("1/10s")), clock);
        assertThat(a.admit("t1", "c", null)).isNull();
        assertThat(a.admit("t2", "c", null)).isNull();
        Admission.Refusal tooFast = a.admit("t3", "c", null);
        assertThat(tooFast.reason()).contains("class 'c' takes at most 2/s (serve.classes.c.rate)");
        assertThat(tooFast.retryAfterSeconds()).isEqualTo(1);
        clock.advance(Duration.ofMillis(500));
        assertThat(a.admit("t3", "c", null)).as("one permit back after half a second").isNull();

        clock.advance(Duration.ofSeconds(5));
        assertThat(a.admit("t4", "c", "lab-a")).isNull();
        Admission.Refusal tenant = a.admit("t5", "c", "lab-a");
        assertThat(tenant.reason()).contains("tenant 'lab-a' may submit at most").contains("perTenant.rate");
        assertThat(tenant.retryAfterSeconds()).isEqualTo(10);
        assertThat(a.waiting()).as("refusals count nothing").isEqualTo(4);
    }

    @Test
    void tasksTakenBackAtARestartCountWhateverTheLimits() {
        Admission a = new Admission(new Limit(1, null), Map.of(), Limit.NONE, clock);
        a.carried("t1", "c", null);
        a.carried("t2", "c", null);
        assertThat(a.waiting()).isEqualTo(2);
        assertThat(a.admit("t3", "c", null)).isNotNull();
        a.started("t1");
        a.started("t2");
        assertThat(a.admit("t3", "c", null)).isNull();
    }

    @Test
    void madeUpTenantNamesCannotGrowTheRateBucketsWithoutBound() {
        Admission a = new Admission(new Limit(100, null), Map.of(), new Limit(null, RateLimit.parse("1/s")), clock);
        for (int i = 0; i < Admission.MAX_TENANTS; i++) {
            assertThat(a.admit("t" + i, "c", "tenant-" + i)).isNull();
            a.started("t" + i);
        }
        assertThat(a.tenantBuckets()).isEqualTo(Admission.MAX_TENANTS);
        clock.advance(Duration.ofSeconds(1));
        assertThat(a.admit("t-new", "c", "tenant-new")).isNull();
        assertThat(a.tenantBuckets()).as("the refilled ones forgotten").isEqualTo(1);
    }
}
