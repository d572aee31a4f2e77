package io.wsvideo.relay.record;

import io.wsvideo.relay.Publisher;
import io.wsvideo.relay.media.MalformedStreamException;
import io.wsvideo.relay.media.Segmenter;
import io.wsvideo.relay.media.SegmenterLimits;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The recording of one publisher's stream: a bounded queue filled on the publish path and drained, in order,
 * by one task at a time on the recorder's executor, which runs this recording's own {@link Segmenter} and
 * feeds the {@link RecordingSink.Stream}.
 *
 * <p>The publish path only ever takes this object's lock for a queue append: it never waits for the writer.
 */
final class ActiveRecording {

    private static final Logger LOG = LoggerFactory.getLogger(ActiveRecording.class);

    /** A queued piece of work: stream bytes, or the end. */
    private record Item(ByteBuffer bytes, String endReason, Exception failure) {
        int size() {
            return bytes == null ? 0 : bytes.remaining();
        }
    }

    final Publisher publisher;
    final String channel;
    private final Recorder recorder;
    private final Executor executor;

    // Guarded by this.
    private RecorderStats.State state = RecorderStats.State.WAITING;
    private String reason;
    private Instant startedAt;
    /** The publisher stream offset the next accepted chunk must start at. */
    private long nextOffset;
    private final ArrayDeque<Item> queue = new ArrayDeque<>();
    private long queuedBytes;
    private boolean draining;
    private boolean endQueued;

    // Writer side: touched only by the draining task (one at a time, ordered by the lock above).
    private RecordingSink.Stream stream;
    private Segmenter segmenter;
    private long recordedOffset;
    private boolean writerDone;
    private boolean streamEnded;
    /** Stream bytes handed to the sink; written by the writer, read by stats. */
    private volatile long bytesRecorded;

    ActiveRecording(Recorder recorder, Publisher publisher, Executor executor) {
        this.recorder = recorder;
        this.publisher = publisher;
        this.channel = publisher.channel();
        this.executor = executor;
    }

    /**
     * Starts from what a late joiner would get when the stream is already under way ({@link Publisher#snapshot()}).
     *
     * @return false if there is nothing to start from yet (no data, or no keyframe since the start): the next
     *     chunk will tell
     */
    boolean startFromSnapshot() {
        boolean schedule = false;
        synchronized (this) {
            if (state != RecorderStats.State.WAITING) {
                return true;
            }
            Publisher.Snapshot s = publisher.snapshot();
            if (s == null || s.endOffset() == 0) {
                return false;
            }
            begin(s.endOffset());
            for (ByteBuffer b : s.bytes()) {
                schedule |= enqueue(new Item(b, null, null));
            }
        }
        if (schedule) {
            schedule();
        }
        return true;
    }

    /** One chunk of the publisher's stream, on the publish path. */
    void offer(long offset, ByteBuffer chunk) {
        boolean schedule;
        synchronized (this) {
            if (state == RecorderStats.State.WAITING && offset == 0) {
                begin(0);
            }
            if (state == RecorderStats.State.WAITING) {
                schedule = false;
            } else if (state != RecorderStats.State.RECORDING || endQueued) {
                return;
            } else if (offset + chunk.remaining() <= nextOffset) {
                return; // already part of the snapshot this recording started from
            } else if (offset != nextOffset) {
                schedule = failLocked("the recorder missed bytes " + nextOffset + ".." + offset + " of the stream",
                        false);
            } else if (queuedBytes + chunk.remaining() > recorder.config().queueBytes()) {
                schedule = failLocked("queue overflow: the writer is " + queuedBytes + " bytes behind (limit "
                        + recorder.config().queueBytes() + "); is the disk too slow?", true);
            } else {
                nextOffset = offset + chunk.remaining();
                schedule = enqueue(new Item(chunk, null, null));
            }
        }
        if (state() == RecorderStats.State.WAITING) {
            // Asked for mid-stream when no keyframe was cached yet: this chunk may have brought one.
            startFromSnapshot();
        } else if (schedule) {
            schedule();
        }
    }

