package dev.sluice.yaml.testing;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs one input through a loader with a bound on its time and on the memory it allocates (issue 16).
 * The call runs on a worker thread of the JVM's default stack size, as the CLI's main thread has, so
 * that a recursion too deep for the host is too deep here too; a call still running at the bound is
 * abandoned (interrupted, its thread replaced) and reported.
 *
 * <p>The bounds are far above what any input takes (milliseconds, a few MiB), so that a shared,
 * loaded machine does not fail them, yet far below a hang or an input that eats the heap:
 * {@value #DEFAULT_SECONDS} s ({@code -Dsluice.fuzz.seconds}) and {@value #DEFAULT_MIB} MiB allocated
 * ({@code -Dsluice.fuzz.mib}) per input.
 */
public final class Bounded {
    static final int DEFAULT_SECONDS = 10;
    static final int DEFAULT_MIB = 512;
    /** How long one input may take. */
    public static final Duration TIME = Duration.ofSeconds(Integer.getInteger("sluice.fuzz.seconds", DEFAULT_SECONDS));
    /** How many bytes one input may allocate, all of them counted, garbage included. */
    public static final long ALLOCATION = Integer.getInteger("sluice.fuzz.mib", DEFAULT_MIB) * 1024L * 1024;

    private static ExecutorService worker = newWorker();

    private Bounded() {
    }

    /** What a call did: returned {@code value} or threw {@code thrown}, with what it cost. */
    public record Outcome<T>(T value, Throwable thrown, long allocatedBytes, Duration elapsed) {
    }

    private static ExecutorService newWorker() {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "bounded-input");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Runs {@code call} within the bounds.
     *
     * @throws AssertionError when it runs past {@link #TIME} or allocates more than {@link #ALLOCATION};
     *                        the message says which and quotes {@code input}
     */
    public static synchronized <T> Outcome<T> run(String input, Callable<T> call) {
        Outcome<T> outcome = once(input, call);
        if (outcome.allocatedBytes() > ALLOCATION) {
            // The classes an input is the first to need are loaded (and, under a fuzzer, instrumented) on
            // the calling thread, and count as its allocation: only a second call measures the input alone.
            outcome = once(input, call);
        }
        if (outcome.allocatedBytes() > ALLOCATION) {
            throw new AssertionError("allocated " + outcome.allocatedBytes() / (1024 * 1024) + " MiB, more than "
                    + ALLOCATION / (1024 * 1024) + " MiB, for the input:\n" + Checks.quote(input));
        }
        return outcome;
    }

    private static <T> Outcome<T> once(String input, Callable<T> call) {
        Future<Outcome<T>> future = worker.submit(() -> {
            com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long before = threads.getCurrentThreadAllocatedBytes();
            long start = System.nanoTime();
            T value = null;
            Throwable thrown = null;
            try {
                value = call.call();
            } catch (Throwable t) {
                // Everything, errors included: a StackOverflowError is exactly what is looked for.
                thrown = t;
            }
            return new Outcome<>(value, thrown, threads.getCurrentThreadAllocatedBytes() - before,
                    Duration.ofNanos(System.nanoTime() - start));
        });
        Outcome<T> outcome;
        try {
            outcome = future.get(TIME.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            worker.shutdownNow();
            worker = newWorker();
            throw new AssertionError("no result after " + TIME.toSeconds() + " s (a hang?) for the input:\n"
                    + Checks.quote(input));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        } catch (ExecutionException e) {
            throw new AssertionError("the bounded call itself failed", e.getCause());
        }
        return outcome;
    }
}
