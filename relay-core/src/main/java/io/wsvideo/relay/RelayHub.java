package io.wsvideo.relay;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay: named channels, each with at most one publisher and any number of viewers. Independent of any
 * WebSocket API; transports adapt their sessions to {@link Peer} and {@link ViewerSink}.
 *
 * <pre>{@code
 * RelayHub hub = RelayHub.create(RelayConfig.defaults());
 * Publisher p = hub.openPublisher("news", "video/webm;codecs=vp8,opus", publisherPeer);
 * Viewer v = hub.openViewer("news", viewerSink);
 * p.onData(chunk);   // every viewer gets the stream message, the init segment, then media
 * }</pre>
 *
 * Thread-safe. Lock order: hub, then channel, then viewer queue; no lock is held while calling a sink or a
 * {@link HubListener}.
 */
public final class RelayHub implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RelayHub.class);

    /** The close reason of a publisher replaced by one that showed its resume token (close code 1008). */
    public static final String RESUMED = "resumed by a new connection";
    /** The close reason of a publisher replaced under {@link RelayConfig#publisherTakeover()} (1008). */
    static final String TAKEN_OVER = "taken over by a new publisher";

    private final RelayConfig config;
    private final LongSupplier nanoClock;
    private final AtomicLong viewerIds = new AtomicLong();
    private final ScheduledExecutorService sweeper;
    /** The sweeper's thread, joined on close. Set once by the executor's thread factory. */
    private volatile Thread sweeperThread;
    private final List<HubListener> listeners = new CopyOnWriteArrayList<>();

    // Guarded by itself. Channels exist while they have a publisher or a viewer.
    private final Map<String, Channel> channels = new HashMap<>();
    private boolean closed;
    /** The counts of the channels that were dropped, so the hub's totals never go down. Guarded by channels. */
    private RelayCounters retired = RelayCounters.ZERO;

    private RelayHub(RelayConfig config, LongSupplier nanoClock, boolean sweep) {
        this.config = Objects.requireNonNull(config, "config");
        this.nanoClock = nanoClock;
        if (sweep) {
            this.sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "wsvideo-relay-sweeper");
                t.setDaemon(true);
                sweeperThread = t;
                return t;
            });
            long period = Math.max(100, Math.min(1000, config.maxStallMillis() / 4));
            sweeper.scheduleWithFixedDelay(this::sweep, period, period, TimeUnit.MILLISECONDS);
        } else {
            this.sweeper = null;
        }
    }

    public static RelayHub create(RelayConfig config) {
        return new RelayHub(config, System::nanoTime, true);
    }

    /** For tests: a hub on a given clock, without the background sweeper. */
    static RelayHub createForTest(RelayConfig config, LongSupplier nanoClock) {
        return new RelayHub(config, nanoClock, false);
    }

    public RelayConfig config() {
        return config;
    }

    long nanoTime() {
        return nanoClock.getAsLong();
    }

    /**
     * Registers a listener for publishers' streams and channels' first and last viewers (see
     * {@link HubListener} for threads and rules). Register it before the hub is used: it is not told of
     * what happened before.
     */
    public void addListener(HubListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    public void removeListener(HubListener listener) {
        listeners.remove(listener);
    }

    boolean hasListeners() {
        return !listeners.isEmpty();
    }

    /** Tells every listener, outside every hub lock; a listener that throws is logged, never propagated. */
    void fire(Consumer<HubListener> event) {
        for (HubListener l : listeners) {
            try {
                event.accept(l);
            } catch (RuntimeException | Error e) {
                if (e instanceof VirtualMachineError) {
                    throw e;
                }
                LOG.warn("hub listener {} failed", l, e);
            }
        }
    }

    /**
     * Starts publishing on a channel, showing no resume token; see
     * {@link #openPublisher(String, String, Peer, String, boolean)}.
     */
    public Publisher openPublisher(String channel, String mimeHint, Peer peer) throws RelayRefusal {
        return openPublisher(channel, mimeHint, peer, null);
    }

    /**
     * Starts publishing on a channel, as a new stream; see {@link #openPublisher(String, String, Peer, String, boolean)}.
     */
    public Publisher openPublisher(String channel, String mimeHint, Peer peer, String resumeToken)
            throws RelayRefusal {
        return openPublisher(channel, mimeHint, peer, resumeToken, false);
    }

    /**
     * Starts publishing on a channel. A channel has one publisher: a second one is refused with
     * {@code channel busy} (unless {@link RelayConfig#publisherTakeover()}), except a publisher that shows the
     * resume token the channel's last publisher was given ({@link Publisher#resumeToken()}), while that one is
     * still attached or within {@link RelayConfig#publisherResumeMillis()} after it left: a broadcaster whose
     * network dropped gets its channel back, even before the relay noticed its old connection died. The old
     * connection is then closed with 1008 {@value #RESUMED}, and its token works no more (the new publisher
     * has a new one).
     *
     * <p>With {@code continueStream}, such a publisher carries on the same byte stream (its recorder kept
     * running through the drop): when the channel still has the stream of the publisher whose token it showed
     * (attached, or held after {@link Publisher#connectionLost()}) with the same MIME type, its bytes go on
     * into that stream, viewers see no {@code ended} and no new {@code stream}, and
     * {@link Publisher#continuedAt()} says the byte its first chunk must start at (the relay may not have
     * received everything the old connection sent). Otherwise it starts a new stream as usual, and so does a
     * first chunk that starts a container anew (an EBML header, an MP4 {@code ftyp}).
     *
     * @param mimeHint       the recorder's MIME type if the client said it (checked against the bytes), or null
     * @param peer           how to close the publisher's connection (malformed stream, takeover, shutdown)
     * @param resumeToken    what the client presented as its resume token, or null
     * @param continueStream whether the client continues the byte stream of the publisher it resumes
     * @throws RelayRefusal bad channel name, channel busy, too many channels
     */
    public Publisher openPublisher(String channel, String mimeHint, Peer peer, String resumeToken,
                                   boolean continueStream) throws RelayRefusal {
        Objects.requireNonNull(peer, "peer");
        checkName(channel);
        Publisher p;
        Publisher replaced;
        boolean resumed;
        Actions actions = new Actions(null);
        synchronized (channels) {
            checkOpen();
            Channel ch = channelFor(channel);
            Publisher resumes = resumeToken == null ? null : ch.resumes(resumeToken);
            resumed = resumes != null;
            if (ch.hasPublisher() && !config.publisherTakeover() && !resumed) {
                ch.publisherRefused();
                dropIfEmptyLocked(ch);
                throw new RelayRefusal(CloseCodes.POLICY_VIOLATION, "channel busy: " + channel);
            }
            p = new Publisher(this, ch, peer, mimeHint, resumed);
            replaced = ch.attachPublisher(p, continueStream ? resumes : null, actions);
        }
        if (replaced != null) {
            actions.close(replaced.peer, CloseCodes.POLICY_VIOLATION, resumed ? RESUMED : TAKEN_OVER);
        }
        actions.run(this);
        if (p.continuedAt() >= 0) {
            LOG.info("channel {}: publisher resumed, continuing its stream at byte {}", channel, p.continuedAt());
        } else {
            LOG.info("channel {}: publisher {} ({})", channel, resumed ? "resumed" : "joined",
                    mimeHint == null ? "no MIME type given" : mimeHint);
        }
        fire(l -> l.publisherOpened(p));
        return p;
    }

    /**
     * Adds a viewer to a channel; it waits if nobody publishes yet.
     *
     * @throws RelayRefusal bad channel name, too many channels or viewers
     */
    public Viewer openViewer(String channel, ViewerSink sink) throws RelayRefusal {
        return openViewer(channel, sink, ViewFormat.BYTES);
    }

    /**
     * Adds a viewer of the channel's bytes or of its frames ({@link ViewFormat}); it waits if nobody publishes
     * yet. A frame viewer of a stream the relay cannot split into frames is closed with
     * {@link CloseCodes#FRAMES_UNSUPPORTED}.
     *
     * @throws RelayRefusal bad channel name, too many channels or viewers
     */
    public Viewer openViewer(String channel, ViewerSink sink, ViewFormat format) throws RelayRefusal {
        return openViewer(channel, sink, format, ViewerPlays.UNREPORTED);
    }

    /**
     * As {@link #openViewer(String, ViewerSink, ViewFormat)}, for a viewer that said what it plays (the view
     * URL's {@code plays}, {@link ViewerPlays#parse}): the channel's stats count it.
     */
    public Viewer openViewer(String channel, ViewerSink sink, ViewFormat format, ViewerPlays plays)
            throws RelayRefusal {
        return openViewer(channel, sink, format, plays, false);
    }

    /**
     * As {@link #openViewer(String, ViewerSink, ViewFormat, ViewerPlays)}; with {@code keys} (the view URL's
     * {@code keys=1}, {@link ViewFormat#parseKeys}) a byte viewer is also told where the video key frames are:
     * {@code {"type":"key","t":SECONDS}} after the bytes that complete each one (README, Protocol). A frame
     * viewer has the key flag in every frame and ignores it.
     */
    public Viewer openViewer(String channel, ViewerSink sink, ViewFormat format, ViewerPlays plays, boolean keys)
            throws RelayRefusal {
        Objects.requireNonNull(sink, "sink");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(plays, "plays");
        checkName(channel);
        ViewerQueue q;
        Actions actions;
        boolean first;
        synchronized (channels) {
            checkOpen();
            Channel ch = channelFor(channel);
            if (ch.viewerCount() >= config.maxViewersPerChannel()) {
                dropIfEmptyLocked(ch);
                throw new RelayRefusal(CloseCodes.TRY_AGAIN_LATER, "too many viewers on channel " + channel);
            }
            q = new ViewerQueue(viewerIds.incrementAndGet(), sink, ch,
                    format == ViewFormat.FRAMES ? ch.frames : ch.bytes, this, plays,
                    keys && format == ViewFormat.BYTES);
            actions = new Actions(ch);
            first = ch.addViewer(q, actions);
        }
        actions.run(this);
        LOG.debug("channel {}: viewer {} joined", channel, q.id);
        if (first) {
            fire(l -> l.firstViewerJoined(channel));
        }
        return new Viewer(q);
    }

    private void checkName(String channel) throws RelayRefusal {
        if (channel == null || !config.channelNamePattern().matcher(channel).matches()) {
            throw new RelayRefusal(CloseCodes.POLICY_VIOLATION, "invalid channel name");
        }
    }

    private void checkOpen() throws RelayRefusal {
        if (closed) {
            throw new RelayRefusal(CloseCodes.GOING_AWAY, "relay is shutting down");
        }
    }

    // Guarded by channels.
    private Channel channelFor(String name) throws RelayRefusal {
        Channel ch = channels.get(name);
        if (ch == null) {
            if (channels.size() >= config.maxChannels()) {
                throw new RelayRefusal(CloseCodes.TRY_AGAIN_LATER, "too many channels");
            }
            ch = new Channel(name, this);
            channels.put(name, ch);
        }
        return ch;
    }

    /** Forgets a channel that has neither publisher nor viewers (a channel calls it when it emptied). */
    void dropIfEmpty(Channel ch) {
        synchronized (channels) {
            dropIfEmptyLocked(ch);
        }
    }

    // Guarded by channels.
    private void dropIfEmptyLocked(Channel ch) {
        if (ch.isEmpty() && channels.remove(ch.name, ch)) {
            // Nothing counts on it any more: no viewer (each was closed first) and no publisher.
            retired = retired.plus(ch.counters.read());
        }
    }

    void closePeer(Peer p, int code, String reason) {
        try {
            p.close(code, reason);
        } catch (RuntimeException e) {
            LOG.debug("closing a peer failed", e);
        }
    }

    private void sweep() {
        try {
            List<Channel> all;
            synchronized (channels) {
                all = new ArrayList<>(channels.values());
            }
            long now = nanoTime();
            Actions actions = new Actions(null);
            List<Channel> expired = new ArrayList<>();
            for (Channel ch : all) {
                if (ch.sweep(now, actions)) {
                    expired.add(ch);
                }
            }
            actions.run(this);
            for (Channel ch : expired) {
                dropIfEmpty(ch);
            }
        } catch (RuntimeException e) {
            LOG.warn("sweep failed", e);
        }
    }

    /** Checks for stalled viewers and held streams whose time is up now; the hub does it periodically. For tests. */
    void sweepNow() {
        sweep();
    }

    /** Viewers now connected to a channel (0 when it does not exist); cheap, unlike {@link #stats()}. */
    public int viewerCount(String channel) {
        Channel ch;
        synchronized (channels) {
            ch = channels.get(channel);
        }
        return ch == null ? 0 : ch.viewerCount();
    }

    /** A snapshot with per-viewer details; see {@link #stats(boolean)}. */
    public RelayStats stats() {
        return stats(true);
    }

    /**
     * A snapshot of every channel. Per-viewer details cost an object per viewer: leave them out
     * ({@code withViewers = false}) for dashboards and metrics scraped often.
     */
    public RelayStats stats(boolean withViewers) {
        List<Channel> all;
        synchronized (channels) {
            all = new ArrayList<>(channels.values());
        }
        List<ChannelStats> cs = new ArrayList<>(all.size());
        for (Channel ch : all) {
            cs.add(ch.stats(withViewers));
        }
        cs.sort((a, b) -> a.name().compareTo(b.name()));
        RelayCounters totals = counters();
        return new RelayStats(List.copyOf(cs), totals.evictions(), totals.publishersRefused());
    }

    /**
     * The hub's monotonic counts since it started, channels that are gone included. Costs one small object
     * per channel, nothing per viewer: cheap enough to read on every scrape.
     */
    public RelayCounters counters() {
        synchronized (channels) {
            RelayCounters sum = retired;
            for (Channel ch : channels.values()) {
                sum = sum.plus(ch.counters.read());
            }
            return sum;
        }
    }

    /**
     * Every channel's counts and queue load, by name. Costs one small object per channel and a walk over its
     * viewers, nothing per viewer: for metrics read every second or on every scrape, unlike {@link #stats()}.
     */
    public List<ChannelCounters> channelCounters() {
        List<Channel> all;
        synchronized (channels) {
            all = new ArrayList<>(channels.values());
        }
        List<ChannelCounters> out = new ArrayList<>(all.size());
        for (Channel ch : all) {
            out.add(ch.counters());
        }
        out.sort((a, b) -> a.name().compareTo(b.name()));
        return out;
    }

    /** Closes every publisher and viewer with 1001 and refuses new ones. */
    @Override
    public void close() {
        List<Channel> all;
        synchronized (channels) {
            if (closed) {
                return;
            }
            closed = true;
            all = new ArrayList<>(channels.values());
        }
        Actions actions = new Actions(null);
        for (Channel ch : all) {
            ch.closeAll(CloseCodes.GOING_AWAY, "relay shutting down", actions);
        }
        actions.run(this);
        synchronized (channels) {
            for (Channel ch : channels.values()) {
                retired = retired.plus(ch.counters.read());
            }
            channels.clear();
        }
        if (sweeper != null) {
            sweeper.shutdownNow();
            // Wait for the thread to end: a webapp being undeployed must not leave it running its classes.
            try {
                // Termination is signalled from the worker just before its thread ends: join the thread too,
                // or a container's leak check right after (Tomcat's on undeploy) can still find it alive.
                Thread t = sweeperThread;
                if (!sweeper.awaitTermination(2, TimeUnit.SECONDS) || t != null && !join(t, 2000)) {
                    LOG.warn("the sweeper thread did not stop within 2 s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static boolean join(Thread t, long millis) throws InterruptedException {
        t.join(millis);
        return !t.isAlive();
    }
}
