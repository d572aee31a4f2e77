package io.wsvideo.relay.record;

import io.wsvideo.relay.HubListener;
import io.wsvideo.relay.PublishAuthorizer;
import io.wsvideo.relay.Publisher;
import io.wsvideo.relay.RelayConfig;
import io.wsvideo.relay.RelayHub;
import io.wsvideo.relay.media.SegmenterLimits;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records channels of a {@link RelayHub} into a {@link RecordingSink}: one more consumer of each recorded
 * stream, which gets every byte (it is never skipped) and writes off the publish path.
 *
 * <pre>{@code
 * RecordingConfig rc = RecordingConfig.builder().dir(Path.of("recordings")).build();
 * RecordingFiles files = RecordingFiles.open(rc);      // seekable WebM/MP4 files, listing, retention
 * Recorder recorder = Recorder.start(hub, rc, files);  // or your own RecordingSink
 * ...
 * hub.close();       // publishers end, so do their recordings
 * recorder.close();  // waits for the files to be completed
 * }</pre>
 *
 * <p>Each recording has a bounded queue ({@link RecordingConfig#queueBytes()}), filled on the publisher's thread
 * and drained by one task at a time on the recorder's threads (one per recording that has work). When the queue
 * overflows or the sink throws, that recording stops: a warning is logged, {@link RecorderStats#failed()} counts
 * it and {@link #stats()} shows it FAILED with the reason; the live channel and its viewers are not affected.
 * A publisher that reconnects starts a new recording, unless it continues the same stream after its network
 * dropped ({@link RelayHub#openPublisher(String, String, io.wsvideo.relay.Peer, String, boolean)}): then the
 * recording goes on in the same file, as the viewers' stream does.
 */
public final class Recorder implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Recorder.class);
    /** How much longer than the hub's resume window a kept recording waits for the publisher continuing it. */
    private static final long KEPT_SLACK_MILLIS = 1000;
    /** Failed recordings kept for {@link #stats()} after their publisher left. */
    private static final int FAILED_KEPT = 256;
    /** The query parameter with which a publisher asks to be recorded: {@code ?record=1}. */
    public static final String REQUEST_PARAMETER = "record";
    /**
     * The recorder of each hub, so that every transport can pass a publisher's {@code ?record=1} on with one call
     * ({@link #requested}) instead of carrying the recorder through its own configuration.
     */
    // Weak both ways: a recorder holds its hub, and a running one is held by the hub's listener list anyway.
    private static final Map<RelayHub, java.lang.ref.WeakReference<Recorder>> BY_HUB =
            java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

    private final RelayHub hub;
    private final RecordingConfig config;
    private final RecordingSink sink;
    private final SegmenterLimits limits;
    private final ExecutorService writers;
    private final HubListener listener = new Listener();
    private final ConcurrentHashMap<Publisher, ActiveRecording> byPublisher = new ConcurrentHashMap<>();
    /**
     * Recordings whose publisher left while the hub keeps its stream for one that continues it
     * ({@link Publisher#streamKept()}): that one's chunks go on into the same file. Ended when the resume window
     * passes without it.
     */
    private final ConcurrentHashMap<Publisher, ActiveRecording> kept = new ConcurrentHashMap<>();
    // Guarded by itself: the recordings shown in stats, running ones and the last failed one of each channel.
    private final Map<ActiveRecording, Boolean> shown = new LinkedHashMap<>();
    private final AtomicLong started = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong overflows = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    /** Drain tasks scheduled or running. */
    private final AtomicInteger busy = new AtomicInteger();
    private volatile boolean closed;

    private Recorder(RelayHub hub, RecordingConfig config, RecordingSink sink) {
        this.hub = Objects.requireNonNull(hub, "hub");
        this.config = Objects.requireNonNull(config, "config");
        this.sink = Objects.requireNonNull(sink, "sink");
        RelayConfig rc = hub.config();
        this.limits = new SegmenterLimits(rc.maxElementBytes(), rc.maxInitSegmentBytes(), 16);
        AtomicInteger ids = new AtomicInteger();
        // One thread per recording that has work (a blocked disk blocks only its own recordings); idle ones go.
        this.writers = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
                r -> {
                    Thread t = new Thread(r, "wsvideo-recorder-" + ids.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
    }

    /**
     * Starts recording {@code hub}'s channels as {@code config} says into {@code sink}. Publishers already live
     * are picked up at their next keyframe.
     */
    public static Recorder start(RelayHub hub, RecordingConfig config, RecordingSink sink) {
        Recorder r = new Recorder(hub, config, sink);
        synchronized (BY_HUB) {
            if (recorderOf(hub) != null) {
                throw new IllegalStateException("this hub has a recorder already");
            }
            BY_HUB.put(hub, new java.lang.ref.WeakReference<>(r));
        }
        hub.addListener(r.listener);
        LOG.info("recording {} into {}", config.onRequest() ? "channels matching " + config.channels()
                + " whose publisher asks" : "every channel matching " + config.channels(), sink);
        return r;
    }

    /**
     * A publisher asked to be recorded ({@code ?record=1}). Only meaningful when {@link RecordingConfig#onRequest()};
     * otherwise the channel is recorded (or not) whatever it asks. Call it right after
     * {@link RelayHub#openPublisher}; a later call starts at the stream's next keyframe.
     *
     * @param token         what the client presented as its token, or null
     * @param remoteAddress the client's address, or null
     * @return whether this publisher's stream is recorded
     */
    public boolean request(Publisher publisher, String token, String remoteAddress) {
        String channel = publisher.channel();
        if (closed || !config.channels().matcher(channel).matches()) {
            return false;
        }
        if (!config.onRequest()) {
            return true;
        }
        PublishAuthorizer a = config.requestAuthorizer();
        try {
            if (a != null && !a.authorize(channel, token, remoteAddress)) {
                LOG.info("channel {}: recording refused (not allowed)", channel);
                return false;
            }
        } catch (RuntimeException e) {
            LOG.warn("channel {}: the recording authorizer threw; not recording", channel, e);
            return false;
        }
        ActiveRecording r = new ActiveRecording(this, publisher, writers);
        if (byPublisher.putIfAbsent(publisher, r) == null) {
            r.startFromSnapshot();
        }
        return true;
    }

    /**
     * For transports: a publisher opened with the {@value #REQUEST_PARAMETER} query parameter; passes it to the
     * hub's recorder as {@link #request} if the value is {@code 1} or {@code true} and the hub has a recorder.
     * Call it right after {@link RelayHub#openPublisher}, before the publisher's first message.
     *
     * @param value the parameter's value, or null when absent
     * @return whether the publisher's stream is recorded
     */
    public static boolean requested(RelayHub hub, Publisher publisher, String value, String token,
                                    String remoteAddress) {
        if (value == null || !(value.equals("1") || value.equalsIgnoreCase("true"))) {
            return false;
        }
        Recorder r = recorderOf(hub);
        return r != null && r.request(publisher, token, remoteAddress);
    }

    private static Recorder recorderOf(RelayHub hub) {
        java.lang.ref.WeakReference<Recorder> ref = BY_HUB.get(hub);
        Recorder r = ref == null ? null : ref.get();
        return r == null || r.closed ? null : r;
    }

    /** The recordings running now and the failed ones still shown, with totals. */
    public RecorderStats stats() {
        List<RecorderStats.Recording> list = new ArrayList<>();
        synchronized (shown) {
            for (ActiveRecording r : shown.keySet()) {
                list.add(r.stats());
            }
        }
        for (ActiveRecording r : byPublisher.values()) {
            if (r.state() == RecorderStats.State.WAITING) {
                list.add(r.stats());
            }
        }
        return new RecorderStats(List.copyOf(list), started.get(), failed.get(), overflows.get(), bytes.get());
    }

    public RecordingConfig config() {
        return config;
    }

    RecordingSink sink() {
        return sink;
    }

    SegmenterLimits segmenterLimits() {
        return limits;
    }

    /**
     * Stops recording: every running recording ends as if its publisher had left (its file is completed), then
     * this waits up to {@code 30 s} for the writers. Close the hub first to end the streams themselves.
     */
    @Override
    public void close() {
        closed = true;
        synchronized (BY_HUB) {
            if (recorderOf(hub) == this) {
                BY_HUB.remove(hub);
            }
        }
        hub.removeListener(listener);
        for (ActiveRecording r : byPublisher.values()) {
            r.end("recorder closed");
        }
        byPublisher.clear();
        for (ActiveRecording r : kept.values()) {
            r.end("recorder closed");
        }
        kept.clear();
        writers.shutdown();
        try {
            if (!writers.awaitTermination(30, TimeUnit.SECONDS)) {
                LOG.warn("recorder: writers still busy after 30 s; their files may be incomplete");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (sink instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.warn("recorder: closing the sink failed", e);
            }
        }
    }

    // Called by the recordings.

    void started(ActiveRecording r) {
        started.incrementAndGet();
        synchronized (shown) {
            // A new recording of a channel replaces its last failed one in the stats.
            shown.keySet().removeIf(o -> o.channel.equals(r.channel) && o != r
                    && o.state() != RecorderStats.State.RECORDING);
            shown.put(r, Boolean.TRUE);
        }
        LOG.info("channel {}: recording", r.channel);
    }

    void failed(ActiveRecording r, String why, boolean overflow) {
        failed.incrementAndGet();
        if (overflow) {
            overflows.incrementAndGet();
        }
        LOG.warn("channel {}: recording stopped: {} (the live channel is not affected)", r.channel, why);
    }

    void ended(ActiveRecording r) {
        synchronized (shown) {
            if (r.state() != RecorderStats.State.FAILED) {
                shown.remove(r);
            } else if (shown.size() > FAILED_KEPT) {
                Iterator<ActiveRecording> it = shown.keySet().iterator();
                while (shown.size() > FAILED_KEPT && it.hasNext()) {
                    if (it.next().state() == RecorderStats.State.FAILED) {
                        it.remove();
                    }
                }
            }
        }
    }

    void recorded(long n) {
        bytes.addAndGet(n);
    }

    private final class Listener implements HubListener {
        @Override
        public void publisherOpened(Publisher p) {
            if (p.continuedAt() >= 0 && continueRecording(p)) {
                return;
            }
            if (!closed && config.recordsAutomatically(p.channel())) {
                byPublisher.putIfAbsent(p, new ActiveRecording(Recorder.this, p, writers));
            }
        }

        /**
         * {@code p} continues its channel's stream: the recording of that stream goes on with it. The publisher it
         * continues has left already (the recording is kept) or is being closed (its recording is still its own).
         */
        private boolean continueRecording(Publisher p) {
            Publisher before = p.continues();
            ActiveRecording r = before == null ? null : kept.remove(before);
            if (r == null && before != null) {
                r = byPublisher.remove(before);
            }
            if (r == null) {
                return false;
            }
            r.continuedBy(p);
            byPublisher.put(p, r);
            LOG.info("channel {}: the recording goes on with the publisher that continued the stream", p.channel());
            return true;
        }

        @Override
        public void publisherData(Publisher p, long streamOffset, ByteBuffer chunk) {
            ActiveRecording r = byPublisher.get(p);
            if (r == null && streamOffset > 0 && !closed && config.recordsAutomatically(p.channel())) {
                // Live before this recorder started: begin at its last keyframe, if it still publishes.
                ActiveRecording fresh = new ActiveRecording(Recorder.this, p, writers);
                r = byPublisher.putIfAbsent(p, fresh);
                if (r == null) {
                    if (!fresh.startFromSnapshot()) {
                        byPublisher.remove(p, fresh); // no keyframe yet, or it just left: next chunk
                        return;
                    }
                    r = fresh;
                }
            }
            if (r != null && streamOffset == 0 && r.continues(p)) {
                // The publisher said it continues the stream, then began a new one (its recorder restarted): the
                // hub starts a new stream, and so does the recording.
                r.end("the publisher restarted its stream");
                ActiveRecording fresh = new ActiveRecording(Recorder.this, p, writers);
                byPublisher.put(p, fresh);
                r = fresh;
            }
            if (r != null) {
                r.offer(streamOffset, chunk);
            }
        }

        @Override
        public void publisherClosed(Publisher p) {
            ActiveRecording r = byPublisher.remove(p);
            if (r == null) {
                return;
            }
            if (!p.streamKept() || closed) {
                r.end("publisher left");
                return;
            }
            // The stream may go on with a publisher that continues it; if none does in time, the hub ends the
            // stream, and so does this (a little later: a continuation accepted at the window's end comes first).
            kept.put(p, r);
            long wait = hub.config().publisherResumeMillis() + KEPT_SLACK_MILLIS;
            CompletableFuture.delayedExecutor(wait, TimeUnit.MILLISECONDS).execute(() -> {
                if (kept.remove(p, r)) {
                    r.end("publisher left");
                }
            });
        }
    }

    @Override
    public String toString() {
        return "Recorder{" + config + ", sink=" + sink + '}';
    }

    void busy(int delta) {
        busy.addAndGet(delta);
    }

    /** For tests: whether every recording's writer emptied its queue within the time. */
    boolean awaitIdle(long millis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (System.nanoTime() < deadline) {
            if (busy.get() == 0) {
                return true;
            }
            Thread.sleep(5);
        }
        return false;
    }
}
