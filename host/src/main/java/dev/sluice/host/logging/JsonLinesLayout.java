package dev.sluice.host.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.LayoutBase;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One JSON object per log line, for machines: {@code time}, {@code level}, {@code logger}, {@code thread},
 * {@code run}, {@code task} and {@code process} (when the line is about a task), {@code message} and
 * {@code exception}. Secret values are masked ({@link Redaction}) in the message and the exception.
 */
public final class JsonLinesLayout extends LayoutBase<ILoggingEvent> {
    /** Jackson's streaming writer: an ObjectMapper's start-up was most of a run's logging set-up. */
    private static final JsonFactory JSON = new JsonFactory();
    private final String runId;

    public JsonLinesLayout(String runId) {
        this.runId = runId;
    }

    @Override
    public String doLayout(ILoggingEvent event) {
        Map<String, String> line = new LinkedHashMap<>();
        line.put("time", Instant.ofEpochMilli(event.getTimeStamp()).toString());
        line.put("level", event.getLevel().toString());
        line.put("logger", event.getLoggerName());
        line.put("thread", event.getThreadName());
        line.put("run", runId);
        Map<String, String> mdc = event.getMDCPropertyMap();
        if (mdc.containsKey(TaskLogContext.TASK)) {
            line.put("task", mdc.get(TaskLogContext.TASK));
            line.put("process", mdc.get(TaskLogContext.PROCESS));
            for (String field : new String[] {TaskLogContext.TENANT, TaskLogContext.WORKFLOW}) {
                String value = mdc.get(field);
                if (value != null) {
                    line.put(field, value);
                }
            }
        }
        line.put("message", Redaction.redact(event.getFormattedMessage()));
        IThrowableProxy thrown = event.getThrowableProxy();
        if (thrown != null) {
            line.put("exception", Redaction.redact(ThrowableProxyUtil.asString(thrown)));
        }
        StringWriter text = new StringWriter(256);
        try (JsonGenerator json = JSON.createGenerator(text)) {
            json.writeStartObject();
            for (Map.Entry<String, String> field : line.entrySet()) {
                json.writeStringField(field.getKey(), field.getValue());
            }
            json.writeEndObject();
        } catch (IOException e) {
            return "{\"level\":\"ERROR\",\"message\":\"a log line could not be written as JSON\"}"
                    + CoreConstants.LINE_SEPARATOR;
        }
        return text + CoreConstants.LINE_SEPARATOR;
    }
}
