package io.wsvideo.relay.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.wsvideo.relay.CloseCodes;
import io.wsvideo.relay.Peer;
import io.wsvideo.relay.Publisher;
import io.wsvideo.relay.RelayConfig;
import io.wsvideo.relay.RelayHub;
import io.wsvideo.relay.server.RelayServerConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** relay-netty over real sockets: the send path's frames, backpressure into the hub's policy, timeouts, embedding. */
class NettyRelayServerTest {

    private static final Peer NOBODY = (code, reason) -> { };
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private NettyRelayServer start(RelayConfig relay, NettyRelayServer.Builder... custom) throws Exception {
        RelayHub hub = RelayHub.create(relay);
        open.add(hub);
        NettyRelayServer.Builder b = NettyRelayServer.builder(hub, RelayServerConfig.builder().relay(relay).build());
        NettyRelayServer s = b.start();
        open.add(s);
        return s;
    }

    /**
     * Messages of every WebSocket length form (7-bit, 16-bit, 64-bit), each framed once and sent to several
     * viewers, arrive whole, in order and byte for byte, as separate messages.
     */
    @Test
    void sharedFramesOfEveryLengthFormArriveWholeAndInOrderAtEveryViewer() throws Exception {
        NettyRelayServer server = start(RelayConfig.defaults());
        List<Client> viewers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            viewers.add(Client.connect("ws://127.0.0.1:" + server.port() + "/relay/view/sizes"));
        }
        for (Client v : viewers) {
            await(() -> !v.texts.isEmpty(), "the welcome message");
        }
        // No MIME type and bytes of no known container: the hub passes them through as they come (once it has
        // sniffed 8 bytes: a shorter first message is not relayed, so the first here is longer).
        Publisher p = server.hub().openPublisher("sizes", null, NOBODY);
        Random random = new Random(42);
        List<byte[]> sent = new ArrayList<>();
        for (int size : new int[] {125, 1, 126, 65_535, 65_536, 300_000, 2}) {
            byte[] b = new byte[size];
            random.nextBytes(b);
            b[0] = 0x55; // never EBML's or MP4's first bytes
            sent.add(b);
            p.onData(ByteBuffer.wrap(b.clone()));
        }
        for (Client v : viewers) {
            await(() -> v.binaries().size() >= sent.size(), () -> "every message at the viewer; it has "
                    + v.binaries().stream().map(b -> b.length).toList() + " and " + v.texts);
            List<byte[]> got = v.binaries();
            for (int i = 0; i < sent.size(); i++) {
                assertThat(got.get(i)).as("message %d", i).isEqualTo(sent.get(i));
            }
        }
        p.close();
    }

    /**
     * A viewer that stops reading: Netty's buffer fills to its high water mark, the send waits for writability,
     * the hub's queue takes the rest and its stall limit evicts the viewer with 1008; a reading viewer beside it
     * gets every byte. If sends completed regardless of writability, Netty would buffer without bound and the
     * hub would never see a stall.
     */
    @Test
    void aViewerThatStopsReadingIsHeldByWritabilityAndEvictedByTheHubsStallLimit() throws Exception {
        RelayConfig relay = RelayConfig.builder().maxStallMillis(1500).maxQueueBytes(4_000_000).build();
        RelayHub hub = RelayHub.create(relay);
        open.add(hub);
        NettyRelayServer server = NettyRelayServer.builder(hub, RelayServerConfig.builder().relay(relay).build())
                .socketSendBufferBytes(16 * 1024).start();
        open.add(server);
        Client fast = Client.connect("ws://127.0.0.1:" + server.port() + "/relay/view/stall");
        Socket stalled = new Socket();
        open.add(stalled);
        stalled.setReceiveBufferSize(4096);
        stalled.connect(new InetSocketAddress("127.0.0.1", server.port()));
        stalled.getOutputStream().write(("GET /relay/view/stall HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        await(() -> hub.viewerCount("stall") == 2, "both viewers in the hub");

        Publisher p = hub.openPublisher("stall", null, NOBODY);
        long sentBytes = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        boolean queuedInHub = false;
        while (hub.stats().viewersEvicted() == 0 && System.nanoTime() < deadline) {
            byte[] chunk = new byte[64 * 1024];
            chunk[0] = 0x55;
            p.onData(ByteBuffer.wrap(chunk));
            sentBytes += chunk.length;
            queuedInHub |= hub.stats().channel("stall").viewers().stream().anyMatch(v -> v.queuedBytes() > 0);
            Thread.sleep(20);
        }
        assertThat(hub.stats().viewersEvicted()).as("the stalled viewer evicted by the hub").isEqualTo(1);
        assertThat(queuedInHub).as("the stalled viewer's backlog waited in the hub's queue").isTrue();
        assertThat(sentBytes).as("far more than the kernel and Netty buffers hold").isGreaterThan(2_000_000);
        long expected = sentBytes;
        await(() -> fast.binaryBytes() == expected, "the reading viewer gets every byte");
        assertThat(fast.closed).isNotDone();
        p.close();
    }

    /** A client that trickles its request headers is cut at the handshake deadline. */
    @Test
    void aHandshakeThatTricklesIsClosedAtTheDeadline() throws Exception {
        RelayHub hub = RelayHub.create(RelayConfig.defaults());
        open.add(hub);
        NettyRelayServer server = NettyRelayServer.builder(hub, RelayServerConfig.defaults())
                .httpTimeouts(700, 5000).start();
        open.add(server);
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(100);
            long t0 = System.nanoTime();
            s.getOutputStream().write("GET /relay/view/slow HTTP/1.1\r\nHost: x\r\nX-Slow: ".getBytes(
                    StandardCharsets.ISO_8859_1));
            boolean closed = false;
            for (int i = 0; i < 50 && !closed; i++) {
                try {
                    s.getOutputStream().write('a');
                    closed = s.getInputStream().read() < 0;
                } catch (java.net.SocketTimeoutException e) {
                    // still open
                } catch (IOException e) {
                    closed = true;
                }
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(closed).as("closed within 5 s").isTrue();
            assertThat(ms).as("not before the deadline").isGreaterThanOrEqualTo(600);
        }
    }

    /** The README's way in for Netty applications: the relay's handler in a pipeline of your own. */
    @Test
    void theRelayHandlerWorksInsideAnApplicationsOwnPipeline() throws Exception {
        RelayHub hub = RelayHub.create(RelayConfig.defaults());
        open.add(hub);
        NettyRelay relay = NettyRelay.create(hub, RelayServerConfig.defaults());
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        open.add(() -> group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS));
        Channel server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(65536), relay.handler(),
                                new Hello());
                    }
                }).bind("127.0.0.1", 0).sync().channel();
        open.add(() -> server.close().await(5, TimeUnit.SECONDS));
        int port = ((InetSocketAddress) server.localAddress()).getPort();

        HttpResponse<String> hello = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/hello")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(hello.statusCode()).isEqualTo(200);
        assertThat(hello.body()).isEqualTo("hello from the application");

        Client viewer = Client.connect("ws://127.0.0.1:" + port + "/relay/view/embedded");
        await(() -> !viewer.texts.isEmpty(), "the welcome message");
        Publisher p = hub.openPublisher("embedded", null, NOBODY);
        byte[] bytes = new byte[100];
        bytes[0] = 0x55;
        p.onData(ByteBuffer.wrap(bytes));
        await(() -> viewer.binaryBytes() == 100, () -> "the relayed bytes; got " + viewer.binaryBytes() + " and "
                + viewer.texts);
        p.close();
        hub.close();
        assertThat(viewer.closed.get(5, TimeUnit.SECONDS)).isEqualTo(CloseCodes.GOING_AWAY);
    }

    /** The warm-up's viewers get every chunk over a private loopback listener, which is gone afterwards. */
    @Test
    void theWarmUpRelaysEveryChunkToItsViewersAndLeavesNothingBehind() throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NettyTransport.auto().ioHandlerFactory());
        open.add(() -> group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS));
        long threads = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("wsvideo-warmup")).count();
        assertThat(WarmUp.run(group, NettyTransport.auto().serverChannel())).isTrue();
        assertThat(Thread.getAllStackTraces().keySet().stream().filter(t -> t.isAlive()
                && t.getName().startsWith("wsvideo-warmup")).count()).isEqualTo(threads);
    }

    @Test
    void transportsByName() {
        assertThat(NettyTransport.named("auto")).isEqualTo(NettyTransport.auto());
        assertThat(NettyTransport.named("IO-URING")).isEqualTo(NettyTransport.IO_URING);
        assertThat(NettyTransport.named("nio")).isEqualTo(NettyTransport.NIO);
        assertThat(NettyTransport.NIO.available()).isTrue();
        assertThatThrownBy(() -> NettyTransport.named("kqueue")).isInstanceOf(IllegalArgumentException.class);
        System.out.println("NettyRelayServerTest: epoll " + describe(NettyTransport.EPOLL) + ", io_uring "
                + describe(NettyTransport.IO_URING));
    }

    private static String describe(NettyTransport t) {
        return t.available() ? "available" : "unavailable (" + t.unavailabilityCause() + ")";
    }

    /** Answers /hello; 404 otherwise. */
    private static final class Hello extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            boolean hello = req.uri().equals("/hello");
            DefaultFullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    hello ? HttpResponseStatus.OK : HttpResponseStatus.NOT_FOUND,
                    Unpooled.copiedBuffer(hello ? "hello from the application" : "", StandardCharsets.UTF_8));
            r.headers().set(HttpHeaderNames.CONTENT_LENGTH, r.content().readableBytes());
            ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
        }
    }

    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        await(condition, () -> what);
    }

    static void await(BooleanSupplier condition, java.util.function.Supplier<String> what)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 20 s: " + what.get());
            }
            Thread.sleep(10);
        }
    }

    /** The JDK's WebSocket client, recording texts, whole binary messages and the close code. */
    static final class Client implements WebSocket.Listener {
        final List<String> texts = new java.util.concurrent.CopyOnWriteArrayList<>();
        private final List<byte[]> binaries = new ArrayList<>();
        private final ByteArrayOutputStream part = new ByteArrayOutputStream();
        private long binaryBytes;
        final CompletableFuture<Integer> closed = new CompletableFuture<>();

        static Client connect(String url) throws Exception {
            Client c = new Client();
            HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10))
                    .buildAsync(URI.create(url), c).get(10, TimeUnit.SECONDS);
            return c;
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            texts.add(data.toString());
            ws.request(1);
            return null;
        }

        @Override
        public synchronized CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            byte[] b = new byte[data.remaining()];
            data.get(b);
            part.writeBytes(b);
            binaryBytes += b.length;
            if (last) {
                binaries.add(part.toByteArray());
                part.reset();
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            closed.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            closed.completeExceptionally(error);
        }

        synchronized List<byte[]> binaries() {
            return List.copyOf(binaries);
        }

        synchronized long binaryBytes() {
            return binaryBytes;
        }
    }
}
