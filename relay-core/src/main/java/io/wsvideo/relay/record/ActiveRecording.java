package io.wsvideo.relay.record;

import io.wsvideo.relay.Publisher;
import io.wsvideo.relay.media.MalformedStreamException;
import io.wsvideo.relay.media.Segmenter;
import io.wsvideo.relay.media.SegmenterLimits;
import io.wsvideo.relay.media.StreamInfo;
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
    private static final byte[] EBML_MAGIC = {0x1A, 0x45, (byte) 0xDF, (byte) 0xA3};
    private static final byte[] FTYP = {'f', 't', 'y', 'p'};

    /** A queued piece of work: stream bytes, or the end. */
    private record Item(ByteBuffer bytes, String endReason, Exception failure) {
        int size() {
            return bytes == null ? 0 : bytes.remaining();
        }
    }

    /** Whose stream it records: the publisher that continued it, after a drop ({@link #continuedBy}). */
    private volatile Publisher publisher;
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
    /** Another publisher continued the stream ({@link #continuedBy}). */
    private boolean continued;
    private boolean draining;
    private boolean endQueued;

    // Writer side: touched only by the draining task (one at a time, ordered by the lock above).
    private RecordingSink.Stream stream;
    private Segmenter segmenter;
    /** Stream bytes handed to {@link #stream}: its next offset. */
    private long recordedOffset;
    /** Up to three bytes that may begin a new stream's EBML header, held until the next chunk tells. */
    private byte[] held;
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

    /**
     * A publisher continued the stream this recording records (its connection dropped and it resumed the same
     * byte stream, {@link Publisher#continuedAt()}): its chunks go on into the same file.
     */
    synchronized void continuedBy(Publisher p) {
        publisher = p;
        continued = true;
    }

    /** Whether {@code p} continued the stream of this recording after it began (see {@link #continuedBy}). */
    synchronized boolean continues(Publisher p) {
        return continued && publisher == p && nextOffset > 0;
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
        ByteBuffer view = bytes.asReadOnlyBuffer();
        if (held != null) {
            view = ByteBuffer.allocate(held.length + view.remaining()).put(held).put(view).flip().asReadOnlyBuffer();
            held = null;
        }
        if (stream != null && segmenter.info() != null) {
            StreamInfo.Container container = segmenter.info().container();
            int n = view.remaining();
            if (container == StreamInfo.Container.WEBM && n > 0 && n < EBML_MAGIC.length
                    && startsWith(view, EBML_MAGIC, 0, n)) {
                // Chromium's first WebM Blob is the byte 0x1A alone: wait for the next one to tell.
                held = new byte[n];
                view.get(view.position(), held);
                return;
            }
            if (newStream(view, container)) {
                // MediaRecorder restarted on the same connection (another codec, say): the stream so far ends
                // here, complete, and the new one gets a sink stream and a segmenter of its own (its init
                // segment declares other tracks; the first segmenter would skip it).
                RecordingSink.Stream done = stream;
                stream = null;
                segmenter = null;
                recordedOffset = 0;
                done.end("a new stream began on the same connection", null);
            }
        }
        if (stream == null) {
            Instant start = recordedOffset == 0 && bytesRecorded > 0 ? Instant.now() : startedAt();
            stream = recorder.sink().open(new RecordingSink.Start(channel, start, publisher.mimeHint()));
            segmenter = Segmenter.create(publisher.mimeHint(), recorder.segmenterLimits(), new SinkEvents(stream));
        }
        int n = view.remaining();
        stream.data(recordedOffset, view.duplicate());
        recordedOffset += n;
        segmenter.feed(view);
        bytesRecorded += n;
        recorder.recorded(n);
    }

    /**
     * Whether a chunk begins a new stream: at its start the EBML header's ID, or an MP4 {@code ftyp} box
     * (MediaRecorder's MP4 Blobs are box-aligned). Inside a stream, media data would have to match those four bytes
     * exactly at a chunk boundary (one chance in 2^32 per chunk).
     */
    private static boolean newStream(ByteBuffer b, StreamInfo.Container container) {
        return switch (container) {
            case WEBM -> startsWith(b, EBML_MAGIC, 0, EBML_MAGIC.length);
            case MP4 -> b.remaining() >= 8 && startsWith(b, FTYP, 4, FTYP.length);
            default -> false;
        };
    }

    /** Whether {@code b}'s bytes from {@code at} (after its position) begin with {@code prefix[0, n)}. */
    private static boolean startsWith(ByteBuffer b, byte[] prefix, int at, int n) {
        if (b.remaining() < at + n) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (b.get(b.position() + at + i) != prefix[i]) {
                return false;
            }
        }
        return true;
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
