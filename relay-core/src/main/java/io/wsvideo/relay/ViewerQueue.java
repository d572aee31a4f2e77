package io.wsvideo.relay;

import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * One viewer's bounded outgoing queue and its drain loop: the viewer queue policy lives here and in
 * {@link Channel}.
 *
 * <h2>Policy</h2>
 * <ul>
 *   <li>At most one send is in flight; the next starts from the previous send's callback. No thread waits
 *       on a slow viewer, and no lock is held while calling the sink.</li>
 *   <li>Media waiting here is bounded by {@link RelayConfig#maxQueueBytes()} and by how long the oldest
 *       queued message has waited ({@link RelayConfig#maxQueueAgeMillis()}). A media message that would
 *       break either bound (unless the queue holds no media) is not queued: instead every queued media message is dropped and the viewer
 *       skips ahead; {@link Channel} resumes it at the next keyframe with a {@code skip} control message,
 *       so the viewer sees a jump, never a corrupt stream. Control messages and init segments are never
 *       dropped: without them the media after them could not be decoded.</li>
 *   <li>More than {@link RelayConfig#maxSkipsPerMinute()} skips in a minute, or one send that has not
 *       finished after {@link RelayConfig#maxStallMillis()}, closes the viewer with 1008.</li>
 * </ul>
 * So a viewer holds at most {@code maxQueueBytes} of media plus a few small control messages, whatever it
 * does, and the bytes themselves are shared with every other viewer.
 */
final class ViewerQueue implements SendCallback {

    enum MediaState {
        /** No stream yet (or the last one ended): only control messages flow. */
        WAITING_FOR_STREAM,
        /** Has the init segment; media resumes at the next keyframe (after joining or skipping). */
        WAITING_FOR_KEYFRAME,
        /** Receives every media byte from {@link #deliveredTo} on. */
        LIVE
    }

    /** Result of {@link #offerMedia}. */
    enum Offer {
        QUEUED, QUEUED_KICK, SKIPPED, EVICT
    }

    final long id;
    final ViewerSink sink;
    final Channel channel;
    private final RelayConfig config;
    private final RelayHub hub;

    // Guarded by channel.lock: this viewer's index in the channel's viewer array, and where it is in the
    // current stream.
    int slot = -1;
    MediaState mediaState = MediaState.WAITING_FOR_STREAM;
    long deliveredTo;
    boolean skipPending;

    // Guarded by this: the queue, its accounting and the drain loop's state.
    private Message[] ring = new Message[16];
    private long[] queuedAt = new long[16];
    private int head;
    private int count;
    private long queuedMediaBytes;
    private boolean draining;
    private Message inFlight;
    private long inFlightSinceNanos;
    private int sendPhase;
    private boolean closed;
    private String closeReason;
    private final ArrayDeque<Long> skipTimes = new ArrayDeque<>();
    private long bytesOut;
    private long messagesOut;
    private long droppedBytes;
    private long skipsTotal;
    private long droppedSinceNotice;

    private static final int IDLE = 0;
    private static final int SENDING = 1;
    private static final int COMPLETED_DURING_SEND = 2;
    private static final int AWAITING_CALLBACK = 3;

    ViewerQueue(long id, ViewerSink sink, Channel channel, RelayHub hub) {
        this.id = id;
        this.sink = sink;
        this.channel = channel;
        this.hub = hub;
        this.config = hub.config();
    }

    /** Queues a control message or init segment; never refused while open. @return true: call {@link #drain}. */
    synchronized boolean offer(Message m, long nowNanos) {
        if (closed) {
            return false;
        }
        push(m, nowNanos);
        return startDraining();
    }

    /**
     * Queues a media message unless that would break the queue's bounds, in which case the queued media is
     * dropped and the caller must resume this viewer at the next keyframe.
     */
    synchronized Offer offerMedia(Message m, long nowNanos) {
        if (closed) {
            return Offer.QUEUED;
        }
        if (stalled(nowNanos)) {
            return Offer.EVICT;
        }
        // A message larger than the whole bound still goes out when nothing else waits: refusing it
        // would leave the viewer nothing to ever receive.
        boolean tooMany = queuedMediaBytes > 0 && queuedMediaBytes + m.size > config.maxQueueBytes();
        boolean tooOld = count > 0 && nowNanos - queuedAt[head] > config.maxQueueAgeMillis() * 1_000_000L;
        if (tooMany || tooOld) {
            dropQueuedMedia();
            droppedBytes += m.size;
            droppedSinceNotice += m.size;
            skipsTotal++;
            skipTimes.addLast(nowNanos);
            while (!skipTimes.isEmpty() && nowNanos - skipTimes.peekFirst() > 60_000_000_000L) {
                skipTimes.removeFirst();
            }
            return skipTimes.size() > config.maxSkipsPerMinute() ? Offer.EVICT : Offer.SKIPPED;
        }
        push(m, nowNanos);
        return startDraining() ? Offer.QUEUED_KICK : Offer.QUEUED;
    }

    /** Bytes dropped since the last skip notice, reset by this call. */
    synchronized long takeDroppedSinceNotice() {
        long d = droppedSinceNotice;
        droppedSinceNotice = 0;
        return d;
    }

    synchronized boolean stalled(long nowNanos) {
        return inFlight != null && nowNanos - inFlightSinceNanos > config.maxStallMillis() * 1_000_000L;
    }

    private void push(Message m, long nowNanos) {
        if (count == ring.length) {
            grow();
        }
        int tail = (head + count) % ring.length;
        ring[tail] = m;
        queuedAt[tail] = nowNanos;
        count++;
        if (m.kind == Message.Kind.MEDIA) {
            queuedMediaBytes += m.size;
        }
    }

    private Message poll() {
        if (count == 0) {
            return null;
        }
        Message m = ring[head];
        ring[head] = null;
        head = (head + 1) % ring.length;
        count--;
        if (m.kind == Message.Kind.MEDIA) {
            queuedMediaBytes -= m.size;
        }
        return m;
    }

    private void grow() {
        Message[] r = new Message[ring.length * 2];
        long[] t = new long[ring.length * 2];
        for (int i = 0; i < count; i++) {
            r[i] = ring[(head + i) % ring.length];
            t[i] = queuedAt[(head + i) % ring.length];
        }
        ring = r;
        queuedAt = t;
        head = 0;
    }

    /** Keeps control messages and init segments in order; drops every queued media message. */
    private void dropQueuedMedia() {
        int n = count;
        Message[] keep = new Message[n];
        long[] keepAt = new long[n];
        int k = 0;
        for (int i = 0; i < n; i++) {
            int idx = (head + i) % ring.length;
            if (ring[idx].kind == Message.Kind.MEDIA) {
                droppedBytes += ring[idx].size;
                droppedSinceNotice += ring[idx].size;
            } else {
                keep[k] = ring[idx];
                keepAt[k] = queuedAt[idx];
                k++;
            }
        }
        Arrays.fill(ring, null);
        head = 0;
        count = 0;
        queuedMediaBytes = 0;
        for (int i = 0; i < k; i++) {
            ring[i] = keep[i];
            queuedAt[i] = keepAt[i];
        }
        count = k;
    }

    private boolean startDraining() {
        if (draining) {
            return false;
        }
        draining = true;
        return true;
    }

    /**
     * The drain loop: sends queued messages one at a time. Runs on whichever thread kicked it or completed
     * the previous send; loops instead of recursing when a sink completes synchronously.
     */
    void drain() {
        for (;;) {
            Message m;
            synchronized (this) {
                m = closed ? null : poll();
                if (m == null) {
                    draining = false;
                    return;
                }
                inFlight = m;
                inFlightSinceNanos = hub.nanoTime();
                sendPhase = SENDING;
            }
            try {
                if (m.isText()) {
                    sink.sendText(m.text, this);
                } else {
                    sink.sendShared(m.shared, this);
                }
            } catch (RuntimeException e) {
                completed(e);
            }
            synchronized (this) {
                if (sendPhase == SENDING) {
                    sendPhase = AWAITING_CALLBACK;
                    return;
                }
                sendPhase = IDLE;
                if (closed) {
                    draining = false;
                    return;
                }
            }
        }
    }

    @Override
    public void completed(Throwable failure) {
        boolean resume;
        synchronized (this) {
            if (inFlight != null && failure == null) {
                bytesOut += inFlight.size;
                messagesOut++;
            }
            inFlight = null;
            if (sendPhase == SENDING) {
                sendPhase = COMPLETED_DURING_SEND;
                resume = false;
            } else {
                sendPhase = IDLE;
                resume = true;
            }
        }
        if (failure != null) {
            hub.closeViewer(this, CloseCodes.GOING_AWAY, "send failed", false);
            return;
        }
        if (resume) {
            drain();
        }
    }

    /** Marks the queue closed and frees what it holds. @return false if it was closed already. */
    synchronized boolean markClosed(String reason) {
        if (closed) {
            return false;
        }
        closed = true;
        closeReason = reason;
        Arrays.fill(ring, null);
        count = 0;
        head = 0;
        queuedMediaBytes = 0;
        return true;
    }

    synchronized boolean isClosed() {
        return closed;
    }

    synchronized ViewerStats stats(MediaState state, long nowNanos) {
        long lagMillis = count > 0 ? (nowNanos - queuedAt[head]) / 1_000_000L : 0;
        if (inFlight != null) {
            lagMillis = Math.max(lagMillis, (nowNanos - inFlightSinceNanos) / 1_000_000L);
        }
        return new ViewerStats(id, state.name(), bytesOut, messagesOut, queuedMediaBytes, count, lagMillis,
                skipsTotal, droppedBytes, closeReason);
    }
}
