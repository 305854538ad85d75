package dev.sluice.host.run;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The journal's records are synced within an interval of the first write that left them unsynced. */
class JournalSyncDueTest {
    private static final long INTERVAL = RunJournal.SYNC_INTERVAL_NANOS;

    @Test
    void theFirstUnsyncedWriteSetsTheTimeAndLaterBatchesKeepIt() {
        long due = WorkDirs.syncDue(0, true, 1_000);
        assertThat(due).isEqualTo(1_000 + INTERVAL);

        assertThat(WorkDirs.syncDue(due, true, 1_000 + INTERVAL / 2)).as("a later batch").isEqualTo(due);
    }

    @Test
    void onceSyncedNothingIsDue() {
        assertThat(WorkDirs.syncDue(1_000 + INTERVAL, false, 1_000 + INTERVAL)).isZero();
        assertThat(WorkDirs.syncDue(0, false, 5)).isZero();
    }
}
