package io.wsvideo.relay.netty;

import io.netty.util.concurrent.FastThreadLocal;
import java.util.ArrayList;

/**
 * One flush per viewer per event-loop turn. A viewer's writes (the fan-out of one chunk, or several queued
 * messages the hub hands it in a row once its channel is writable again) only queue in Netty's outbound
 * buffer; this task, run once after the current task on the same event loop, flushes every viewer written to
 * since, so several messages to one viewer leave in one gathering write ({@code writev}) instead of one
 * system call each.
 */
final class FlushBatch implements Runnable {

    private static final FastThreadLocal<FlushBatch> BATCH = new FastThreadLocal<>() {
        @Override
        protected FlushBatch initialValue() {
            return new FlushBatch();
        }
    };

    // Only touched on the event loop thread that owns this batch (a FastThreadLocal of that thread).
    private final ArrayList<ViewerConnection> dirty = new ArrayList<>();
    private boolean scheduled;

    private FlushBatch() {
    }

    /** Flushes {@code c} after the current task; call on {@code c}'s event loop. */
    static void request(ViewerConnection c) {
        if (c.flushRequested) {
            return;
        }
        c.flushRequested = true;
        FlushBatch b = BATCH.get();
        b.dirty.add(c);
        if (!b.scheduled) {
            b.scheduled = true;
            c.eventLoop().execute(b);
        }
    }

    @Override
    public void run() {
        scheduled = false;
        // A flush can make a channel writable again, whose viewer then writes and asks again: by index, so
        // such late additions are flushed in this same run.
        for (int i = 0; i < dirty.size(); i++) {
            ViewerConnection c = dirty.get(i);
            c.flushRequested = false;
            c.flushNow();
        }
        dirty.clear();
    }
}
