package dev.sluice.openjd.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.openjd.action.ActionKind;
import dev.sluice.openjd.action.Cancelation;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A cancelation written without a notify period takes the default of where its action runs. */
class CancelationDefTest {
    @Test
    void notifyPeriodLeftOutTakesTheDefaultOfTheActionKind() {
        CancelationDef def = new CancelationDef(Cancelation.Mode.NOTIFY_THEN_TERMINATE, Optional.empty());

        assertThat(def.resolve(ActionKind.TASK_RUN).notifyPeriod()).isEqualTo(Duration.ofSeconds(120));
        assertThat(def.resolve(ActionKind.ENVIRONMENT_ENTER).notifyPeriod()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void notifyPeriodWrittenWinsOverTheDefault() {
        CancelationDef def = new CancelationDef(Cancelation.Mode.NOTIFY_THEN_TERMINATE,
                Optional.of(Duration.ofSeconds(7)));

        assertThat(def.resolve(ActionKind.TASK_RUN)).isEqualTo(Cancelation.notifyThenTerminate(Duration.ofSeconds(7)));
    }

    @Test
    void terminateHasNoNotifyPeriod() {
        assertThat(new CancelationDef(Cancelation.Mode.TERMINATE, Optional.empty()).resolve(ActionKind.TASK_RUN))
                .isEqualTo(Cancelation.terminate());
        assertThatThrownBy(() -> new CancelationDef(Cancelation.Mode.TERMINATE, Optional.of(Duration.ofSeconds(1))))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
