package dev.sluice.host.serve;

import dev.sluice.host.logging.TaskLogContext;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The service's record of who asked for what, in the run's JSON log (info, so not on the console): a task
 * accepted, a cancel asked, each line with the task's id, class, tenant and workflow as fields, so an
 * operator finds a tenant's requests with one query. What became of each task is in the event log, whose
 * lines carry the same fields (one line per end here would cost the monitor's thread a write per task).
 */
final class Audit {
    private static final Logger log = LoggerFactory.getLogger("sluice.serve.audit");

    private Audit() {
    }

    /** The fields a task's lines carry beside its id and class: its tenant and workflow, where named. */
    static Map<String, String> fields(Submission.Origin origin) {
        Map<String, String> out = new LinkedHashMap<>(2);
        if (origin.tenant() != null) {
            out.put(TaskLogContext.TENANT, origin.tenant());
        }
        if (origin.workflowId() != null) {
            out.put(TaskLogContext.WORKFLOW, origin.workflowId());
        }
        return out;
    }

    static void accepted(String id, Submission s) {
        line(id, s.taskClass(), s.origin(), "task accepted");
    }

    static void cancelAsked(TaskView v) {
        line(v.id(), v.taskClass(), v.origin(), "cancel asked");
    }

    private static void line(String id, String cls, Submission.Origin origin, String message) {
        if (!log.isInfoEnabled()) {
            return;
        }
        try (var context = TaskLogContext.of(id, cls)) {
            Map<String, String> fields = fields(origin);
            fields.forEach(MDC::put);
            try {
                log.info(message);
            } finally {
                fields.keySet().forEach(MDC::remove);
            }
        }
    }
}
