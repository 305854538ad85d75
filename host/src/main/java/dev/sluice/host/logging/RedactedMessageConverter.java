package dev.sluice.host.logging;

import ch.qos.logback.classic.pattern.MessageConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;

/**
 * {@code %msg} of the console log with secret values masked ({@link Redaction}), as in the JSON log: at
 * {@code -vv} libraries log whole requests (a container's environment included).
 */
public final class RedactedMessageConverter extends MessageConverter {
    @Override
    public String convert(ILoggingEvent event) {
        return Redaction.redact(super.convert(event));
    }
}
