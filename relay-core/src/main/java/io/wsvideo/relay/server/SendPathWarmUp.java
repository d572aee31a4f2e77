package io.wsvideo.relay.server;

import io.wsvideo.relay.Peer;
import io.wsvideo.relay.Publisher;
import io.wsvideo.relay.RelayHub;
import java.io.IOException;
import java.net.InetSocketAddress;
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
 * Runs a transport's per-viewer send path hot before real traffic, so that the JIT has compiled it when the
 * first large audience arrives (cold, the first seconds of a 6000-viewer run showed a p99 of ~800 ms):
 * {@link #VIEWERS} real loopback WebSocket viewers that read and drop everything, and {@link #CHUNKS} small
 * chunks through the hub to them, about 30,000 sends through the same classes real traffic uses. For a
 * throw-away server (or private listener) of the same engine, serving {@code hub} without tokens or limits.
 */
public final class SendPathWarmUp {

    private static final Logger LOG = LoggerFactory.getLogger(SendPathWarmUp.class);

    static final int VIEWERS = 100;
    static final int CHUNKS = 300;
    static final int CHUNK_BYTES = 2048;
    private static final String CHANNEL = "warmup";
    private static final long LIMIT_NANOS = TimeUnit.SECONDS.toNanos(20);
    private static final Peer NOBODY = (code, reason) -> { };

    private SendPathWarmUp() {
    }

    /**
     * Connects the viewers to {@code ws://127.0.0.1:port} + {@code viewPath} (with {@code {channel}}), publishes
     * the chunks through {@code hub}, each on {@code publishOn} (where the transport's publishers run) and one
     * at a time, waits until the viewers have them all, and closes the viewers. Best effort, bounded to 20 s:
     * a failure is logged.
     *
     * @return whether every viewer got every chunk
     */
    public static boolean run(RelayHub hub, int port, String viewPath, Executor publishOn) {
        long t0 = System.nanoTime();
        Reader reader = new Reader(port, viewPath.replace("{channel}", CHANNEL));
        reader.start();
        try {
            while (hub.viewerCount(CHANNEL) < VIEWERS) {
                if (System.nanoTime() - t0 > LIMIT_NANOS || !reader.isAlive()) {
                    throw new IOException("the warm-up viewers did not join");
                }
                Thread.sleep(5);
            }
            Publisher p = hub.openPublisher(CHANNEL, null, NOBODY);
            try {
                for (int i = 0; i < CHUNKS && System.nanoTime() - t0 < LIMIT_NANOS; i++) {
                    byte[] chunk = new byte[CHUNK_BYTES];
                    chunk[0] = 0x55; // no known container: passed through as it comes
                    CompletableFuture.runAsync(() -> p.onData(ByteBuffer.wrap(chunk)), publishOn)
                            .get(5, TimeUnit.SECONDS);
                }
                long expected = (long) VIEWERS * CHUNKS * CHUNK_BYTES;
                while (reader.received.get() < expected && System.nanoTime() - t0 < LIMIT_NANOS) {
                    Thread.sleep(5);
                }
            } finally {
                p.close();
            }
            boolean complete = reader.received.get() >= (long) VIEWERS * CHUNKS * CHUNK_BYTES;
            LOG.info("warmed the send path in {} ms ({} sends to {} loopback viewers{})",
                    (System.nanoTime() - t0) / 1_000_000, VIEWERS * CHUNKS, VIEWERS, complete ? "" : ", incomplete");
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
            byte[] request = ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUpgrade: websocket\r\n"
                    + "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
            try (Selector selector = Selector.open()) {
                for (int i = 0; i < VIEWERS; i++) {
                    SocketChannel ch = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
                    open.add(ch);
                    ch.write(ByteBuffer.wrap(request));
                    ch.configureBlocking(false);
                    ch.register(selector, SelectionKey.OP_READ);
                }
                ByteBuffer sink = ByteBuffer.allocateDirect(256 * 1024);
                long deadline = System.nanoTime() + LIMIT_NANOS;
                while (!stop.get() && System.nanoTime() < deadline) {
                    selector.select(50);
                    for (SelectionKey k : selector.selectedKeys()) {
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
            } catch (IOException e) {
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
