package io.wsvideo.loadtest;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;

/**
 * Thousands of WebSocket viewers on one selector thread: plain NIO sockets, the RFC 6455 handshake and a
 * frame parser that looks at frame headers and compares payload bytes with the published stream in place
 * (one read buffer for all connections; nothing is copied per connection). A library client (the JDK's or
 * Tyrus's) costs several times more per byte and cannot leave a socket unread on purpose, which the stalled
 * viewers need: they complete the handshake and then never read, so TCP backpressure reaches the relay.
 *
 * <p>Every received media byte is checked against the stream at the offset it should have, and every
 * complete binary message yields one latency sample: now minus the publish time of the chunk holding its
 * last byte. With the wsvideo protocol a viewer learns its offset from the {@code stream} message, the init
 * segment and, after joining or a {@code skip}, the first Cluster header it gets ({@link LiveStream}); with the
 * raw protocol (the naive relay) it starts at offset 0, since it connects before the publisher.
 *
 * <p>All state belongs to the selector thread; other threads only read the volatile progress counters, and
 * read results after {@link #close()} has joined the thread.
 */
final class ViewerFleet implements AutoCloseable {

    enum Kind {
        /** Reads as fast as it can. */
        FAST,
        /** Reads at most {@code slowBytesPerSecond}. */
        SLOW,
        /** Completes the handshake, then never reads (until the final drain, to see how it was closed). */
        STALLED
    }

    enum Protocol {
        /** This project's relay: control messages as text, the init segment, media from a keyframe. */
        WSVIDEO,
        /** A relay that forwards the publisher's bytes as they are, from the start. */
        RAW,
        /**
         * This project's relay with {@code ?format=frames}: control messages as text, then one message of frames
         * per chunk (14-byte header, payload), each found in the stream by track and timestamp.
         */
        FRAMES
    }

    private static final int MAX_PENDING_HANDSHAKES = 128;
    private static final Pattern TYPE = Pattern.compile("\"type\"\\s*:\\s*\"([a-z]+)\"");
    private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    private final LiveStream stream;
    /** The stream's frames, for {@link Protocol#FRAMES}; null otherwise. */
    private final FrameIndex frameIndex;
    private final AtomicLongArray sentNanos;
    private final InetSocketAddress address;
    private final String path;
    private final Protocol protocol;
    private final long slowBytesPerSecond;
    private final int receiveBufferBytes;
    private final int verifyEvery;
    private final Selector selector;
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(256 * 1024);
    private final ByteBuffer streamBuffer;
    private final Conn[] conns;
    private final ArrayDeque<Conn> toConnect = new ArrayDeque<>();
    private final List<Conn> paused = new ArrayList<>();
    private final Thread thread;

    private volatile boolean stop;
    private volatile boolean drainStalled;
    private volatile long publishStartNanos;
    private volatile int open;
    private volatile int opened;
    private volatile int failed;
    private int pendingHandshakes;
    private boolean stalledDraining;

    // Selector thread only; read by others after close().
    final Histogram fastLatencyMicros = new Histogram(3);
    final Histogram slowLatencyMicros = new Histogram(3);
    /** Fast viewers' latency per second since the publisher started. */
    final List<Histogram> fastLatencyBySecond = new ArrayList<>();
    long unexpectedFailures;
    String firstFailure;

    ViewerFleet(LiveStream stream, AtomicLongArray sentNanos, InetSocketAddress address, String path,
                Protocol protocol, int fast, int slow, int stalled, long slowBytesPerSecond, int receiveBufferBytes,
                int verifyEvery) throws IOException {
        this(stream, null, sentNanos, address, path, protocol, fast, slow, stalled, slowBytesPerSecond,
                receiveBufferBytes, verifyEvery);
    }