    /** The publisher left, or the recorder closes. */
    void end(String why) {
        boolean schedule;
        synchronized (this) {
            if (endQueued) {
                return;
            }
            if (state == RecorderStats.State.WAITING) {
                state = RecorderStats.State.ENDED;
                reason = why;
                endQueued = true;
                return;
            }
            endQueued = true;
            schedule = enqueue(new Item(null, why, null));
        }
        if (schedule) {
            schedule();
        }
    }

    // Guarded by this.
    private void begin(long fromOffset) {
        state = RecorderStats.State.RECORDING;
        startedAt = Instant.now();
        nextOffset = fromOffset;
        recorder.started(this);
    }

    /** @return whether a drain must be scheduled */
    // Guarded by this.
    private boolean enqueue(Item item) {
        queue.add(item);
        queuedBytes += item.size();
        if (draining) {
            return false;
        }
        draining = true;
        return true;
    }

    // Guarded by this. Drops what is queued and queues the end, so the sink can complete what it wrote.
    private boolean failLocked(String why, boolean overflow) {
        state = RecorderStats.State.FAILED;
        reason = why;
        queue.clear();
        queuedBytes = 0;
        endQueued = true;
        recorder.failed(this, why, overflow);
        return enqueue(new Item(null, "failed", new IOException(why)));
    }

    private void schedule() {
        recorder.busy(1);
        try {
            executor.execute(this::drain);
        } catch (RejectedExecutionException e) {
            recorder.busy(-1);
            synchronized (this) {
                draining = false;
            }
            LOG.warn("channel {}: recording dropped: the recorder is shut down", channel);
        }
    }

    private void drain() {
        for (;;) {
            Item item;
            synchronized (this) {
                item = queue.poll();
                if (item == null) {
                    draining = false;
                    recorder.busy(-1);
                    return;
                }
                queuedBytes -= item.size();
            }
            if (writerDone) {
                continue;
            }
            try {
                if (item.bytes == null) {
                    finish(item.endReason, item.failure);
                } else {
                    write(item.bytes);
                }
            } catch (IOException | MalformedStreamException | RuntimeException e) {
                Exception cause = e instanceof UncheckedIOException u ? u.getCause() : e;
                String why = "writing failed: " + cause;
                synchronized (this) {
                    if (state != RecorderStats.State.FAILED) {
                        state = RecorderStats.State.FAILED;
                        reason = why;
                        recorder.failed(this, why, false);
                    }
                    queue.clear();
                    queuedBytes = 0;
                    endQueued = true;
                }
                try {
                    if (!streamEnded) {
                        finish("failed", cause);
                    }
                } catch (IOException | RuntimeException again) {
                    LOG.debug("channel {}: completing the failed recording failed too", channel, again);
                }
            }
        }
    }

    private void write(ByteBuffer bytes) throws IOException, MalformedStreamException {
        if (stream == null) {
            stream = recorder.sink().open(new RecordingSink.Start(channel, startedAt(), publisher.mimeHint()));
            segmenter = Segmenter.create(publisher.mimeHint(), recorder.segmenterLimits(), new SinkEvents(stream));
        }
        ByteBuffer view = bytes.asReadOnlyBuffer();
        int n = view.remaining();
        stream.data(recordedOffset, view.duplicate());
        recordedOffset += n;
        segmenter.feed(view);
        bytesRecorded += n;
        recorder.recorded(n);
    }

    private void finish(String why, Exception failure) throws IOException {
        writerDone = true;
        synchronized (this) {
            if (state == RecorderStats.State.RECORDING) {
                state = RecorderStats.State.ENDED;
                reason = why;
            }
        }
        recorder.ended(this);
        streamEnded = true;
        if (stream != null) {
            stream.end(why, failure);
        }
    }

    private synchronized Instant startedAt() {
        return startedAt;
    }

    synchronized RecorderStats.Recording stats() {
        return new RecorderStats.Recording(channel, state, reason, startedAt, bytesRecorded, queuedBytes);
    }

    synchronized RecorderStats.State state() {
        return state;
    }

}
