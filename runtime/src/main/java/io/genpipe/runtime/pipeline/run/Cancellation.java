package io.genpipe.runtime.pipeline.run;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Stopping one run from any thread (a signal handler, {@code cancel()}, the JVM's shutdown): the run's threads
 * are interrupted and given {@link #GRACE} to end; plugin code that ignores interruption is then left behind
 * (the run's threads are daemons), so a stop always ends the run, with nothing written.
 */
public final class Cancellation {

    /** How long a stopped run's steps get to end before they are left behind. */
    public static final Duration GRACE = Duration.ofSeconds(10);

    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private final CountDownLatch done = new CountDownLatch(1);
    private final CountDownLatch cleaned = new CountDownLatch(1);
    private volatile Runnable cleanup = () -> {};
    private volatile boolean stopped;
    private volatile long endingSince = -1;

    /** A thread of the run, interrupted when the run is stopped. */
    public synchronized void register(Thread thread) {
        threads.add(thread);
        if (endingSince >= 0) {
            thread.interrupt();
        }
    }

    /** What removes the run's partial output when the JVM ends under a run that did not end by itself. */
    void onAbandon(Runnable removePartialOutput) {
        this.cleanup = removePartialOutput;
    }

    /** Stops the run: its threads are interrupted; it ends with {@link RunFailure.Code#STOPPED}. */
    public void cancel() {
        stopped = true;
        ending();
    }

    /**
     * The run is ending without a stop (a step failed): its threads are interrupted and given the grace to end.
     */
    public synchronized void ending() {
        if (endingSince < 0) {
            endingSince = System.nanoTime();
        }
        threads.forEach(Thread::interrupt);
    }

    /** Whether the run was stopped. */
    public boolean stopped() {
        return stopped;
    }

    /**
     * Fails with {@link RunFailure.Code#STOPPED} when the run was stopped.
     *
     * @throws RunFailure when it was
     */
    public void check() {
        check(List.of());
    }

    /**
     * Fails with {@link RunFailure.Code#STOPPED} when the run was stopped, naming the steps that did not stop in
     * time.
     *
     * @throws RunFailure when it was
     */
    public void check(List<String> stuck) {
        if (stopped) {
            throw RunFailure.stopped(
                    stuck.isEmpty()
                            ? ""
                            : " (step" + (stuck.size() == 1 ? " " : "s ") + String.join(", ", stuck)
                                    + " did not stop within "
                                    + GRACE.toSeconds() + " s and " + (stuck.size() == 1 ? "was" : "were")
                                    + " left running)");
        }
    }

    /**
     * Waits for {@code thread} to end; once the run is ending (stopped, or a step failed), at most until its grace
     * has passed.
     *
     * @return whether the thread ended
     */
    public boolean join(Thread thread) throws InterruptedException {
        while (thread.isAlive()) {
            long since = endingSince;
            if (since >= 0) {
                long left = GRACE.toNanos() - (System.nanoTime() - since);
                if (left <= 0) {
                    return false;
                }
                thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            } else {
                thread.join(200);
            }
        }
        return true;
    }

    /**
     * The JVM is shutting down under the run (a signal with no handler of genpipe's, say): stops it, waits for its
     * steps to leave native code (at most the grace), and removes its partial output if the run has not.
     */
    void onShutdown() {
        cancel();
        try {
            List<Thread> waited = new ArrayList<>();
            for (Thread t : threads) {
                // a step thread that is itself exiting the JVM (plugin code calling System.exit) waits for this
                // hook and never ends
                if (!callsExit(t)) {
                    waited.add(t);
                }
            }
            for (Thread t : waited) {
                join(t);
            }
            if (!done.await(100, TimeUnit.MILLISECONDS)) {
                cleanup.run();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            cleaned.countDown();
        }
    }

    private static boolean callsExit(Thread t) {
        for (StackTraceElement f : t.getStackTrace()) {
            if (f.getClassName().equals("java.lang.Shutdown")
                    || (f.getMethodName().equals("exit")
                            && (f.getClassName().equals("java.lang.Runtime")
                                    || f.getClassName().equals("java.lang.System")))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Removes the run's partial output now, if the run has not ended by itself: for a process about to end
     * without waiting for the run (a stop that plugin code ignored).
     */
    public void abandon() {
        if (done.getCount() > 0) {
            cleanup.run();
        }
    }

    /** The run has ended (its output committed or removed). */
    void finished() {
        done.countDown();
        cleaned.countDown();
    }

    /**
     * Waits until the run has ended or, when the JVM is shutting down under it, until its partial output is gone.
     *
     * @return false when that did not happen within {@code millis}
     */
    public boolean awaitCleaned(long millis) throws InterruptedException {
        return cleaned.await(millis, TimeUnit.MILLISECONDS);
    }
}
