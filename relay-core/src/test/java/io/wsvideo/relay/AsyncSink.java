package io.wsvideo.relay;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fake viewer for concurrency tests. Each send is recorded, then either completed at once on the sending
 * thread (as some containers do) or parked in a shared {@link Completions} pool, from which other threads
 * complete sends of all viewers in random order. It records a violation if the hub ever has two sends in
 * flight to it.
 */
final class AsyncSink implements ViewerSink {

    /** Parked sends of many viewers, completed in random order by whichever thread calls {@link #completeOne}. */
    static final class Completions {
        private final List<Runnable> pending = new ArrayList<>();

        synchronized void add(Runnable r) {
            pending.add(r);
        }

        /** Completes one parked send picked at random. @return false if none was parked */
        boolean completeOne(Random random) {
            Runnable r;
            synchronized (this) {
                if (pending.isEmpty()) {
                    return false;
                }
                int i = random.nextInt(pending.size());
                r = pending.get(i);
                pending.set(i, pending.get(pending.size() - 1));
                pending.remove(pending.size() - 1);
            }
            r.run();
            return true;
        }

        synchronized int size() {
            return pending.size();
        }
    }

    private final Completions completions;
    /** Percent of sends completed on the sending thread. */
    private final int syncPercent;
    /** Percent of parked sends that complete with a failure (a dead connection). */
    private final int failPercent;
    private final Random random;
    private final List<RecordingSink.Received> received = new ArrayList<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    volatile String violation;
    volatile Integer closeCode;
    volatile String closeReason;
    volatile boolean failedASend;

    AsyncSink(Completions completions, int syncPercent, int failPercent, long seed) {
        this.completions = completions;
        this.syncPercent = syncPercent;
        this.failPercent = failPercent;
        this.random = new Random(seed);
    }

    @Override
    public void sendBinary(ByteBuffer data, SendCallback callback) {
        byte[] b = new byte[data.remaining()];
        data.get(b);
        send(new RecordingSink.Received(null, b), callback);
    }

    @Override
    public void sendText(String text, SendCallback callback) {
        send(new RecordingSink.Received(text, null), callback);
    }

    private void send(RecordingSink.Received r, SendCallback callback) {
        boolean sync;
        boolean fail;
        synchronized (this) {
            if (inFlight.incrementAndGet() > 1) {
                violation = "two sends in flight";
            }
            received.add(r);
            sync = random.nextInt(100) < syncPercent;
            fail = !sync && random.nextInt(100) < failPercent;
        }
        Runnable complete = () -> {
            inFlight.decrementAndGet();
            if (fail) {
                failedASend = true;
            }
            callback.completed(fail ? new IOException("connection reset") : null);
        };
        if (sync) {
            complete.run();
        } else {
            completions.add(complete);
        }
    }

    @Override
    public void close(int code, String reason) {
        synchronized (this) {
            if (closeCode == null) {
                closeCode = code;
                closeReason = reason;
            }
        }
    }

    synchronized List<RecordingSink.Received> received() {
        return List.copyOf(received);
    }
}
