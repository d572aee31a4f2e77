package io.wsvideo.relay.netty;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.wsvideo.relay.Peer;
import io.wsvideo.relay.Publisher;
import io.wsvideo.relay.RelayConfig;
import io.wsvideo.relay.RelayHub;
import io.wsvideo.relay.server.RelayServerConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the per-viewer send path hot before the server takes real traffic, so that the JIT has compiled it when
 * the first large audience arrives (cold, the first seconds of a 6000-viewer run showed a p99 of ~800 ms).
 * A private hub and relay on a temporary loopback listener of the same event loops, {@link #VIEWERS} real
 * loopback viewers reading and discarding, and a publisher relaying {@link #CHUNKS} small chunks: the same
 * classes and code as real traffic (hub fan-out, viewer queues, framing, writes, flushes, the transport's
 * writev), about 30,000 sends, a second or so of CPU. Nothing of it is visible to clients of the real server.
 */
final class WarmUp {

    private static final Logger LOG = LoggerFactory.getLogger(WarmUp.class);

    static final int VIEWERS = 100;
    static final int CHUNKS = 300;
    static final int CHUNK_BYTES = 2048;
    private static final long LIMIT_NANOS = TimeUnit.SECONDS.toNanos(20);
    private static final Peer NOBODY = (code, reason) -> { };

    private WarmUp() {
    }

    /**
     * Best effort: a warm-up that fails or runs out of time is logged and leaves nothing behind.
     *
     * @return whether every viewer got every chunk
     */
    static boolean run(EventLoopGroup group, Class<? extends ServerChannel> serverChannel) {
        long t0 = System.nanoTime();
        RelayHub hub = RelayHub.create(RelayConfig.defaults());
        Channel server = null;
        Reader reader = null;
        try {
            NettyRelay relay = NettyRelay.quiet(hub, RelayServerConfig.defaults());
            ChannelHandler init = new NettyRelayServer.Initializer(relay, null, null, 10_000, 60_000);
            server = new ServerBootstrap().group(group).channel(serverChannel).childHandler(init)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            int port = ((InetSocketAddress) server.localAddress()).getPort();
            reader = new Reader(port);
            reader.start();
            while (hub.viewerCount("warmup") < VIEWERS) {
                if (System.nanoTime() - t0 > LIMIT_NANOS || !reader.isAlive()) {
                    throw new IOException("viewers did not join");
                }
                Thread.sleep(5);
            }
            Publisher p = hub.openPublisher("warmup", null, NOBODY);
            EventLoop loop = group.next();
            for (int i = 0; i < CHUNKS && System.nanoTime() - t0 < LIMIT_NANOS; i++) {
                byte[] chunk = new byte[CHUNK_BYTES];
                chunk[0] = 0x55; // no known container: passed through as it comes
                // On an event loop, as a real publisher's chunks are; one at a time, so no viewer falls behind.
                loop.submit(() -> p.onData(ByteBuffer.wrap(chunk))).sync();
            }
            long expected = (long) VIEWERS * CHUNKS * CHUNK_BYTES;
            while (reader.received.get() < expected && System.nanoTime() - t0 < LIMIT_NANOS) {
                Thread.sleep(5);
            }
            p.close();
            boolean complete = reader.received.get() >= expected;
            LOG.info("warmed the send path in {} ms ({} sends, {} MB to {} loopback viewers)",
                    (System.nanoTime() - t0) / 1_000_000, VIEWERS * CHUNKS, reader.received.get() >> 20, VIEWERS);
            return complete;
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            LOG.warn("warm-up did not complete ({}); the first seconds under load may be slower", e.toString());
            return false;
        } finally {
            hub.close();
            if (reader != null) {
                reader.stop.set(true);
                try {
                    reader.join(5000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (server != null) {
                server.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
            }
        }
    }

    /** The viewers: one selector thread, a handshake each, then every byte read and dropped. */
    private static final class Reader extends Thread {
        final AtomicLong received = new AtomicLong();
        final AtomicBoolean stop = new AtomicBoolean();
        private final int port;

        Reader(int port) {
            super("wsvideo-warmup-viewers");
            setDaemon(true);
            this.port = port;
        }

        @Override
        public void run() {
            List<SocketChannel> open = new ArrayList<>();
            byte[] request = ("GET /relay/view/warmup HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
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
