package dev.sluice.plugins.gpu;

import static dev.sluice.plugins.gpu.Gpus.devices;
import static dev.sluice.plugins.gpu.Gpus.task;
import static dev.sluice.plugins.gpu.Gpus.uuid;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.kit.CommandRunner;
import dev.sluice.spi.AttemptOutcome;
import dev.sluice.spi.SubmittedTask;
import dev.sluice.spi.TaskException;
import dev.sluice.spi.testing.TestTaskHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.event.Level;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class GpuGateTest {

    @Test
    void takesFreeDevicesAtOnceAndNeverHandsOneOutTwice() throws Exception {
        Gpus gpus = Gpus.of(devices(4, "NVIDIA H100 80GB HBM3"));
        TestTaskHandle t1 = task("t1", 2);
        TestTaskHandle t2 = task("t2", 2);
        TestTaskHandle t3 = task("t3", 1);

        GateRun.start(gpus.gate, t1).awaitPassed();
        GateRun.start(gpus.gate, t2).awaitPassed();
        GateRun third = GateRun.start(gpus.gate, t3);
        gpus.awaitWaiters(1);

        assertThat(gpus.held(t1)).containsExactly(uuid(0), uuid(1));
        assertThat(gpus.held(t2)).containsExactly(uuid(2), uuid(3));
        assertThat(third.isDone()).isFalse();
        // The gate reports its status after it lets go of its lock, so maybe after it counts as waiting.
        String waiting = "t3: waiting for 1 GPU (4 of 4 in use)";
        long deadline = System.nanoTime() + Gpus.HANG_GUARD.toNanos();
        while (!gpus.context.statuses().contains(waiting) && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertThat(gpus.context.statuses()).contains(waiting);

        gpus.ended(t1);
        third.awaitPassed();
        assertThat(gpus.held(t3)).containsExactly(uuid(0));
        assertThat(gpus.gate.assigned(t3)).isEqualTo(Map.of("gpu", List.of(uuid(0))));
    }

    @Test
    void aRequestForTwoIsNotStarvedByAStreamOfOnes() throws Exception {
        Gpus gpus = Gpus.of(devices(2, "NVIDIA A100-SXM4-40GB"));
        TestTaskHandle one = task("one", 1);
        TestTaskHandle two = task("two", 1);
        GateRun.start(gpus.gate, one).awaitPassed();
        GateRun.start(gpus.gate, two).awaitPassed();

        TestTaskHandle big = task("big", 2);
        GateRun bigRun = GateRun.start(gpus.gate, big);
        gpus.awaitWaiters(1);
        TestTaskHandle small = task("small", 1);
        GateRun smallRun = GateRun.start(gpus.gate, small);
        gpus.awaitWaiters(2);

        // One device comes free: the request for two asked first, so the request for one behind it may not take it.
        gpus.ended(one);
        assertThat(gpus.gauge("tasks_waiting")).isEqualTo(2);
        assertThat(gpus.gauge("devices_reserved")).isEqualTo(1);
        assertThat(smallRun.isDone()).isFalse();

        gpus.ended(two);
        bigRun.awaitPassed();
        assertThat(gpus.held(big)).containsExactly(uuid(0), uuid(1));
        assertThat(smallRun.isDone()).isFalse();

        gpus.ended(big);
        smallRun.awaitPassed();
        assertThat(gpus.held(small)).containsExactly(uuid(0));
    }

    @Test
    void aLaterRequestMayTakeDevicesNoEarlierWaiterCanUse() throws Exception {
        List<Device> mixed = List.of(Gpus.device(0, "NVIDIA H100 80GB HBM3"), Gpus.device(1, "NVIDIA H100 80GB HBM3"),
                Gpus.device(2, "NVIDIA A100-SXM4-40GB"));
        Gpus gpus = Gpus.of(mixed);
        TestTaskHandle holder = task("holder", 1, "h100");
        GateRun.start(gpus.gate, holder).awaitPassed();
        GateRun bigH100 = GateRun.start(gpus.gate, task("big", 2, "nvidia-h100"));
        gpus.awaitWaiters(1);

        TestTaskHandle a100 = task("a100", 1, "a100");
        GateRun.start(gpus.gate, a100).awaitPassed(); // the H100 waiter cannot use the A100: no reason to wait
        assertThat(gpus.held(a100)).containsExactly(uuid(2));

        GateRun anyModel = GateRun.start(gpus.gate, task("any", 1));
        gpus.awaitWaiters(2); // device 1 is free, but the H100 request before it could use it
        assertThat(anyModel.isDone()).isFalse();
        assertThat(bigH100.isDone()).isFalse();
    }

    @Test
    void acceleratorTypeRestrictsTheDevicesATaskMayTake() throws Exception {
        List<Device> mixed = List.of(Gpus.device(0, "NVIDIA A100-SXM4-40GB"), Gpus.device(1, "NVIDIA H100 80GB HBM3"),
                Gpus.device(2, "NVIDIA A100-SXM4-40GB"), Gpus.device(3, "NVIDIA H100 80GB HBM3"));
        Gpus gpus = Gpus.of(mixed);
        TestTaskHandle h100 = task("h", 2, "nvidia-h100");
        TestTaskHandle a100 = task("a", 1, "A100");
        GateRun.start(gpus.gate, h100).awaitPassed();
        GateRun.start(gpus.gate, a100).awaitPassed();

        assertThat(gpus.held(h100)).containsExactly(uuid(1), uuid(3));
        assertThat(gpus.held(a100)).containsExactly(uuid(0));
        GateRun moreH100 = GateRun.start(gpus.gate, task("h2", 1, "h100"));
        gpus.awaitWaiters(1); // device 2 is free but is an A100
        assertThat(moreH100.isDone()).isFalse();
    }

    @Test
    void maxWaitFailsTheTaskNamingTheHintAndTakesNothing() throws Exception {
        Gpus gpus = Gpus.of(devices(1, "NVIDIA L4"));
        TestTaskHandle holder = task("holder", 1);
        GateRun.start(gpus.gate, holder).awaitPassed();
        TestTaskHandle late = task("late", 1).withHints(Map.of("gpu/maxWait", "5m"));
        GateRun run = GateRun.start(gpus.gate, late);
        gpus.awaitWaiters(1);
        gpus.time.awaitSleepers(1, Gpus.HANG_GUARD); // the maxWait timer

        gpus.time.advance(Duration.ofMinutes(4));
        assertThat(run.isDone()).isFalse();
        gpus.time.advance(Duration.ofMinutes(1));

        assertThat(run.awaitFailure()).isInstanceOf(TaskException.class)
                .hasMessageContaining("gate 'gpu' gave up on task 'test (late)' after 5m waiting for 1 GPU")
                .hasMessageContaining("Raise the hint gpu/maxWait").hasMessageContaining("gpu/skip: true");
        assertThat(gpus.gauge("tasks_waiting")).isZero();
        gpus.ended(holder);
        assertThat(gpus.gate.assigned(late)).isEmpty();
        assertThat(gpus.gauge("devices_reserved")).isZero();
    }

    @Test
    void theConfigsMaxWaitIsTheDefaultAndZeroFailsAtOnceWhenBusy() throws Exception {
        Gpus gpus = Gpus.of(devices(1, "NVIDIA L4"), Map.of("maxWait", "0"));
        GateRun.start(gpus.gate, task("holder", 1)).awaitPassed();

        assertThat(GateRun.start(gpus.gate, task("late", 1)).awaitFailure()).isInstanceOf(TaskException.class)
                .hasMessageContaining("gpu/maxWait (now 0ms)");
    }

    @Test
    void skipLetsATaskThroughWithoutADevice() throws Exception {
        Gpus gpus = Gpus.of(devices(1, "NVIDIA L4"));
        GateRun.start(gpus.gate, task("holder", 1)).awaitPassed();
        TestTaskHandle skipped = task("skipped", 1).withHints(Map.of("gpu/skip", "true"));

        GateRun.start(gpus.gate, skipped).awaitPassed();

        assertThat(gpus.gate.assigned(skipped)).isEmpty();
        assertThat(gpus.gauge("devices_reserved")).isEqualTo(1);
    }

    @Test
    void anInterruptWhileWaitingLeavesNothingTaken() throws Exception {
        Gpus gpus = Gpus.of(devices(2, "NVIDIA L4"));
        TestTaskHandle holder = task("holder", 1);
        GateRun.start(gpus.gate, holder).awaitPassed();
        TestTaskHandle waiting = task("waiting", 2);
        GateRun run = GateRun.start(gpus.gate, waiting);
        gpus.awaitWaiters(1);

        run.interrupt();

        assertThat(run.awaitFailure()).isInstanceOf(InterruptedException.class);
        assertThat(gpus.gauge("tasks_waiting")).isZero();
        assertThat(gpus.gate.assigned(waiting)).isEmpty();
        gpus.ended(holder);
        assertThat(gpus.gauge("devices_reserved")).isZero();
        TestTaskHandle next = task("next", 2);
        GateRun.start(gpus.gate, next).awaitPassed(); // both devices are free again
        assertThat(gpus.held(next)).hasSize(2);
    }

    @ParameterizedTest
    @EnumSource(value = AttemptOutcome.Kind.class, mode = EnumSource.Mode.EXCLUDE, names = "ABANDONED")
    void everyEndOfAnAttemptButAbandonedGivesItsDevicesBack(AttemptOutcome.Kind kind) throws Exception {
        Gpus gpus = Gpus.of(devices(1, "NVIDIA L4"));
        TestTaskHandle first = task("first", 1);
        GateRun.start(gpus.gate, first).awaitPassed();
        TestTaskHandle second = task("second", 1);
        GateRun run = GateRun.start(gpus.gate, second);
        gpus.awaitWaiters(1);

        AttemptOutcome outcome = kind == AttemptOutcome.Kind.SUCCEEDED ? AttemptOutcome.succeeded()
                : AttemptOutcome.of(kind, kind == AttemptOutcome.Kind.FAILED ? 1 : null, "ended: " + kind, false);
        gpus.gate.attemptEnded(first, outcome);

        run.awaitPassed();
        assertThat(gpus.held(second)).containsExactly(uuid(0));
        assertThat(gpus.gate.assigned(first)).isEmpty();
    }

    @Test
    void anAbandonedAttemptKeepsItsDevicesOutOfTheRunAndFailsWaitersThatCanNoLongerBeServed() throws Exception {
        Gpus gpus = Gpus.of(devices(3, "NVIDIA H100 80GB HBM3"));
        TestTaskHandle stuck = task("stuck", 2);
        TestTaskHandle other = task("other", 1);
        GateRun.start(gpus.gate, stuck).awaitPassed();
        GateRun.start(gpus.gate, other).awaitPassed();
        GateRun big = GateRun.start(gpus.gate, task("big", 2));
        gpus.awaitWaiters(1);

        gpus.gate.attemptEnded(stuck, AttemptOutcome.of(AttemptOutcome.Kind.ABANDONED, null,
                "its executor never confirmed the kill", true));

        String kept0 = "GPU 0 (" + uuid(0) + ", NVIDIA H100 80GB HBM3) is kept out: task 'test (stuck)' was killed "
                + "but never confirmed ended, so its processes may still use it";
        assertThat(big.awaitFailure()).isInstanceOf(TaskException.class)
                .hasMessageContaining("task 'test (big)' asks for 2 GPUs, but only 1 of that kind is left in this run "
                        + "(taken out: " + kept0 + "; GPU 1 (" + uuid(1));
        assertThat(gpus.gate.assigned(stuck)).isEmpty();
        assertThat(gpus.gauge("devices_reserved")).isEqualTo(1); // other's
        assertThat(gpus.gauge("devices_unhealthy")).isZero(); // nothing was found wrong with them
        assertThat(gpus.gauge("tasks_waiting")).isZero();
        assertThat(gpus.context.logger().at(Level.WARN)).singleElement().asString()
                .contains("test (stuck)", "GPU 0 (" + uuid(0), "GPU 1 (" + uuid(1), "not handed out again");

        // Repeated, it changes nothing; the retry of the task goes through the gate again and gets what is left.
        gpus.gate.attemptEnded(stuck, AttemptOutcome.of(AttemptOutcome.Kind.ABANDONED, null, "again", true));
        assertThat(gpus.context.logger().at(Level.WARN)).hasSize(1);
        gpus.ended(other);
        TestTaskHandle retry = task("stuck", 1).withAttempt(2);
        GateRun.start(gpus.gate, retry).awaitPassed();
        assertThat(gpus.held(retry)).containsExactly(uuid(2));
        assertThat(GateRun.start(gpus.gate, task("two", 2)).awaitFailure()).isInstanceOf(TaskException.class)
                .hasMessageContaining("ask for at most 1");
    }

    @Test
    void anAbandonedAttemptOnADeviceAlreadyFoundLostAddsNothing() throws Exception {
        Gpus gpus = Gpus.of(devices(2, "NVIDIA L4"));
        TestTaskHandle stuck = task("stuck", 1);
        GateRun.start(gpus.gate, stuck).awaitPassed();
        gpus.commands.onHealth(uuid -> CommandRunner.Result.failed(15, "", "GPU is lost"));
        assertThat(gpus.monitor.probe(gpus.admitted(stuck), new SubmittedTask("stuck", 1, "1")).isHealthy()).isFalse();

        gpus.gate.attemptEnded(stuck, AttemptOutcome.of(AttemptOutcome.Kind.ABANDONED, null, "never confirmed", false));

        assertThat(gpus.runtime.pool().lostReason(uuid(0))).get().asString().contains("is lost: nvidia-smi says");
        assertThat(gpus.gauge("devices_unhealthy")).isEqualTo(1);
        assertThat(gpus.gauge("devices_reserved")).isZero();
        assertThat(gpus.context.logger().at(Level.WARN)).isEmpty();
    }

    @Test
    void theWaitingStatusIsReportedWithoutHoldingThePoolsLock() throws Exception {
        Gpus gpus = Gpus.of(devices(1, "NVIDIA L4"));
        TestTaskHandle holder = task("holder", 1);
        GateRun.start(gpus.gate, holder).awaitPassed();
        List<String> seenFromOutside = new CopyOnWriteArrayList<>();
        // The host's status display may take its own time; meanwhile another thread must get at the pool.
        gpus.onNextStatus.set(() -> {
            Thread outside = Thread.ofVirtual().start(() -> {
                gpus.ended(holder);
                seenFromOutside.add("released");
            });
            try {
                if (!outside.join(Duration.ofSeconds(5))) {
                    seenFromOutside.add("blocked");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        TestTaskHandle waiting = task("waiting", 1);

        GateRun.start(gpus.gate, waiting).awaitPassed();

        assertThat(seenFromOutside).containsExactly("released");
        assertThat(gpus.held(waiting)).containsExactly(uuid(0));
    }

    @Test
    void aRetryIsANewAttemptAndTheEndOfAnotherAttemptReleasesNothing() throws Exception {
        Gpus gpus = Gpus.of(devices(1, "NVIDIA L4"));
        TestTaskHandle attempt1 = task("t", 1);
        GateRun.start(gpus.gate, attempt1).awaitPassed();

        gpus.gate.attemptEnded(attempt1.withAttempt(2), AttemptOutcome.succeeded());
        assertThat(gpus.held(attempt1)).containsExactly(uuid(0));

        gpus.gate.attemptEnded(attempt1, AttemptOutcome.of(AttemptOutcome.Kind.FAILED, 1, "exit 1", true));
        gpus.gate.attemptEnded(attempt1, AttemptOutcome.of(AttemptOutcome.Kind.FAILED, 1, "exit 1", true));
        TestTaskHandle attempt2 = attempt1.withAttempt(2);
        GateRun.start(gpus.gate, attempt2).awaitPassed();
        assertThat(gpus.held(attempt2)).containsExactly(uuid(0));
        assertThat(gpus.gauge("devices_reserved")).isEqualTo(1);
    }

    @Test
    void tasksOfASchedulerThatAssignsGpusReserveNothingHere() throws Exception {
        Gpus gpus = Gpus.of(devices(1, "NVIDIA L4"), Map.of("schedulerAssigned", "slurm, pbs"));
        GateRun.start(gpus.gate, task("holder", 1)).awaitPassed();
        TestTaskHandle slurm = task("s", 4, "h100").withExecutor("slurm");
        TestTaskHandle pbs = task("p", 1).withExecutor("pbs");

        GateRun.start(gpus.gate, slurm).awaitPassed();
        GateRun.start(gpus.gate, pbs).awaitPassed();

        assertThat(gpus.gate.assigned(slurm)).isEmpty();
        assertThat(gpus.gate.assigned(pbs)).isEmpty();
        assertThat(gpus.gauge("devices_reserved")).isEqualTo(1);
    }

    @Test
    void slurmIsTheDefaultSchedulerThatAssignsGpus() throws Exception {
        Gpus gpus = Gpus.of(devices(1, "NVIDIA L4"));
        TestTaskHandle slurm = task("s", 8).withExecutor("slurm");

        GateRun.start(gpus.gate, slurm).awaitPassed();

        assertThat(gpus.gate.assigned(slurm)).isEmpty();
        assertThat(gpus.gauge("devices_reserved")).isZero();
    }

    @Test
    void aTaskWithoutAcceleratorsPassesWithoutTheDeviceListBeingRead() throws Exception {
        Gpus gpus = Gpus.of(devices(2, "NVIDIA L4"));

        GateRun.start(gpus.gate, dev.sluice.spi.testing.TestTaskHandle.of("plain")).awaitPassed();

        assertThat(gpus.gauge("devices")).isZero(); // not loaded
    }

    @Test
    void aRequestLargerThanTheMachineFailsInPrepareToo() throws Exception {
        Gpus gpus = Gpus.of(devices(2, "NVIDIA L4"));

        assertThat(GateRun.start(gpus.gate, task("huge", 3)).awaitFailure()).isInstanceOf(TaskException.class)
                .hasMessageContaining("resources.accelerators = 3").hasMessageContaining("ask for at most 2");
    }

    @Test
    void manyTasksAtOnceNeverShareADevice() throws Exception {
        Gpus gpus = Gpus.of(devices(4, "NVIDIA H100 80GB HBM3"));
        // A grant is logged after prepare returned and a release before attemptEnded is called, so each logged
        // holding lies within the pool's own: with a sound pool, no device is logged granted while logged held.
        List<Holding> log = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> runs = new ArrayList<>();
        try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 200; i++) {
                int count = 1 + ThreadLocalRandom.current().nextInt(3);
                TestTaskHandle plain = task("t" + i, count);
                // Half of them wait with a limit, on the fake clock, which never runs out here.
                TestTaskHandle t = i % 2 == 0 ? plain : plain.withHints(Map.of("gpu/maxWait", "1h"));
                runs.add(threads.submit(() -> {
                    go.await();
                    gpus.gate.prepare(t);
                    List<String> mine = gpus.held(t); // as the pool reports it
                    log.add(new Holding(t.id(), count, true, mine));
                    for (int y = ThreadLocalRandom.current().nextInt(20); y >= 0; y--) {
                        Thread.yield();
                    }
                    log.add(new Holding(t.id(), count, false, mine));
                    gpus.ended(t);
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> run : runs) {
                run.get(Gpus.HANG_GUARD.toMillis(), TimeUnit.MILLISECONDS);
            }
        }

        Set<String> machine = Set.of(uuid(0), uuid(1), uuid(2), uuid(3));
        Map<String, String> holder = new HashMap<>(); // device -> task, replaying the log
        int grants = 0;
        for (Holding h : log) {
            if (h.granted()) {
                grants++;
                assertThat(h.devices()).as("devices of %s", h.task()).hasSize(h.count()).doesNotHaveDuplicates()
                        .allMatch(machine::contains);
                for (String uuid : h.devices()) {
                    assertThat(holder.putIfAbsent(uuid, h.task())).as("%s granted to %s while held", uuid, h.task())
                            .isNull();
                }
            } else {
                for (String uuid : h.devices()) {
                    assertThat(holder.remove(uuid)).as("%s released by %s", uuid, h.task()).isEqualTo(h.task());
                }
            }
        }
        assertThat(grants).isEqualTo(200);
        assertThat(holder).isEmpty();
        assertThat(gpus.gauge("devices_reserved")).isZero();
        assertThat(gpus.gauge("tasks_waiting")).isZero();
    }

    /** A grant ({@code granted}) or release of {@code devices} by {@code task}, which asked for {@code count}. */
    private record Holding(String task, int count, boolean granted, List<String> devices) {
    }
}
