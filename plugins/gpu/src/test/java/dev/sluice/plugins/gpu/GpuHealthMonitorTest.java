package dev.sluice.plugins.gpu;

import static dev.sluice.plugins.gpu.Gpus.devices;
import static dev.sluice.plugins.gpu.Gpus.task;
import static dev.sluice.plugins.gpu.Gpus.uuid;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.kit.CommandRunner;
import dev.sluice.spi.Health;
import dev.sluice.spi.SubmittedTask;
import dev.sluice.spi.TaskException;
import dev.sluice.spi.testing.TestTaskHandle;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.event.Level;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class GpuHealthMonitorTest {
    private static final SubmittedTask SUBMITTED = new SubmittedTask("t1", 1, "4242");
    private static final String DEVICE_0 = "GPU 0 (" + uuid(0) + ", NVIDIA L4)";
    private static final String XID_79_ON_0 = "[ 8812.123456] NVRM: Xid (PCI:0000:10:00): 79, pid=1234, "
            + "name=python, GPU has fallen off the bus.";

    private final Gpus gpus = Gpus.of(devices(2, "NVIDIA L4"));

    /** The task holding device 0, as the monitor sees it. */
    private TestTaskHandle running(String id) throws Exception {
        TestTaskHandle task = task(id, 1);
        GateRun.start(gpus.gate, task).awaitPassed();
        return gpus.admitted(task);
    }

    @Test
    void aHealthyDeviceIsHealthyAndTheQueryNamesIt() throws Exception {
        TestTaskHandle task = running("t1");

        assertThat(gpus.monitor.appliesTo(task)).isTrue();
        assertThat(gpus.monitor.probe(task, SUBMITTED).isHealthy()).isTrue();
        assertThat(gpus.commands.calls).contains(List.of("nvidia-smi", "--query-gpu=" + NvidiaSmi.HEALTH_QUERY,
                "--format=csv,noheader,nounits", "-i", uuid(0)));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "Unable to determine the device handle for GPU0000:10:00.0: Unknown Error",
        "Unable to determine the device handle for gpu 0000:10:00.0: GPU is lost.  Reboot the system to recover this GPU",
        "GPU 00000000:10:00.0: GPU has fallen off the bus.",
        "GPU-00000000-1111-2222-3333-444444444444, 00000000:10:00.0, [GPU requires reset]"})
    void aDeviceNvidiaSmiCallsLostFailsTheTaskAndLeavesTheRun(String said) throws Exception {
        TestTaskHandle task = running("t1");
        gpus.commands.onHealth(uuid -> CommandRunner.Result.failed(15, "", said));

        Health health = gpus.monitor.probe(task, SUBMITTED);

        assertThat(health.isHealthy()).isFalse();
        assertThat(health.message()).startsWith(DEVICE_0 + " is lost: nvidia-smi says");
        assertThat(gpus.gauge("devices_unhealthy")).isEqualTo(1);

        gpus.ended(task);
        TestTaskHandle next = task("t2", 1);
        GateRun.start(gpus.gate, next).awaitPassed();
        assertThat(gpus.held(next)).containsExactly(uuid(1)); // never device 0 again
        gpus.ended(next);
        assertThat(GateRun.start(gpus.gate, task("t3", 2)).awaitFailure()).isInstanceOf(TaskException.class)
                .hasMessageContaining("ask for at most 1");
    }

    @Test
    void aDeviceNvidiaSmiDoesNotAnswerAboutInTimeTwiceInARowIsLost() throws Exception {
        TestTaskHandle task = running("t1");
        gpus.commands.onHealth(uuid -> CommandRunner.Result.timeout());

        assertThat(gpus.monitor.probe(task, SUBMITTED).isHealthy()).isTrue(); // once may be a driver hiccup
        assertThat(gpus.runtime.pool().lostReason(uuid(0))).isEmpty();
        assertThat(gpus.context.logger().at(Level.WARN)).containsExactly(DEVICE_0 + ": nvidia-smi did not answer about "
                + "it within 10s; it is taken out of the run if its next probe gets no answer either");
        Health health = gpus.monitor.probe(task, SUBMITTED);

        assertThat(health.message()).isEqualTo(DEVICE_0 + ": nvidia-smi did not answer about it within 10s in two "
                + "probes in a row, a sign that the device or its driver hangs");
        assertThat(gpus.runtime.pool().lostReason(uuid(0))).isPresent();
    }

    @Test
    void aFailedNvidiaSmiCallCountsOnlyTwiceInARowAndAnAnswerInBetweenStartsAgain() throws Exception {
        String noDriver = "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.";
        boolean[] failing = {true};
        TestTaskHandle task = running("t1");
        gpus.commands.onHealth(uuid -> failing[0] ? CommandRunner.Result.failed(9, noDriver, "")
                : CommandRunner.Result.ok(uuid + ", 00000000:10:00.0, 0\n"));

        assertThat(gpus.monitor.probe(task, SUBMITTED).isHealthy()).isTrue();
        failing[0] = false;
        assertThat(gpus.monitor.probe(task, SUBMITTED).isHealthy()).isTrue(); // answered: the count starts again
        failing[0] = true;
        assertThat(gpus.monitor.probe(task, SUBMITTED).isHealthy()).isTrue();
        assertThat(gpus.context.logger().at(Level.WARN)).hasSize(2).allMatch(w -> w.equals(DEVICE_0 + ": nvidia-smi "
                + "failed about it (exit code 9): " + noDriver + "; it is taken out of the run if its next probe "
                + "gets no answer either"));
        assertThat(gpus.gauge("devices_unhealthy")).isZero();
        Health health = gpus.monitor.probe(task, SUBMITTED);

        assertThat(health.message()).isEqualTo(DEVICE_0 + ": nvidia-smi failed about it in two probes in a row "
                + "(exit code 9): " + noDriver);
        assertThat(gpus.gauge("devices_unhealthy")).isEqualTo(1);
    }

    @Test
    void whatNvidiaSmiSaysIsLostIsLostAtTheFirstProbe() throws Exception {
        TestTaskHandle task = running("t1");
        gpus.commands.onHealth(uuid -> CommandRunner.Result.ok(uuid(1) + ", 00000000:11:00.0, 0\n"));

        assertThat(gpus.monitor.probe(task, SUBMITTED).message()).startsWith(DEVICE_0 + " is no longer present: "
                + "nvidia-smi answered without it");
        assertThat(gpus.context.logger().at(Level.WARN)).isEmpty();
    }

    @Test
    void aDeviceNoLongerListedIsLost() throws Exception {
        TestTaskHandle task = running("t1");
        gpus.commands.onHealth(uuid -> CommandRunner.Result.failed(6, "No devices were found", ""));

        assertThat(gpus.monitor.probe(task, SUBMITTED).message())
                .isEqualTo(DEVICE_0 + " is no longer present: nvidia-smi does not list it");
    }

    @Test
    void growingUncorrectableEccErrorsMakeADeviceLost() throws Exception {
        int[] ecc = {2};
        gpus.commands.on("nvidia-smi --query-gpu=" + NvidiaSmi.HEALTH_QUERY, argv -> CommandRunner.Result.ok(
                uuid(0) + ", 00000000:10:00.0, " + ecc[0] + "\n" + uuid(1) + ", 00000000:11:00.0, [N/A]\n"));
        TestTaskHandle task = running("t1"); // the run's baseline: 2 errors, read with the inventory

        assertThat(gpus.monitor.probe(task, SUBMITTED).isHealthy()).isTrue();
        ecc[0] = 3;
        Health health = gpus.monitor.probe(task, SUBMITTED);

        assertThat(health.message()).isEqualTo(DEVICE_0 + " reports 3 uncorrectable ECC errors, 2 when this run "
                + "first looked: its memory is failing");
    }

    @Test
    void aDeviceWithoutEccIsNotJudgedByIt() throws Exception {
        gpus.commands.onHealth(uuid -> CommandRunner.Result.ok(uuid + ", 00000000:10:00.0, [N/A]\n"));
        TestTaskHandle task = running("t1");

        assertThat(gpus.monitor.probe(task, SUBMITTED).isHealthy()).isTrue();
        assertThat(gpus.monitor.probe(task, SUBMITTED).isHealthy()).isTrue();
    }

    @Test
    void aNewFatalXidForTheDeviceMakesItLostButOldOnesAndOthersDoNot() throws Exception {
        gpus.kernelLog.add("[   12.000000] NVRM: Xid (PCI:0000:10:00): 79, pid=1, GPU has fallen off the bus.");
        TestTaskHandle task = running("t1"); // that XID was in the log before the run: it does not count

        gpus.kernelLog.add("[ 8000.000000] NVRM: Xid (PCI:0000:10:00): 13, pid=77, Graphics Exception");
        gpus.kernelLog.add("[ 8001.000000] NVRM: Xid (PCI:0000:11:00): 79, pid=78, GPU has fallen off the bus.");
        assertThat(gpus.monitor.probe(task, SUBMITTED).isHealthy()).isTrue();

        gpus.kernelLog.add(XID_79_ON_0);
        Health health = gpus.monitor.probe(task, SUBMITTED);

        assertThat(health.message()).isEqualTo(DEVICE_0 + ": the NVIDIA driver reported the fatal XID 79 for it ('"
                + XID_79_ON_0 + "')");
    }

    @Test
    void anUnreadableKernelLogSkipsTheXidCheck() throws Exception {
        gpus.kernelLogReadable = false;
        TestTaskHandle task = running("t1");
        gpus.kernelLog.add(XID_79_ON_0);

        assertThat(gpus.monitor.probe(task, SUBMITTED).isHealthy()).isTrue();
    }

    @Test
    void theOperatorChoosesTheFatalXids() throws Exception {
        Gpus only13 = Gpus.of(devices(1, "NVIDIA L4"), Map.of("fatalXids", "13"));
        TestTaskHandle task = task("t1", 1);
        GateRun.start(only13.gate, task).awaitPassed();
        only13.kernelLog.add(XID_79_ON_0);
        assertThat(only13.monitor.probe(only13.admitted(task), SUBMITTED).isHealthy()).isTrue();

        only13.kernelLog.add("[ 9000.1] NVRM: Xid (0000:10:00): 13, Graphics Exception");
        assertThat(only13.monitor.probe(only13.admitted(task), SUBMITTED).message()).contains("fatal XID 13");
    }

    @Test
    void aTaskWaitingForMoreDevicesThanCanNowBeFreeFails() throws Exception {
        TestTaskHandle holder = running("holder");
        GateRun waiting = GateRun.start(gpus.gate, task("waiting", 2));
        gpus.awaitWaiters(1);
        gpus.kernelLog.add(XID_79_ON_0);

        assertThat(gpus.monitor.probe(holder, SUBMITTED).isHealthy()).isFalse();

        assertThat(waiting.awaitFailure()).isInstanceOf(TaskException.class)
                .hasMessageContaining("gate 'gpu': task 'test (waiting)' asks for 2 GPUs, but only 1 of that kind is "
                        + "left in this run (taken out: " + DEVICE_0 + ": the NVIDIA driver reported the fatal XID 79");
        assertThat(gpus.gauge("tasks_waiting")).isZero();
    }

    @Test
    void aLostDeviceFailsTheOtherProbesOfItsTaskWithoutAskingAgain() throws Exception {
        TestTaskHandle task = running("t1");
        gpus.commands.onHealth(uuid -> CommandRunner.Result.failed(15, "", "GPU is lost"));
        gpus.monitor.probe(task, SUBMITTED);
        long asked = gpus.commands.count("nvidia-smi --query-gpu=" + NvidiaSmi.HEALTH_QUERY);

        assertThat(gpus.monitor.probe(task, SUBMITTED).isHealthy()).isFalse();
        assertThat(gpus.commands.count("nvidia-smi --query-gpu=" + NvidiaSmi.HEALTH_QUERY)).isEqualTo(asked);
    }

    @Test
    void periodAndSwitchComeFromTheConfig() throws Exception {
        Gpus off = Gpus.of(devices(1, "NVIDIA L4"), Map.of("healthCheck", "false", "healthPeriod", "5s"));
        TestTaskHandle task = task("t1", 1);
        GateRun.start(off.gate, task).awaitPassed();

        assertThat(off.monitor.appliesTo(off.admitted(task))).isFalse();
        assertThat(off.monitor.period()).isEqualTo(Duration.ofSeconds(5));
        assertThat(gpus.monitor.period()).isEqualTo(Duration.ofSeconds(30));
        assertThat(gpus.monitor.appliesTo(TestTaskHandle.of("plain"))).isFalse();
    }

    @Test
    void withoutNvidiaSmiOnlyTheKernelLogIsChecked() throws Exception {
        gpus.commands.on("nvidia-smi --query-gpu=" + NvidiaSmi.HEALTH_QUERY, argv -> {
            throw new java.io.IOException("Cannot run program \"nvidia-smi\": error=2, No such file or directory");
        });
        TestTaskHandle task = running("t1");

        assertThat(gpus.monitor.probe(task, SUBMITTED).isHealthy()).isTrue();
        assertThat(gpus.commands.count("nvidia-smi --query-gpu=" + NvidiaSmi.HEALTH_QUERY)).isEqualTo(2);
        gpus.kernelLog.add(XID_79_ON_0);
        assertThat(gpus.monitor.probe(task, SUBMITTED).message()).contains("fatal XID 79");
    }
}
