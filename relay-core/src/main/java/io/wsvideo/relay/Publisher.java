package io.wsvideo.relay;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A connected publisher, as returned by {@link RelayHub#openPublisher}. The transport calls
 * {@link #onData} for each binary message, in order, from one thread at a time, and {@link #close} when
 * the connection ends.
 */
public final class Publisher {

    final Channel channel;
    final Peer peer;
    final String mimeHint;
    /** Null when {@link RelayConfig#publisherResumeMillis()} is 0. */
    final ResumeToken resumeToken;
    private final boolean resumed;
    /**
     * The offset in its channel's stream where this publisher's bytes go on, when it continues the stream of the
     * publisher it resumed; -1 when it starts a new stream. Written once, under the channel's lock, before
     * {@link RelayHub#openPublisher} returns (or when its first chunk turns out to start a new stream).
     */
    volatile long continuedAt = -1;
    /**
     * Its stream goes on without it: held for a publisher that continues it (its connection was lost), or already
     * continued by one. Set under the channel's lock before {@link HubListener#publisherClosed} is fired for it.
     */
    volatile boolean streamKept;
    /**
     * The publisher whose stream this one continues ({@link #continuedAt()} set), or null. Set under the channel's
     * lock before {@link RelayHub#openPublisher} returns; cleared on the one it names then, so that a stream
     * continued many times does not keep every earlier publisher alive.
     */
    volatile Publisher continues;
    // Guarded by the channel's lock: whether this publisher left its channel (its connection ended, it was
    // replaced or closed for its stream) and when, on the hub's clock. Its resume token lasts from then on.
    boolean gone;
    long goneAtNanos;
    private final RelayHub hub;
    private final AtomicBoolean closed = new AtomicBoolean();
    // Used by onData only (one thread at a time): a continuing publisher's first bytes, held until there are
    // HEAD_BYTES of them, and whether they went to the channel.
    private ByteBuffer head;
    private boolean fed;
    /** Bytes it takes to tell whether a chunk starts a container anew ({@link PublishedStream#startsContainer}). */
    private static final int HEAD_BYTES = 8;

    Publisher(RelayHub hub, Channel channel, Peer peer, String mimeHint, boolean resumed) {
        this.hub = hub;
        this.channel = channel;
        this.peer = peer;
        this.mimeHint = mimeHint;
        this.resumed = resumed;
        this.resumeToken = hub.config().publisherResumeMillis() > 0 ? ResumeToken.issue() : null;
    }

    /**
     * The secret that lets this publisher take its channel back from a new connection, if its network drops
     * (see {@link RelayHub#openPublisher(String, String, Peer, String)}); null when resume is off
     * ({@code publisherResumeMillis} 0). Give it to this publisher only: {@link #acceptedMessage()} does.
     */
    public String resumeToken() {
        return resumeToken == null ? null : resumeToken.value;
    }

    /**
     * The text message a transport sends the publisher right after {@link RelayHub#openPublisher} accepted it
     * (README, protocol): {@code {"type":"accepted","channel":...,"resumeToken":...,"resumeMillis":...}}, the
     * token and its time left out when resume is off.
     */
    public String acceptedMessage() {
        return ControlMessages.accepted(channel.name, resumeToken(), hub.config().publisherResumeMillis(),
                continuedAt);
    }

    /**
     * Where this publisher continues its channel's stream, when it asked to continue the stream of the publisher
     * whose token it showed and the relay still had that stream (see
     * {@link RelayHub#openPublisher(String, String, Peer, String, boolean)}): the number of that stream's bytes
     * the relay took, so the next chunk must start at that byte. -1 when this publisher starts a new stream.
     */
    public long continuedAt() {
        return continuedAt;
    }

    /**
     * The publisher whose stream this one continues, when {@link #continuedAt()} is set: for a consumer of streams
     * (a recorder, a cluster bridge) to carry its state for that stream over to this publisher. Null otherwise.
     */
    public Publisher continues() {
        return continues;
    }

    /**
     * Whether this publisher showed a valid resume token when it opened: the channel was its own before its
     * network dropped (relay-redis then claims the channel across the cluster even if its old stream still
     * holds it).
     */
    public boolean resumed() {
        return resumed;
    }

    /**
     * Whether its channel kept this publisher's stream when it left: held for up to
     * {@link RelayConfig#publisherResumeMillis()} for a publisher that continues it (its connection was lost), or
     * already taken over by one ({@link #continuedAt()} of that one is then set). A consumer of the stream, such as
     * a recorder, keeps its state that long after {@link HubListener#publisherClosed}, for the continuing
     * publisher's {@link HubListener#publisherOpened}. Meaningful once this publisher has left.
     */
    public boolean streamKept() {
        return streamKept;
    }

    /** Under the channel's lock: this publisher is no longer the channel's. */
    void leftAt(long nanos) {
        if (!gone) {
            gone = true;
            goneAtNanos = nanos;
        }
    }

    /**
     * Relays one chunk of container bytes. The hub keeps {@code data} (shared by every viewer) until the
     * last viewer has sent it: the caller must not reuse or change the buffer afterwards. The hub may
     * rewrite bytes in place before anyone sees them (Chromium's truncated MP4 audio durations, see
     * {@code docs/mp4.md}), so pass a buffer you own and that is writable. Malformed media closes this
     * publisher through its {@link Peer} with 1003/1007 and a reason.
     */
    public void onData(ByteBuffer data) {
        if (!fed && continuedAt > 0) {
            // Whether the bytes of a publisher that said it continues the stream start a new one after all takes
            // HEAD_BYTES, and a recorder's first chunk may be a single byte: hold them until then.
            data = firstBytes(data);
            if (data == null) {
                return;
            }
        }
        fed = true;
        if (!hub.hasListeners()) {
            channel.publish(this, data);
            return;
        }
        // Taken before the hub reads it; it sees the bytes as the hub leaves them (see HubListener).
        ByteBuffer view = data.asReadOnlyBuffer();
        long offset = channel.publish(this, data);
        if (offset >= 0) {
            hub.fire(l -> l.publisherData(this, offset, view));
        }
    }

    /** The first {@link #HEAD_BYTES} or more bytes sent, in one buffer; null while fewer have come (held). */
    private ByteBuffer firstBytes(ByteBuffer data) {
        if (head == null && data.remaining() >= HEAD_BYTES) {
            return data;
        }
        int n = (head == null ? 0 : head.position()) + data.remaining();
        ByteBuffer all = ByteBuffer.allocate(n);
        if (head != null) {
            all.put(head.flip());
        }
        all.put(data);
        if (n < HEAD_BYTES) {
            head = all;
            return null;
        }
        head = null;
        return all.flip();
    }

    /** The publisher's connection ended; its viewers get {@code ended} and stay connected. */
    public void close() {
        close("publisher left");
    }

    /**
     * Ends this publisher's stream with the reason its viewers see in {@code ended} (for a transport of its
     * own: e.g. a relay between nodes that lost its upstream). Later calls do nothing.
     */
    public void close(String reason) {
        leave(reason, false);
    }

    /**
     * The publisher's connection ended without the publisher closing it (no close frame: its network dropped).
     * While its resume token lasts ({@link RelayConfig#publisherResumeMillis()}), the channel holds its stream:
     * viewers are not told {@code ended}, and a publisher showing the token that continues the stream carries
     * on where this one stopped. When nobody does in time, the stream ends as with {@link #close()}. Without
     * a token (resume off), the same as {@link #close()}. Later calls do nothing.
     */
    public void connectionLost() {
        leave("publisher left", true);
    }

    private void leave(String reason, boolean hold) {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        channel.removePublisher(this, reason, hold);
        hub.dropIfEmpty(channel);
        hub.fire(l -> l.publisherClosed(this));
    }

    /**
     * What a new consumer of this publisher's stream needs to start cleanly, as a late-joining viewer
     * would get it: the init segment and the cached bytes from the last keyframe, which together form a
     * stream of their own, and the offset in this publisher's stream where they end. The chunk that
     * {@link HubListener#publisherData} reports at that offset continues them.
     *
     * @return null when this publisher no longer publishes on its channel, or when no keyframe is cached
     *         (none arrived yet, or the late-join cache outgrew its limits): ask again after the next chunk
     */
    public Snapshot snapshot() {
        return channel.snapshot(this);
    }

    /**
     * See {@link #snapshot()}.
     *
     * @param bytes     read-only views of the hub's bytes, to be concatenated; empty for a pass-through
     *                  stream (an unknown container: late joiners get live bytes only)
     * @param endOffset the stream offset the bytes end at
     */
    public record Snapshot(List<ByteBuffer> bytes, long endOffset) {
    }

    public String channel() {
        return channel.name;
    }

    /** The MIME type the publisher claimed, or null. */
    public String mimeHint() {
        return mimeHint;
    }

    /** The connection the hub closes on takeover, malformed media or shutdown (as given to openPublisher). */
    public Peer peer() {
        return peer;
    }
}
