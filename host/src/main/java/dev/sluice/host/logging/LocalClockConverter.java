package dev.sluice.host.logging;

import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import java.util.TimeZone;

/**
 * {@code %clock}: an event's local time as {@code HH:mm:ss.SSS}, what {@code %d{HH:mm:ss.SSS}} writes, from
 * {@link TimeZone} rather than java.time: logback's date converter asks java.time for the zone's rules,
 * whose first use looks for rule providers as a service, a walk over every jar of the class path
 * (bench/results/startup-2026-12-05-stop32.md).
 */
public final class LocalClockConverter extends ClassicConverter {
    private final TimeZone zone;
    /** The last second formatted, and its text: the events of one second share it. */
    private long lastSecond = Long.MIN_VALUE;
    private String secondText = "";

    /** The host's time zone, as logback's {@code %d} uses. */
    public LocalClockConverter() {
        this(TimeZone.getDefault());
    }

    LocalClockConverter(TimeZone zone) {
        this.zone = zone;
    }

    @Override
    public String convert(ILoggingEvent event) {
        return format(event.getTimeStamp());
    }

    /** Synchronized: the appender encodes events of several threads at once, and the cache is shared. */
    synchronized String format(long epochMillis) {
        long local = epochMillis + zone.getOffset(epochMillis);
        long second = Math.floorDiv(local, 1000);
        if (second != lastSecond) {
            int ofDay = (int) Math.floorMod(second, 86_400L);
            secondText = two(ofDay / 3600) + ":" + two(ofDay / 60 % 60) + ":" + two(ofDay % 60) + ".";
            lastSecond = second;
        }
        int millis = (int) Math.floorMod(local, 1000L);
        return secondText + (char) ('0' + millis / 100) + (char) ('0' + millis / 10 % 10) + (char) ('0' + millis % 10);
    }

    private static String two(int n) {
        return n < 10 ? "0" + n : Integer.toString(n);
    }
}
