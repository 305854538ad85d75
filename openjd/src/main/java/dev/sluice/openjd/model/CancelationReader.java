package dev.sluice.openjd.model;

import dev.sluice.openjd.action.Cancelation;
import dev.sluice.yaml.Fields;
import dev.sluice.yaml.Problems;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** Reads an action's {@code cancelation}: its mode and, for NOTIFY_THEN_TERMINATE, the notify period. */
final class CancelationReader {
    static final List<String> FIELDS = List.of("mode", "notifyPeriodInSeconds");
    static final int MAX_NOTIFY_PERIOD = (int) Cancelation.MAX_NOTIFY_PERIOD.toSeconds();

    private final Problems problems;
    private final FieldValues values;

    CancelationReader(Problems problems, FieldValues values) {
        this.problems = problems;
        this.values = values;
    }

    /** The {@code cancelation} of {@code action}; {@code null} with problems when it has any. */
    CancelationDef read(Fields action) {
        int before = problems.size();
        Fields f = action.nested("cancelation", "cancelation fields, e.g. {mode: NOTIFY_THEN_TERMINATE,"
                + " notifyPeriodInSeconds: 60}", FIELDS, Map.of());
        if (!f.has("mode")) {
            problems.add(f.location(), f.path("mode"), "missing; write mode: TERMINATE or mode: NOTIFY_THEN_TERMINATE");
            return null;
        }
        String text = f.string("mode");
        if (text == null) {
            return null;
        }
        Cancelation.Mode mode;
        try {
            mode = Cancelation.Mode.valueOf(text);
        } catch (IllegalArgumentException e) {
            // OpenJD allows a format string here only with FEATURE_BUNDLE_1, which sluice does not implement.
            problems.add(f.node("mode"), f.path("mode"), "'" + text + "' is not a cancelation mode"
                    + (text.contains("{{") ? " (a format string here needs the FEATURE_BUNDLE_1 extension, which"
                            + " sluice does not support)" : "")
                    + "; write TERMINATE or NOTIFY_THEN_TERMINATE"
                    + (text.contains("{{") || text.toUpperCase(Locale.ROOT).equals(text) ? "" : " (upper case)"));
            return null;
        }
        Duration period = null;
        if (f.has("notifyPeriodInSeconds")) {
            if (mode == Cancelation.Mode.TERMINATE) {
                problems.add(f.keyLocation("notifyPeriodInSeconds"), f.path("notifyPeriodInSeconds"),
                        "TERMINATE kills at once and has no notify period; remove notifyPeriodInSeconds, or use"
                                + " mode: NOTIFY_THEN_TERMINATE");
            } else {
                period = values.seconds(f, "notifyPeriodInSeconds", MAX_NOTIFY_PERIOD, "notifyPeriodInSeconds: 30");
            }
        }
        if (problems.size() > before) {
            return null;
        }
        return new CancelationDef(mode, Optional.ofNullable(period));
    }
}
