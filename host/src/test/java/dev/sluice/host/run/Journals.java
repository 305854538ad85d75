package dev.sluice.host.run;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Writes and reads run journals for tests outside this package, as a host would have left them. */
public final class Journals {
    private Journals() {
    }

    /** Appends a launch record to run {@code run}'s journal under {@code workRoot}. */
    public static void launched(Path workRoot, String run, String key, int attempt, String executor, String nativeId)
            throws IOException {
        try (RunJournal journal = new RunJournal(workRoot.resolve("runs").resolve(run))) {
            journal.writeLaunchNow(key, attempt, executor, nativeId, "-", null);
        }
    }

    /** The work directory of an attempt of a run. */
    public static Path attemptDir(Path workRoot, String run, String key, int attempt) {
        return WorkDirs.attemptDir(workRoot.toAbsolutePath().normalize(), run, key, attempt);
    }

    /** Every success recorded under {@code workRoot}, as {@code KEY ATTEMPT RUN}, the latest first. */
    public static List<String> successes(Path workRoot) {
        return RunJournal.read(workRoot).successes().values().stream().flatMap(List::stream)
                .map(s -> s.taskKey() + " " + s.attempt() + " " + s.runId()).toList();
    }

    /** Run {@code run}'s launch records with a native id, as {@code KEY ATTEMPT NATIVE_ID RUN}, in order. */
    public static List<String> launchesWithIds(Path workRoot, String run) throws IOException {
        String text = java.nio.file.Files.readString(workRoot.resolve("runs").resolve(run).resolve(RunJournal.FILE_NAME));
        return RunJournal.parseAll(run, text).stream().filter(RunJournal.Launch.class::isInstance)
                .map(RunJournal.Launch.class::cast).filter(l -> !l.nativeId().equals("-"))
                .map(l -> l.taskKey() + " " + l.attempt() + " " + l.nativeId() + " " + l.runId()).toList();
    }
}
