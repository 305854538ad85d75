package dev.sluice.bench;

import dev.sluice.client.RetryLaterException;
import dev.sluice.client.SluiceClient;
import dev.sluice.client.TaskInfo;
import dev.sluice.client.TaskRequest;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The load of {@code bench/run-serve}: submits N tasks of one class through the service's API from
 * THREADS threads, then (unless told only to submit) reads each task until it ended, and prints
 * {@code accept_ms=... e2e_ms=... ended=... failed=...}: the time from the first submission to the last
 * accepted, and from the first submission to the last end as the service recorded it (its transitions),
 * so the polling's own pace does not count.
 *
 * <p>Usage: {@code ServeLoad URL TOKEN CLASS N THREADS (wait|submit) PROGRAM [ARGS...]}
 */
public final class ServeLoad {
    private ServeLoad() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 7) {
            System.err.println("usage: ServeLoad URL TOKEN CLASS N THREADS (wait|submit) PROGRAM [ARGS...]");
            System.exit(2);
        }
        SluiceClient sluice = SluiceClient.connect(URI.create(args[0]), args[1]);
        String cls = args[2];
        int n = Integer.parseInt(args[3]);
        int threads = Integer.parseInt(args[4]);
        boolean wait = args[5].equals("wait");
        String program = args[6];
        String[] rest = java.util.Arrays.copyOfRange(args, 7, args.length);
        ConcurrentLinkedQueue<String> ids = new ConcurrentLinkedQueue<>();
        Instant firstSubmit = Instant.now();
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int share = n / threads + (t < n % threads ? 1 : 0);
                done.add(pool.submit(() -> {
                    for (int i = 0; i < share; i++) {
                        while (true) {
                            try {
                                ids.add(sluice.submit(TaskRequest.command(cls, program, rest)));
                                break;
                            } catch (RetryLaterException e) {
                                Thread.sleep(e.retryAfter().toMillis());
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        }
        long acceptMs = Duration.between(firstSubmit, Instant.now()).toMillis();
        if (!wait) {
            System.out.println("accept_ms=" + acceptMs + " submitted=" + ids.size());
            return;
        }
        Instant lastEnd = firstSubmit;
        int failed = 0;
        for (String id : ids) {
            TaskInfo info = sluice.awaitEnd(id, Duration.ofMinutes(30));
            Instant end = info.transitions().get(info.transitions().size() - 1).at();
            if (end.isAfter(lastEnd)) {
                lastEnd = end;
            }
            if (info.state() != TaskInfo.State.SUCCEEDED) {
                failed++;
            }
        }
        System.out.println("accept_ms=" + acceptMs + " e2e_ms=" + Duration.between(firstSubmit, lastEnd).toMillis()
                + " ended=" + ids.size() + " failed=" + failed);
    }
}
