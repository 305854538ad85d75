package dev.sluice.host.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.host.config.TaskSpec;
import dev.sluice.spi.AttemptOutcome.Kind;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Kill orders and time limits on plain nanosecond times: what falls due when. */
class KillScheduleTest {
    private static final long S = 1_000_000_000L;

    private final KillSchedule schedule = new KillSchedule();
    private final TaskProgress a = record("a");
    private final TaskProgress b = record("b");

    private static TaskProgress record(String name) {
        return new TaskProgress(name, new TaskSpec(name, name, 0, Map.of(), List.of("true"), null, Map.of(), Map.of(),
                dev.sluice.spi.Resources.DEFAULT, List.of(), "key-" + name), null);
    }

    @Test
    void timeLimitsFallDueOnceAndAreForgotten() {
        schedule.limit(a, 10 * S);
        schedule.limit(b, 20 * S);

        assertThat(schedule.pastTimeLimit(9 * S)).isEmpty();
        assertThat(schedule.pastTimeLimit(10 * S)).containsExactly(a);
        assertThat(schedule.pastTimeLimit(15 * S)).as("a was handed out once").isEmpty();
        assertThat(schedule.nextDue(Long.MAX_VALUE)).isEqualTo(20 * S);
    }

    @Test
    void aKillIsForcedAfterItsGraceAwaitedForTheConfirmationTimeThenAbandoned() {
        schedule.killed(a, "ran past its time limit of 1s", true, Kind.TIMED_OUT, 100 * S, Duration.ofSeconds(5));
        long confirmBy = 105 * S + KillSchedule.CONFIRM.toNanos();

        assertThat(schedule.isKilled(a)).isTrue();
        assertThat(schedule.nextDue(Long.MAX_VALUE)).as("the force comes first").isEqualTo(105 * S);
        assertThat(schedule.dueForce(105 * S - 1)).isEmpty();
        assertThat(schedule.dueForce(105 * S)).containsExactly(a);
        assertThat(schedule.dueForce(106 * S)).as("forced once").isEmpty();
        assertThat(schedule.nextDue(Long.MAX_VALUE)).isEqualTo(confirmBy);
        assertThat(schedule.unconfirmed(confirmBy - 1)).isEmpty();
        assertThat(schedule.unconfirmed(confirmBy)).containsExactly(a);
        schedule.abandon(a);

        KillSchedule.KillOrder order = schedule.ended(a);
        assertThat(order.kind()).isEqualTo(Kind.ABANDONED);
        assertThat(order.isFailure()).isTrue();
        assertThat(order.reason()).isEqualTo("ran past its time limit of 1s");
        assertThat(schedule.isKilled(a)).isFalse();
    }

    @Test
    void forcingAllCutsEveryGraceShortOnceAndBringsTheConfirmationForward() {
        schedule.killed(a, "stop", false, Kind.KILLED, 100 * S, Duration.ofSeconds(10));
        assertThat(schedule.dueForce(101 * S)).as("within its grace").isEmpty();

        schedule.forceAll(101 * S);

        assertThat(schedule.dueForce(101 * S)).as("due now").containsExactly(a);
        assertThat(schedule.dueForce(102 * S)).as("forced once").isEmpty();
        assertThat(schedule.nextDue(Long.MAX_VALUE)).as("confirmed within CONFIRM of the force, not of the grace")
                .isEqualTo(101 * S + KillSchedule.CONFIRM.toNanos());
        schedule.forceAll(103 * S);
        assertThat(schedule.dueForce(103 * S)).as("an order already forced is not forced again").isEmpty();
    }

    @Test
    void anEndConfirmedInTimeKeepsTheOrdersKindAndForgetsTheTimeLimit() {
        schedule.limit(a, 50 * S);
        schedule.killed(a, "stop", false, Kind.KILLED, 10 * S, Duration.ZERO);
        assertThat(schedule.dueForce(Long.MAX_VALUE)).as("forced at once, by the monitor, when killed").isEmpty();

        KillSchedule.KillOrder order = schedule.ended(a);

        assertThat(order.kind()).isEqualTo(Kind.KILLED);
        assertThat(schedule.ended(a)).as("a second end finds nothing").isNull();
        assertThat(schedule.pastTimeLimit(60 * S)).as("the limit went with the end").isEmpty();
        assertThat(schedule.nextDue(7 * S)).isEqualTo(7 * S);
    }

    @Test
    void aDueKillNotYetAbandonedKeepsItsKind() {
        schedule.killed(a, "stop", false, Kind.KILLED, 0, Duration.ZERO);
        assertThat(schedule.unconfirmed(Long.MAX_VALUE)).containsExactly(a);
        // Its real end arrived before the monitor gave up on it: the gates hear the original reason.
        assertThat(schedule.ended(a).kind()).isEqualTo(Kind.KILLED);
        schedule.abandon(a);
        assertThat(schedule.isKilled(a)).as("abandoning an ended kill brings nothing back").isFalse();
    }

    @Test
    void nothingDueLeavesTheWakeAsItWas() {
        assertThat(schedule.nextDue(42)).isEqualTo(42);
        assertThat(schedule.unconfirmed(Long.MAX_VALUE)).isEmpty();
        assertThat(schedule.ended(b)).isNull();
    }
}
