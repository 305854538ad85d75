package dev.sluice.host.logging;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.TimeZone;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code %clock} writes what logback's {@code %d{HH:mm:ss.SSS}} wrote, across days and daylight saving time. */
class LocalClockConverterTest {

    @ParameterizedTest
    @ValueSource(strings = {"UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"})
    void writesTheLocalTimeAsJavaTimeDoes(String zoneId) {
        LocalClockConverter clock = new LocalClockConverter(TimeZone.getTimeZone(zoneId));
        DateTimeFormatter expected = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneId.of(zoneId));
        // Around 2026's spring and autumn changes in both hemispheres, and instants before 1970
        // (Europe's at 01:00Z, New York's at 07:00Z and 06:00Z, Lord Howe's half-hour changes at 15:00Z.)
        long[] starts = {Instant.parse("2026-03-29T00:30:00Z").toEpochMilli(),
                Instant.parse("2026-10-25T00:30:00Z").toEpochMilli(), Instant.parse("2026-03-08T06:30:00Z").toEpochMilli(),
                Instant.parse("2026-11-01T05:30:00Z").toEpochMilli(), Instant.parse("2026-04-04T14:30:00Z").toEpochMilli(),
                Instant.parse("2026-10-03T14:30:00Z").toEpochMilli(), Instant.parse("1969-12-31T23:59:58.997Z").toEpochMilli()};
        for (long start : starts) {
            // Every 61,007 ms over three hours, and each millisecond around the seconds it crosses.
            for (long t = start; t < start + 3 * 3_600_000L; t += 61_007) {
                for (long m = t - 2; m <= t + 2; m++) {
                    assertThat(clock.format(m)).as("%s at %d", zoneId, m).isEqualTo(expected.format(Instant.ofEpochMilli(m)));
                }
            }
        }
    }
}
