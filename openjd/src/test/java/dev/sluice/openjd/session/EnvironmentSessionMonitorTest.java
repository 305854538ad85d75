package dev.sluice.openjd.session;

import static dev.sluice.openjd.session.SessionRig.PATIENCE;
import static dev.sluice.openjd.session.SessionRig.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sluice.spi.Health;
import dev.sluice.spi.TaskHealthMonitor;
import dev.sluice.spi.TaskException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** onMonitor: during the enter (on the real clock, period 1 s) and as the tasks' health monitors. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class EnvironmentSessionMonitorTest {
    @TempDir
    Path dir;

    @Test
    void failedCheckWithTerminateCancelsASlowEnterWithTheChecksMessage() throws Exception {
        try (SessionRig rig = SessionRig.open(dir, """
                environments:
                  lic:
                    extensions: [SLUICE_MONITOR]
                    script:
                      actions:
                        onEnter: {command: bash, args: [-c, "exec sleep 600"]}
                        onExit: {command: bash, args: [-c, "echo lic >> exits.txt"]}
                    onMonitor:
                      command:
                        command: bash
                        args: [-c, "echo check >> checked.txt; echo 'license server down'; exit 1"]
                      period: 1
                      onFailure: terminate
                processes:
                  p: {command: [x], environment: lic}
                """)) {
            CompletableFuture<Void> gate = rig.enterInBackground("p");

            ExecutionException e = catchThrowableOfType(ExecutionException.class, () -> await(gate));

            assertThat(e).as("the enter should have been canceled").isNotNull();
            assertThat(e.getCause()).isInstanceOf(TaskException.class);
            assertThat(e.getCause().getMessage()).contains("environment 'lic'").contains("health check")
                    .contains("license server down");
            assertThat(rig.lines("checked.txt")).hasSize(1);
            assertThat(rig.session.exitAll()).isEmpty();
            assertThat(rig.lines("exits.txt")).containsExactly("lic");
        }
    }

    @Test
    void failedCheckWithLogLetsTheEnterFinishAndIsAHealthyStatus() throws Exception {
        // onEnter waits until a second check started (so the first one failed and was judged while it ran),
        // and then sets READY; the check always fails.
        try (SessionRig rig = SessionRig.open(dir, """
                environments:
                  lic:
                    extensions: [SLUICE_MONITOR]
                    script:
                      actions:
                        onEnter:
                          command: bash
                          args:
                            - -c
                            - |
                              until [ -e checked.txt ] && [ "$(wc -l < checked.txt)" -ge 2 ]; do sleep 0.02; done
                              echo "openjd_env: READY=1"
                        onExit: {command: bash, args: [-c, "echo lic >> exits.txt"]}
                    onMonitor:
                      command:
                        command: bash
                        args: [-c, "echo check >> checked.txt; echo 'license server down'; exit 1"]
                      period: 1
                      onFailure: log
                processes:
                  p: {command: [x], environment: lic}
                """)) {
            rig.enter("p");
            assertThat(rig.lines("checked.txt")).as("checks ran during the enter").hasSizeGreaterThanOrEqualTo(2);
            assertThat(rig.launch("p", List.of("x"), Map.of()).command().environment()).containsEntry("READY", "1");

            List<TaskHealthMonitor> monitors = rig.session.healthMonitors();
            assertThat(monitors).hasSize(1);
            Health health = monitors.getFirst().probe(rig.task("p"), null);

            assertThat(health.isHealthy()).isTrue();
            assertThat(health.message()).startsWith("health check failed: ").contains("license server down");
        }
    }

    @Test
    void healthMonitorsApplyOnlyToTasksInsideTheirEnvironmentInstance() throws Exception {
        try (SessionRig rig = SessionRig.open(dir, """
                environments:
                  db:
                    extensions: [SLUICE_MONITOR]
                    variables: {DB: "1"}
                    onMonitor:
                      command: {command: "true"}
                      period: 7
                      failureThreshold: 3
                      onFailure: terminate
                  other: {variables: {OTHER: "1"}}
                  w: {variables: {W: "1"}}
                processes:
                  p: {command: [x], environment: db}
                  q: {command: [x], environment: other}
                  r: {command: [x], environment: [w, db]}
                  s: {command: [x]}
                """)) {
            List<TaskHealthMonitor> monitors = rig.session.healthMonitors();

            assertThat(monitors).extracting(TaskHealthMonitor::id).containsExactly("environment db",
                    "environment w/db");
            TaskHealthMonitor db = monitors.get(0);
            TaskHealthMonitor wDb = monitors.get(1);
            assertThat(db.period()).isEqualTo(Duration.ofSeconds(7));
            assertThat(db.failureThreshold()).isEqualTo(3);
            assertThat(List.of("p", "q", "r", "s")).filteredOn(p -> db.appliesTo(rig.task(p))).containsExactly("p");
            assertThat(List.of("p", "q", "r", "s")).filteredOn(p -> wDb.appliesTo(rig.task(p))).containsExactly("r");
        }
    }

    @Test
    void checkSeesTheVariablesItsOnEnterSet() throws Exception {
        try (SessionRig rig = SessionRig.open(dir, """
                environments:
                  helper:
                    extensions: [SLUICE_MONITOR]
                    script:
                      actions:
                        onEnter: {command: bash, args: [-c, 'sleep 600 >/dev/null 2>&1 & echo "openjd_env: HELPER_PID=$!"']}
                    onMonitor:
                      command:
                        command: bash
                        args: [-c, 'kill -0 "$HELPER_PID" 2>/dev/null || { echo "helper $HELPER_PID is gone"; exit 1; }; echo "openjd_status: helper $HELPER_PID up"']
                      period: 600
                      onFailure: terminate
                processes:
                  p: {command: [x], environment: helper}
                """)) {
            rig.enter("p");
            long pid = Long.parseLong(rig.launch("p", List.of("x"), Map.of()).command().environment().get("HELPER_PID"));
            ProcessHandle helper = ProcessHandle.of(pid).orElseThrow();
            try {
                TaskHealthMonitor monitor = rig.session.healthMonitors().getFirst();

                Health up = monitor.probe(rig.task("p"), null);
                assertThat(up.isHealthy()).as(up.toString()).isTrue();
                assertThat(up.message()).isEqualTo("helper " + pid + " up");

                helper.destroyForcibly();
                helper.onExit().get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
                Health down = monitor.probe(rig.task("p"), null);

                assertThat(down.isHealthy()).isFalse();
                assertThat(down.message()).contains("helper " + pid + " is gone");
            } finally {
                helper.destroyForcibly();
            }
        }
    }

    @Test
    void checkThatCannotStartIsAFailedCheckSayingWhy() throws Exception {
        try (SessionRig rig = SessionRig.open(dir, """
                environments:
                  m:
                    extensions: [SLUICE_MONITOR]
                    variables: {M: "1"}
                    onMonitor:
                      command: {command: no-such-program-sluice-test}
                      period: 60
                      onFailure: terminate
                processes:
                  p: {command: [x], environment: m}
                """)) {
            rig.enter("p");
            Health health = rig.session.healthMonitors().getFirst().probe(rig.task("p"), null);

            assertThat(health.isHealthy()).isFalse();
            assertThat(health.message()).contains("could not start").contains("no-such-program-sluice-test");
        }
    }
}