    ViewerFleet(LiveStream stream, FrameIndex frameIndex, AtomicLongArray sentNanos, InetSocketAddress address,
                String path, Protocol protocol, int fast, int slow, int stalled, long slowBytesPerSecond,
                int receiveBufferBytes, int verifyEvery) throws IOException {
        if (protocol == Protocol.FRAMES && frameIndex == null) {
            throw new IllegalArgumentException("the frames protocol needs the stream's frame index");
        }
        this.stream = stream;
        this.frameIndex = frameIndex;
        this.sentNanos = sentNanos;
        this.address = address;
        this.path = path;
        this.protocol = protocol;
        this.slowBytesPerSecond = slowBytesPerSecond;
        this.receiveBufferBytes = receiveBufferBytes;
        this.verifyEvery = Math.max(1, verifyEvery);
        this.streamBuffer = ByteBuffer.wrap(stream.bytes).asReadOnlyBuffer();
        this.selector = Selector.open();
        int n = fast + slow + stalled;
        this.conns = new Conn[n];
        // Spread the slow and stalled viewers over the relay's viewer list (a fixed shuffle: runs compare).
        List<Kind> kinds = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            kinds.add(i < stalled ? Kind.STALLED : i < stalled + slow ? Kind.SLOW : Kind.FAST);
        }
        java.util.Collections.shuffle(kinds, new java.util.Random(42));
        for (int i = 0; i < n; i++) {
            conns[i] = new Conn(i, kinds.get(i));
            toConnect.add(conns[i]);
        }
        this.thread = new Thread(this::run, "viewer-fleet");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Viewers whose handshake completed, whether or not they are still open. */
    int openedCount() {
        return opened;
    }

    int openCount() {
        return open;
    }

    int failedCount() {
        return failed;
    }

    int size() {
        return conns.length;
    }

    void publishStarted(long nanos) {
        publishStartNanos = nanos;
    }

    /** Lets the stalled viewers read from now on, so the results say whether the relay closed them. */
    void drainStalled() {
        drainStalled = true;
        selector.wakeup();
    }

    List<Conn> conns() {
        return List.of(conns);
    }

