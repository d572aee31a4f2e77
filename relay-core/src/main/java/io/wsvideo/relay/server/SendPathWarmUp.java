package io.wsvideo.relay.server;

import io.wsvideo.relay.ChannelStats;
import io.wsvideo.relay.Peer;
import io.wsvideo.relay.Publisher;
import io.wsvideo.relay.RelayHub;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a transport's per-viewer send path hot before real traffic, so that the JIT has compiled what real traffic
 * runs when the first large audience arrives. Cold, the first 4-5 s of a 6000-viewer run kept the relay's core at
 * 100 % with a p99 near 1 s; a warm-up of opaque 2 KB chunks to readers that never fell behind did not help much,
 * because real traffic then took paths it had never run (the WebM segmenter, the frame view, gathering writes,
 * writability changes) and deoptimized what it had compiled. So this one is shaped like real traffic:
 * {@link #VIEWERS} loopback WebSocket viewers (one in four on the frame view) with small receive buffers, read in
 * bursts so that their send queues fill now and then, and a synthetic MediaRecorder-like WebM stream
 * ({@link WarmUpStream}) published through the hub at ten times real time. For a throw-away server (or private
 * listener) of the same engine, serving {@code hub} without tokens or limits; bounded to 20 s.
 */
public final class SendPathWarmUp {

    private static final Logger LOG = LoggerFactory.getLogger(SendPathWarmUp.class);

    static final int VIEWERS = 200;
    static final int CHUNKS = 250;
    /** Ten times real time: a chunk of 100 ms every 10 ms. */
    private static final long CHUNK_SPACING_NANOS = TimeUnit.MILLISECONDS.toNanos(WarmUpStream.CHUNK_MILLIS / 10);
    /**
     * The throw-away server's socket send buffer, for its transport to set: loopback buffers otherwise grow to
     * megabytes and the relay's queues (and the transport's writability and gathering writes) would never fill.
     */
    public static final int SERVER_SEND_BUFFER_BYTES = 16 * 1024;
    private static final int RECEIVE_BUFFER_BYTES = 16 * 1024;
    private static final long READ_PAUSE_MILLIS = 5;
    /** Every other viewer reads only each this many rounds, about as fast as the stream comes: often full. */
    private static final int SLOW_READER_ROUNDS = 4;
    private static final String CHANNEL = "warmup";
    private static final long LIMIT_NANOS = TimeUnit.SECONDS.toNanos(20);
    private static final Peer NOBODY = (code, reason) -> { };

    private SendPathWarmUp() {
    }

    /**
     * Connects the viewers to {@code ws://127.0.0.1:port} + {@code viewPath} (with {@code {channel}}), publishes
     * the stream through {@code hub}, each chunk on {@code publishOn} (where the transport's publishers run),
     * waits until the viewers' queues are empty, and closes the viewers. Best effort, bounded to 20 s: a failure
     * is logged.
     *
     * @return whether every viewer stayed and was served to the end of the stream
     */
    public static boolean run(RelayHub hub, int port, String viewPath, Executor publishOn) {
        long t0 = System.nanoTime();
        List<byte[]> chunks = WarmUpStream.chunks(CHUNKS);
        Reader reader = new Reader(port, viewPath.replace("{channel}", CHANNEL));
        reader.start();
        try {
            while (hub.viewerCount(CHANNEL) < VIEWERS) {
                if (System.nanoTime() - t0 > LIMIT_NANOS || !reader.isAlive()) {
                    throw new IOException("the warm-up viewers did not join");
                }
                Thread.sleep(5);
            }
            Publisher p = hub.openPublisher(CHANNEL, "video/webm;codecs=vp8,opus", NOBODY);
            ChannelStats end;
            try {
                long next = System.nanoTime();
                for (byte[] chunk : chunks) {
                    if (System.nanoTime() - t0 > LIMIT_NANOS) {
                        break;
                    }
                    CompletableFuture.runAsync(() -> p.onData(ByteBuffer.wrap(chunk)), publishOn)
                            .get(5, TimeUnit.SECONDS);
                    next += CHUNK_SPACING_NANOS;
                    long wait = next - System.nanoTime();
                    if (wait > 0) {
                        TimeUnit.NANOSECONDS.sleep(wait);
                    }
                }
                end = drained(hub, t0);
            } finally {
                p.close();
            }
            boolean complete = end != null && end.chunksIn() == chunks.size() && end.evictions() == 0
                    && end.viewerCount() == VIEWERS;
            LOG.info("warmed the send path in {} ms ({} chunks to {} loopback viewers, {} MB read, {} skips{})",
                    (System.nanoTime() - t0) / 1_000_000, chunks.size(), VIEWERS, reader.received.get() >> 20,
                    end == null ? "?" : end.skips(), complete ? "" : ", incomplete");
            return complete;
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            LOG.warn("warm-up did not complete ({}); the first seconds under load may be slower", e.toString());
            return false;
        } finally {
            reader.stop.set(true);
            try {
                reader.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The warm-up channel's stats once no viewer has anything queued, or null if that did not happen in time. */
    private static ChannelStats drained(RelayHub hub, long t0) throws InterruptedException {
        while (System.nanoTime() - t0 < LIMIT_NANOS) {
            ChannelStats c = hub.stats().channel(CHANNEL);
            if (c != null && c.queuedBytes() == 0) {
                return c;
            }
            Thread.sleep(5);
        }
        return null;
    }

    private static byte[] request(String path) {
        return ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1);
    }

    /** The viewers: one selector thread, a handshake each, then every byte read and dropped. */
    private static final class Reader extends Thread {
        final AtomicLong received = new AtomicLong();
        final AtomicBoolean stop = new AtomicBoolean();
        private final int port;
        private final String path;

        Reader(int port, String path) {
            super("wsvideo-warmup-viewers");
            setDaemon(true);
            this.port = port;
            this.path = path;
        }

        @Override
        public void run() {
            List<SocketChannel> open = new ArrayList<>();
            try (Selector selector = Selector.open()) {
                for (int i = 0; i < VIEWERS; i++) {
                    SocketChannel ch = SocketChannel.open();
                    open.add(ch);
                    // Small receive buffers and slow readers: the relay's queues and gathering writes get used.
                    ch.setOption(StandardSocketOptions.SO_RCVBUF, RECEIVE_BUFFER_BYTES);
                    ch.connect(new InetSocketAddress("127.0.0.1", port));
                    ch.write(ByteBuffer.wrap(request(i % 4 == 0 ? path + "?format=frames" : path)));
                    ch.configureBlocking(false);
                    ch.register(selector, SelectionKey.OP_READ, i % 2 == 1);
                }
                ByteBuffer sink = ByteBuffer.allocateDirect(256 * 1024);
                long deadline = System.nanoTime() + LIMIT_NANOS;
                for (long round = 0; !stop.get() && System.nanoTime() < deadline; round++) {
                    selector.select(50);
                    Thread.sleep(READ_PAUSE_MILLIS);
                    for (SelectionKey k : selector.selectedKeys()) {
                        if ((Boolean) k.attachment() && round % SLOW_READER_ROUNDS != 0) {
                            continue;
                        }
                        SocketChannel ch = (SocketChannel) k.channel();
                        int n;
                        while ((n = ch.read(sink.clear())) > 0) {
                            received.addAndGet(n);
                        }
                        if (n < 0) {
                            k.cancel();
                        }
                    }
                    selector.selectedKeys().clear();
                }
            } catch (IOException | InterruptedException e) {
                LOG.debug("warm-up viewers failed", e);
            } finally {
                for (SocketChannel ch : open) {
                    try {
                        ch.close();
                    } catch (IOException e) {
                        // closing anyway
                    }
                }
            }
        }
    }
}
