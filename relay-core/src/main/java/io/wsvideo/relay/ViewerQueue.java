package io.wsvideo.relay;

import java.util.ArrayDeque;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One viewer's bounded outgoing queue and its drain loop: the viewer queue policy lives here and in
 * {@link View}; where the viewer is in the stream is its {@link ViewerCursor}'s business.
 *
 * <h2>Policy</h2>
 * <ul>
 *   <li>At most one send is in flight; the next starts from the previous send's callback. No thread waits
 *       on a slow viewer, and no lock is held while calling the sink.</li>
 *   <li>Media waiting here is bounded by {@link RelayConfig#maxQueueBytes()} and by how long the oldest
 *       queued message has waited ({@link RelayConfig#maxQueueAgeMillis()}). A media message that would
 *       break either bound (unless the queue holds no media) is not queued: instead every queued media message is dropped and the viewer
 *       skips ahead; its view resumes it at the next keyframe with a {@code skip} control message,
 *       so the viewer sees a jump, never a corrupt stream. Control messages and init segments are never
 *       dropped: without them the media after them could not be decoded.</li>
 *   <li>More than {@link RelayConfig#maxSkipsPerMinute()} skips in a minute, or one send that has not
 *       finished after {@link RelayConfig#maxStallMillis()} (the hub's sweeper checks), closes the viewer
 *       with 1008.</li>
 * </ul>
 *
 * <h2>Send loop</h2>
 * An explicit {@link SendState}, as Jetty's {@code IteratingCallback} keeps it: a completion that arrives
 * with no send in flight, or twice for one send, is a transport bug; it is logged with an
 * {@link IllegalStateException} (also thrown to the caller) and the viewer is closed with 1011, instead of
 * silently starting a second send in parallel.
 * So a viewer holds at most {@code maxQueueBytes} of media plus a few small control messages, whatever it
 * does, and the bytes themselves are shared with every other viewer.
 */
final class ViewerQueue {

    private static final Logger LOG = LoggerFactory.getLogger(ViewerQueue.class);

    /** Result of {@link #offerMedia}. */
    enum Offer {
        QUEUED, QUEUED_KICK, SKIPPED, EVICT
    }

    /** The drain loop's state; changed only under this queue's lock. */
    enum SendState {
        /** No drain loop runs: the next offer starts one. */
        IDLE,
        /** A drain loop runs (or its kick is on the way) with no send in flight. */
        PROCESSING,
        /** The loop called the sink, which has neither returned nor completed the send. */
        SENDING,
        /** The sink completed the send before returning: the loop goes on once it returns. */
        COMPLETED_DURING_SEND,
        /** The sink returned with the send in flight: its completion goes on with the loop. */
        AWAITING_COMPLETION
    }

    final long id;
    final ViewerSink sink;
    /** What the viewer said it plays when it joined. */
    final ViewerPlays plays;
    final Channel channel;
    /** Where this viewer is in its view; guarded by the channel's lock. */
    final ViewerCursor cursor;
    private final RelayConfig config;
    private final RelayHub hub;
    /**
     * Two callbacks used in turn, one per send: a second completion of a send arrives at a callback that
     * is no longer expected even when the next send is already in flight.
     */
    private final Completion[] completions = {new Completion(), new Completion()};

    // Guarded by this: the queue, its accounting and the drain loop's state.
    private Message[] ring = new Message[16];
    private long[] queuedAt = new long[16];
    private int head;
    private int count;
    private long queuedMediaBytes;
    private SendState sendState = SendState.IDLE;
    private Message inFlight;
    private Completion expected;
    private long inFlightSinceNanos;
    private long sendsStarted;
    private boolean closed;
    private String closeReason;
    private final ArrayDeque<Long> skipTimes = new ArrayDeque<>();
    private long bytesOut;
    private long messagesOut;
    private long droppedBytes;
    private long skipsTotal;
    private long droppedSinceNotice;

    ViewerQueue(long id, ViewerSink sink, Channel channel, View view, RelayHub hub, ViewerPlays plays,
            boolean keys) {
        this.id = id;
        this.sink = sink;
        this.plays = plays;
        this.channel = channel;
        this.cursor = new ViewerCursor(this, view, keys);
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
     * dropped and the caller must resume this viewer at the next keyframe. Called under the channel's lock.
     */
    synchronized Offer offerMedia(Message m, long nowNanos) {
        if (closed) {
            return Offer.QUEUED;
        }
        // A message larger than the whole bound still goes out when nothing else waits: refusing it
        // would leave the viewer nothing to ever receive.
        boolean tooMany = queuedMediaBytes > 0 && queuedMediaBytes + m.size > config.maxQueueBytes();
        boolean tooOld = count > 0 && nowNanos - queuedAt[head] > config.maxQueueAgeMillis() * 1_000_000L;
        if (tooMany || tooOld) {
            long dropped = dropQueuedMedia() + m.size;
            droppedBytes += dropped;
            droppedSinceNotice += dropped;
            channel.counters.droppedBytes += dropped;
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

    /** Whether one send has been in flight longer than {@link RelayConfig#maxStallMillis()}. */
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

    /** Keeps control messages and init segments in order; drops every queued media message. @return bytes dropped */
    private long dropQueuedMedia() {
        int n = count;
        Message[] keep = new Message[n];
        long[] keepAt = new long[n];
        int k = 0;
        long dropped = 0;
        for (int i = 0; i < n; i++) {
            int idx = (head + i) % ring.length;
            if (ring[idx].kind == Message.Kind.MEDIA) {
                dropped += ring[idx].size;
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
        return dropped;
    }

    /** @return true if no loop ran: the caller starts one with {@link #drain} (outside every relay lock) */
    private boolean startDraining() {
        if (sendState != SendState.IDLE) {
            return false;
        }
        sendState = SendState.PROCESSING;
        return true;
    }

    /**
     * The drain loop: sends queued messages one at a time. Runs on whichever thread kicked it or completed
     * the previous send; loops instead of recursing when a sink completes synchronously.
     */
    void drain() {
        for (;;) {
            Message m;
            Completion callback;
            synchronized (this) {
                if (sendState != SendState.PROCESSING) {
                    throw new IllegalStateException("viewer " + id + ": drain in state " + sendState);
                }
                m = closed ? null : poll();
                if (m == null) {
                    sendState = SendState.IDLE;
                    return;
                }
                inFlight = m;
                inFlightSinceNanos = hub.nanoTime();
                callback = completions[(int) (sendsStarted++ & 1)];
                expected = callback;
                sendState = SendState.SENDING;
            }
            try {
                if (m.isText()) {
                    sink.sendText(m.text, callback);
                } else {
                    sink.sendShared(m.shared, callback);
                }
            } catch (RuntimeException e) {
                sendThrew(callback, e);
            }
            synchronized (this) {
                if (sendState == SendState.SENDING) {
                    sendState = SendState.AWAITING_COMPLETION;
                    return;
                }
                // COMPLETED_DURING_SEND: the completion left the rest of the loop to this thread.
                sendState = SendState.PROCESSING;
            }
        }
    }

    /** The sink threw instead of completing: a failed send, unless it completed the send before throwing. */
    private void sendThrew(Completion callback, RuntimeException e) {
        boolean completedAlready;
        synchronized (this) {
            completedAlready = expected != callback;
        }
        if (completedAlready) {
            channel.closeViewer(this, CloseCodes.GOING_AWAY, "send failed", false);
        } else {
            completed(callback, e);
        }
    }

    /** One send's completion, as the sink reports it. */
    private final class Completion implements SendCallback {
        @Override
        public void completed(Throwable failure) {
            ViewerQueue.this.completed(this, failure);
        }
    }

    private void completed(Completion callback, Throwable failure) {
        boolean resume;
        synchronized (this) {
            if (callback != expected
                    || sendState != SendState.SENDING && sendState != SendState.AWAITING_COMPLETION) {
                resume = false;
                callback = null;
            } else {
                expected = null;
                if (failure == null && !closed) {
                    bytesOut += inFlight.size;
                    messagesOut++;
                    channel.counters.bytesOut.add(inFlight.size);
                }
                inFlight = null;
                resume = sendState == SendState.AWAITING_COMPLETION;
                sendState = resume ? SendState.PROCESSING : SendState.COMPLETED_DURING_SEND;
            }
        }
        if (callback == null) {
            unexpectedCompletion();
        }
        if (failure != null) {
            channel.closeViewer(this, CloseCodes.GOING_AWAY, "send failed", false);
        }
        if (resume) {
            drain();
        }
    }

    /** A completion with no send of it in flight: the transport broke its contract. Loud, and the viewer goes. */
    private void unexpectedCompletion() {
        IllegalStateException e;
        synchronized (this) {
            e = new IllegalStateException("viewer " + id + ": send completed with no send of it in flight (state "
                    + sendState + "); the transport completed a send twice or one it was never given");
        }
        LOG.error("channel {}: {}", channel.name, e.getMessage(), e);
        channel.closeViewer(this, CloseCodes.INTERNAL_ERROR, "internal error: send completed twice", true);
        throw e;
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

    synchronized SendState sendState() {
        return sendState;
    }

    /** Adds this queue's depth to {@code load}: {@code [queuedBytes, queuedMessages, maxLagMillis]}. */
    synchronized void addLoad(long[] load, long nowNanos) {
        load[0] += queuedMediaBytes;
        load[1] += count;
        load[2] = Math.max(load[2], lagMillis(nowNanos));
    }

    private long lagMillis(long nowNanos) {
        long lag = count > 0 ? (nowNanos - queuedAt[head]) / 1_000_000L : 0;
        if (inFlight != null) {
            lag = Math.max(lag, (nowNanos - inFlightSinceNanos) / 1_000_000L);
        }
        return lag;
    }

    synchronized ViewerStats stats(String state, long nowNanos) {
        return new ViewerStats(id, state, bytesOut, messagesOut, queuedMediaBytes, count, lagMillis(nowNanos),
                skipsTotal, droppedBytes, closeReason, plays.reported() ? plays.ids() : null);
    }
}