    @Override
    public void close() throws IOException {
        stop = true;
        selector.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Conn c : conns) {
            c.closeSocket();
        }
        selector.close();
    }

    private void run() {
        try {
            while (!stop) {
                startConnects();
                selector.select(10);
                long now = System.nanoTime();
                Iterator<SelectionKey> it = selector.selectedKeys().iterator();
                while (it.hasNext()) {
                    SelectionKey key = it.next();
                    it.remove();
                    Conn c = (Conn) key.attachment();
                    try {
                        c.ready(key, now);
                    } catch (IOException | RuntimeException e) {
                        c.fail(e);
                    }
                }
                resumePaused(System.nanoTime());
                if (drainStalled && !stalledDraining) {
                    stalledDraining = true;
                    for (Conn c : conns) {
                        if (c.kind == Kind.STALLED && c.key != null && c.key.isValid()) {
                            c.key.interestOps(SelectionKey.OP_READ);
                        }
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            unexpectedFailures++;
            firstFailure = String.valueOf(e);
        }
    }

    private void startConnects() throws IOException {
        while (pendingHandshakes < MAX_PENDING_HANDSHAKES && !toConnect.isEmpty()) {
            Conn c = toConnect.poll();
            pendingHandshakes++;
            try {
                c.connect();
            } catch (IOException e) {
                c.fail(e);
            }
        }
    }

    private void resumePaused(long now) {
        if (paused.isEmpty()) {
            return;
        }
        Iterator<Conn> it = paused.iterator();
        while (it.hasNext()) {
            Conn c = it.next();
            c.refill(now);
            if (c.tokens >= 8192 || c.closed) {
                it.remove();
                c.readPaused = false;
                if (!c.closed && c.key.isValid()) {
                    c.key.interestOps(SelectionKey.OP_READ);
                }
            }
        }
    }

    private Histogram secondBucket(long now) {
        long start = publishStartNanos;
        if (start == 0) {
            return null;
        }
        int s = (int) Math.max(0, (now - start) / 1_000_000_000L);
        while (fastLatencyBySecond.size() <= s) {
            fastLatencyBySecond.add(new Histogram(3));
        }
        return fastLatencyBySecond.get(s);
    }

    private enum Phase {
        CONNECTING, HANDSHAKE, OPEN, CLOSED
    }

    private enum Sync {
        /** Between streams: bytes now would be unexpected. */
        WAITING,
        /** After a {@code stream} message: the next binary message is the init segment. */
        INIT,
        /** After the init segment or a skip: media resumes at a Cluster header. */
        NEED_CLUSTER,
        /** The offset of the next byte is known. */
        SYNCED,
        /** A resume point could not be recognised; bytes are counted but not checked until the next skip. */
        LOST
    }

    /** One viewer connection. Selector thread only. */
    final class Conn {
        final int id;
        final Kind kind;
        /** Compare every media byte with the stream (else only offsets, lengths and Cluster headers). */
        final boolean verify;
        SocketChannel channel;
        SelectionKey key;
        Phase phase = Phase.CONNECTING;
        boolean closed;
        private ByteBuffer pendingWrite;
        private byte[] handshake = new byte[512];
        private int handshakeLength;
        private String expectedAccept;

        // Frame parser.
        private final byte[] header = new byte[14];
        private int headerLength;
        private int headerNeeded = 2;
        private boolean inPayload;
        private long payloadRemaining;
        private int frameOpcode;
        private boolean frameFin;
        private int messageOpcode;
        private byte[] text = new byte[256];
        private int textLength;
        private final byte[] control = new byte[125];
        private int controlLength;

        // Stream position.
        private Sync sync;
        private long offset;
        private int initRead;
        private final byte[] clusterHeader = new byte[LiveStream.CLUSTER_HEADER_BYTES];
        private int clusterHeaderLength;

        // Frame parser (Protocol.FRAMES): the frame being read and where its payload lies in the stream.
        private final byte[] frameHeader = new byte[FrameIndex.HEADER_BYTES];
        private int frameHeaderLength;
        private long framePayloadRemaining;
        private int frameLength;
        private long framePayloadAt;
        /** The frame is in the index with this length and its payload matched so far. */
        private boolean frameGood;
        /** The last frame of the message being received, for its latency; -1 if none was found. */
        private int lastFrame = -1;

        // Slow viewers.
        double tokens;
        private long refilledAt;
        boolean readPaused;

        // Results.
        long openedAtNanos;
        long binaryBytes;
        /** Bytes received at the offset where they belong and equal to the published ones. */
        long goodBytes;
        long binaryMessages;
        long textMessages;
        long skips;
        long skippedBytesAnnounced;
        long mismatches;
        long lostSyncs;
        long streams;
        int closeCode = -1;
        String closeReason;
        long closedAtNanos;
        String failure;

        Conn(int id, Kind kind) {
            this.id = id;
            this.kind = kind;
            this.verify = kind != Kind.FAST || id % verifyEvery == 0;
            this.sync = protocol == Protocol.RAW ? Sync.SYNCED : Sync.WAITING;
        }

        void connect() throws IOException {
            channel = SocketChannel.open();
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            if (receiveBufferBytes > 0) {
                channel.setOption(StandardSocketOptions.SO_RCVBUF, receiveBufferBytes);
            }
            key = channel.register(selector, SelectionKey.OP_CONNECT, this);
            if (channel.connect(address)) {
                connected();
            }
        }

        private void connected() throws IOException {
            byte[] nonce = new byte[16];
            ThreadLocalRandom.current().nextBytes(nonce);
            String k = Base64.getEncoder().encodeToString(nonce);
            expectedAccept = accept(k);
            String req = "GET " + path + " HTTP/1.1\r\nHost: " + address.getHostString() + ":" + address.getPort()
                    + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + k
                    + "\r\nSec-WebSocket-Version: 13\r\n\r\n";
            phase = Phase.HANDSHAKE;
            write(ByteBuffer.wrap(req.getBytes(StandardCharsets.US_ASCII)));
        }

        void ready(SelectionKey k, long now) throws IOException {
            if (!k.isValid()) {
                return;
            }
            if (k.isConnectable()) {
                channel.finishConnect();
                connected();
                return;
            }
            if (k.isWritable()) {
                flush();
            }
            if (k.isValid() && k.isReadable()) {
                read(now);
            }
        }

        private void write(ByteBuffer b) throws IOException {
            if (pendingWrite != null) {
                // Control replies are tiny and rare; one outstanding write is all this client ever needs.
                ByteBuffer merged = ByteBuffer.allocate(pendingWrite.remaining() + b.remaining());
                merged.put(pendingWrite).put(b).flip();
                pendingWrite = merged;
            } else {
                pendingWrite = b;
            }
            flush();
        }

        private void flush() throws IOException {
            if (pendingWrite == null) {
                return;
            }
            channel.write(pendingWrite);
            if (pendingWrite.hasRemaining()) {
                key.interestOps(key.interestOps() | SelectionKey.OP_WRITE);
            } else {
                pendingWrite = null;
                int ops = phase == Phase.OPEN && (kind == Kind.STALLED && !stalledDraining || readPaused)
                        ? 0 : SelectionKey.OP_READ;
                key.interestOps(ops);
            }
        }

        private void read(long now) throws IOException {
            ByteBuffer b = readBuffer;
            b.clear();
            if (kind == Kind.SLOW && phase == Phase.OPEN) {
                refill(now);
                if (tokens < 1024) {
                    pause();
                    return;
                }
                b.limit((int) Math.min(b.capacity(), tokens));
            }
            int n = channel.read(b);
            if (n < 0) {
                if (closeCode < 0) {
                    closeCode = 1006;
                    closeReason = "connection closed without a close frame";
                }
                finish(now);
                return;
            }
            if (n == 0) {
                return;
            }
            if (kind == Kind.SLOW && phase == Phase.OPEN) {
                tokens -= n;
            }
            int pos = 0;
            if (phase == Phase.HANDSHAKE) {
                pos = handshakeBytes(b, n, now);
                if (phase != Phase.OPEN) {
                    return;
                }
            }
            frames(b, pos, n, now);
            if (phase == Phase.OPEN && kind == Kind.STALLED && !stalledDraining && key.isValid()) {
                key.interestOps(0);
            }
        }

        void refill(long now) {
            if (refilledAt == 0) {
                refilledAt = now;
                tokens = slowBytesPerSecond / 10.0;
                return;
            }
            double cap = Math.max(16_384, slowBytesPerSecond / 10.0);
            tokens = Math.min(cap, tokens + slowBytesPerSecond * ((now - refilledAt) / 1e9));
            refilledAt = now;
        }

        private void pause() {
            if (!readPaused) {
                readPaused = true;
                key.interestOps(0);
                paused.add(this);
            }
        }

        /** @return how many bytes of the buffer the handshake used */
        private int handshakeBytes(ByteBuffer b, int n, long now) throws IOException {
            for (int i = 0; i < n; i++) {
                if (handshakeLength == handshake.length) {
                    if (handshake.length >= 16384) {
                        throw new IOException("handshake response too long");
                    }
                    handshake = java.util.Arrays.copyOf(handshake, handshake.length * 2);
                }
                handshake[handshakeLength++] = b.get(i);
                if (handshakeLength >= 4 && handshake[handshakeLength - 1] == '\n'
                        && handshake[handshakeLength - 2] == '\r' && handshake[handshakeLength - 3] == '\n'
                        && handshake[handshakeLength - 4] == '\r') {
                    String response = new String(handshake, 0, handshakeLength, StandardCharsets.ISO_8859_1);
                    if (!response.startsWith("HTTP/1.1 101")) {
                        throw new IOException("handshake refused: " + response.lines().findFirst().orElse(""));
                    }
                    if (!response.toLowerCase(Locale.ROOT).contains("sec-websocket-accept: "
                            + expectedAccept.toLowerCase(Locale.ROOT))) {
                        throw new IOException("bad Sec-WebSocket-Accept");
                    }
                    handshake = null;
                    phase = Phase.OPEN;
                    openedAtNanos = now;
                    pendingHandshakes--;
                    open++;
                    opened++;
                    if (kind == Kind.SLOW) {
                        refill(now);
                    }
                    return i + 1;
                }
            }
            return n;
        }

        private void frames(ByteBuffer b, int pos, int end, long now) throws IOException {
            while (pos < end && phase == Phase.OPEN) {
                if (!inPayload) {
                    header[headerLength++] = b.get(pos++);
                    if (headerLength == 2) {
                        int len7 = header[1] & 0x7F;
                        headerNeeded = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + ((header[1] & 0x80) != 0 ? 4 : 0);
                    }
                    if (headerLength >= 2 && headerLength == headerNeeded) {
                        startFrame(now);
                    }
                    continue;
                }
                int n = (int) Math.min(end - pos, payloadRemaining);
                payload(b, pos, n);
                pos += n;
                payloadRemaining -= n;
                if (payloadRemaining == 0) {
                    endFrame(now);
                }
            }
        }

        private void startFrame(long now) throws IOException {
            frameFin = (header[0] & 0x80) != 0;
            frameOpcode = header[0] & 0x0F;
            int len7 = header[1] & 0x7F;
            long len = len7;
            if (len7 == 126) {
                len = ((header[2] & 0xFF) << 8) | (header[3] & 0xFF);
            } else if (len7 == 127) {
                len = 0;
                for (int i = 2; i < 10; i++) {
                    len = (len << 8) | (header[i] & 0xFF);
                }
            }
            if ((header[1] & 0x80) != 0) {
                throw new IOException("the server masked a frame");
            }
            if (frameOpcode < 8) {
                if (frameOpcode != 0) {
                    messageOpcode = frameOpcode;
                    textLength = 0;
                }
            } else {
                controlLength = 0;
            }
            headerLength = 0;
            headerNeeded = 2;
            payloadRemaining = len;
            inPayload = true;
            if (len == 0) {
                endFrame(now);
            }
        }

        private void payload(ByteBuffer b, int pos, int n) {
            if (frameOpcode >= 8) {
                for (int i = 0; i < n && controlLength < control.length; i++) {
                    control[controlLength++] = b.get(pos + i);
                }
            } else if (messageOpcode == 1) {
                if (textLength + n > text.length) {
                    text = java.util.Arrays.copyOf(text, Math.max(text.length * 2, textLength + n));
                }
                b.get(pos, text, textLength, n);
                textLength += n;
            } else if (messageOpcode == 2) {
                media(b, pos, n);
            }
        }

        private void endFrame(long now) throws IOException {
            inPayload = false;
            switch (frameOpcode) {
                case 8 -> {
                    closeCode = controlLength >= 2 ? ((control[0] & 0xFF) << 8) | (control[1] & 0xFF) : 1005;
                    closeReason = controlLength > 2
                            ? new String(control, 2, controlLength - 2, StandardCharsets.UTF_8) : "";
                    try {
                        sendFrame(8, control, Math.min(controlLength, 2));
                    } catch (IOException ignored) {
                        // The relay may have gone already.
                    }
                    finish(now);
                    return;
                }
                case 9 -> sendFrame(10, control, controlLength);
                case 10 -> {
                }
                default -> {
                    if (frameFin) {
                        endMessage(now);
                    }
                }
            }
        }

        private void endMessage(long now) {
            if (messageOpcode == 1) {
                textMessages++;
                Matcher m = TYPE.matcher(new String(text, 0, textLength, StandardCharsets.UTF_8));
                String type = m.find() ? m.group(1) : "";
                switch (type) {
                    case "stream" -> {
                        streams++;
                        // Frames locate themselves (track and time); bytes follow the init segment.
                        sync = protocol == Protocol.FRAMES ? Sync.SYNCED : Sync.INIT;
                        initRead = 0;
                        frameHeaderLength = 0;
                        framePayloadRemaining = 0;
                    }
                    case "skip" -> {
                        skips++;
                        Matcher d = Pattern.compile("\"droppedBytes\"\\s*:\\s*(\\d+)")
                                .matcher(new String(text, 0, textLength, StandardCharsets.UTF_8));
                        if (d.find()) {
                            skippedBytesAnnounced += Long.parseLong(d.group(1));
                        }
                        if (protocol != Protocol.FRAMES) {
                            sync = Sync.NEED_CLUSTER;
                            clusterHeaderLength = 0;
                        }
                    }
                    case "ended" -> sync = Sync.WAITING;
                    default -> {
                    }
                }
                return;
            }
            if (messageOpcode != 2) {
                return;
            }
            binaryMessages++;
            if (protocol == Protocol.FRAMES) {
                if (frameHeaderLength != 0 || framePayloadRemaining != 0) {
                    mismatches++; // a message must hold whole frames
                    frameHeaderLength = 0;
                    framePayloadRemaining = 0;
                }
                if (lastFrame >= 0) {
                    latency(stream.chunkOf(frameIndex.offset(lastFrame) + frameIndex.length(lastFrame) - 1), now);
                }
                lastFrame = -1;
                return;
            }
            if (sync == Sync.INIT) {
                if (initRead != stream.initLength) {
                    mismatches++;
                }
                sync = Sync.NEED_CLUSTER;
                clusterHeaderLength = 0;
                return;
            }
            if (sync == Sync.SYNCED && offset > 0) {
                latency(stream.chunkOf(offset - 1), now);
            }
        }

        /** One latency sample: now minus when the chunk that completed the message was published. */
        private void latency(int chunk, long now) {
            long sent = chunk < sentNanos.length() ? sentNanos.get(chunk) : 0;
            if (sent != 0) {
                long micros = Math.max(0, (now - sent) / 1000);
                if (kind == Kind.FAST) {
                    fastLatencyMicros.recordValue(micros);
                    Histogram h = secondBucket(now);
                    if (h != null) {
                        h.recordValue(micros);
                    }
                } else {
                    slowLatencyMicros.recordValue(micros);
                }
            }
        }

        /**
         * Frame messages: each 14-byte header names a frame of the stream (track, time, length); its payload is
         * compared with the stream's bytes there (for verifying viewers) and counted when it matched.
         */
        private void frameMedia(ByteBuffer b, int pos, int n) {
            while (n > 0) {
                if (framePayloadRemaining == 0) {
                    int m = Math.min(n, frameHeader.length - frameHeaderLength);
                    b.get(pos, frameHeader, frameHeaderLength, m);
                    frameHeaderLength += m;
                    pos += m;
                    n -= m;
                    if (frameHeaderLength == frameHeader.length) {
                        frameHeaderLength = 0;
                        ByteBuffer h = ByteBuffer.wrap(frameHeader);
                        int track = h.get(0) & 0xFF;
                        frameLength = h.getInt(10);
                        int frame = frameIndex.find(track, h.getLong(2));
                        frameGood = frame >= 0 && frameIndex.length(frame) == frameLength;
                        if (!frameGood) {
                            mismatches++;
                        }
                        lastFrame = frame;
                        framePayloadAt = frame < 0 ? -1 : frameIndex.offset(frame);
                        framePayloadRemaining = frameLength & 0xFFFFFFFFL;
                        if (framePayloadRemaining == 0) {
                            frameDone();
                        }
                    }
                } else {
                    int m = (int) Math.min(n, framePayloadRemaining);
                    if (frameGood && !same(b, pos, framePayloadAt, m)) {
                        mismatches++;
                        frameGood = false;
                    }
                    framePayloadAt += m;
                    framePayloadRemaining -= m;
                    pos += m;
                    n -= m;
                    if (framePayloadRemaining == 0) {
                        frameDone();
                    }
                }
            }
        }

        private void frameDone() {
            if (frameGood) {
                goodBytes += FrameIndex.HEADER_BYTES + frameLength;
            }
        }

        private void media(ByteBuffer b, int pos, int n) {
            binaryBytes += n;
            if (protocol == Protocol.FRAMES) {
                if (sync == Sync.SYNCED) {
                    frameMedia(b, pos, n);
                }
                return;
            }
            while (n > 0) {
                switch (sync) {
                    case INIT -> {
                        int m = Math.min(n, Math.max(0, stream.initLength - initRead));
                        if (m < n) {
                            mismatches++;
                        }
                        if (m > 0) {
                            if (same(b, pos, initRead, m) || sameAsRelayedInit(b, pos, initRead, m)) {
                                goodBytes += m;
                            } else {
                                mismatches++;
                            }
                            initRead += m;
                        }
                        return;
                    }
                    case NEED_CLUSTER -> {
                        int m = Math.min(n, clusterHeader.length - clusterHeaderLength);
                        b.get(pos, clusterHeader, clusterHeaderLength, m);
                        clusterHeaderLength += m;
                        pos += m;
                        n -= m;
                        if (clusterHeaderLength == clusterHeader.length) {
                            long ts = LiveStream.clusterTimestamp(clusterHeader);
                            long at = ts < 0 ? -1 : stream.clusterOffset(ts);
                            if (at < 0) {
                                lostSyncs++;
                                sync = Sync.LOST;
                            } else {
                                offset = at + clusterHeader.length;
                                goodBytes += clusterHeader.length;
                                sync = Sync.SYNCED;
                            }
                        }
                    }
                    case SYNCED -> {
                        if (offset + n > stream.bytes.length) {
                            mismatches++;
                            sync = Sync.LOST;
                            return;
                        }
                        if (same(b, pos, offset, n)) {
                            goodBytes += n;
                        } else {
                            mismatches++;
                        }
                        offset += n;
                        return;
                    }
                    default -> {
                        return;
                    }
                }
            }
        }

        private boolean same(ByteBuffer b, int pos, long streamOffset, int n) {
            if (!verify) {
                return true;
            }
            return b.slice(pos, n).mismatch(streamBuffer.slice((int) streamOffset, n)) < 0;
        }

        private boolean sameAsRelayedInit(ByteBuffer b, int pos, int initOffset, int n) {
            return b.slice(pos, n).mismatch(ByteBuffer.wrap(stream.relayedInit, initOffset, n).slice()) < 0;
        }

        private void sendFrame(int opcode, byte[] payload, int length) throws IOException {
            ByteBuffer f = ByteBuffer.allocate(6 + length);
            f.put((byte) (0x80 | opcode)).put((byte) (0x80 | length));
            byte[] mask = new byte[4];
            ThreadLocalRandom.current().nextBytes(mask);
            f.put(mask);
            for (int i = 0; i < length; i++) {
                f.put((byte) (payload[i] ^ mask[i & 3]));
            }
            f.flip();
            write(f);
        }

        private void finish(long now) {
            if (closed) {
                return;
            }
            closed = true;
            closedAtNanos = now;
            if (phase == Phase.HANDSHAKE || phase == Phase.CONNECTING) {
                pendingHandshakes--;
                failed++;
                if (failure == null) {
                    failure = "closed during the handshake";
                }
            } else if (phase == Phase.OPEN) {
                open--;
            }
            phase = Phase.CLOSED;
            closeSocket();
        }

        void fail(Exception e) {
            if (failure == null) {
                failure = String.valueOf(e.getMessage() != null ? e.getMessage() : e);
            }
            if (closeCode < 0 && phase == Phase.OPEN) {
                closeCode = 1006;
                closeReason = failure;
            }
            finish(System.nanoTime());
        }

        void closeSocket() {
            if (key != null) {
                key.cancel();
            }
            if (channel != null) {
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // Nothing left to do with it.
                }
            }
        }
    }

    static String accept(String key) {
        try {
            MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            return Base64.getEncoder().encodeToString(sha1.digest((key + GUID).getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
