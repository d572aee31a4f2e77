package io.wsvideo.relay.jakarta;

import static org.assertj.core.api.Assertions.assertThat;

import io.wsvideo.relay.SharedBytes;
import io.wsvideo.relay.ViewerSink;
import jakarta.websocket.ClientEndpointConfig;
import jakarta.websocket.CloseReason;
import jakarta.websocket.Endpoint;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.MessageHandler;
import jakarta.websocket.OnOpen;
import jakarta.websocket.Session;
import jakarta.websocket.server.ServerEndpoint;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.glassfish.tyrus.client.ClientManager;
import org.glassfish.tyrus.core.TyrusWebSocketEngine;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The raw-frame sink on a real Tyrus server, against a real Tyrus client. */
class TyrusFrameSinkTest {

    private static final Random RANDOM = new Random(7);
    private static final List<Object> SCRIPT = new ArrayList<>();
    private static final SharedBytes BIG = shared(300_000);
    private static final BlockingQueue<String> SINK_TYPES = new ArrayBlockingQueue<>(16);
    private static TyrusTestServer server;
    private static int port;

    static {
        // Every frame length form (7-bit, 16-bit, 64-bit, and the edges), text between binary, the same shared
        // message twice (its frame is made once and reused), and unshared binary.
        SCRIPT.add("first");
        for (int n : new int[] {0, 1, 125, 126, 127, 65_535, 65_536, 200_000}) {
            SCRIPT.add(shared(n));
            SCRIPT.add("after " + n + " \u00e9\u20ac");
        }
        SCRIPT.add(BIG);
        SCRIPT.add(bytes(70_000));
        SCRIPT.add(BIG);
        SCRIPT.add("{\"type\":\"ended\"}");
    }

    private static ByteBuffer bytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return ByteBuffer.wrap(b).asReadOnlyBuffer();
    }

    private static SharedBytes shared(int n) {
        return SharedBytes.of(bytes(n));
    }

    /** Sends SCRIPT through the sink chosen for the session, one send in flight, then closes with 1000. */
    @ServerEndpoint("/raw")
    public static class ScriptedViewer {
        @OnOpen
        public void open(Session session) {
            run(session);
        }
    }

    /** The same, with an idle timeout: the fast path must step aside. */
    @ServerEndpoint("/idle")
    public static class ScriptedViewerWithIdleTimeout {
        @OnOpen
        public void open(Session session) {
            session.setMaxIdleTimeout(60_000);
            run(session);
        }
    }

    static void run(Session session) {
        ViewerSink sink = ViewerSinks.forSession(session);
        SINK_TYPES.add(sink.getClass().getSimpleName());
        sendFrom(sink, 0);
    }

    private static void sendFrom(ViewerSink sink, int i) {
        if (i == SCRIPT.size()) {
            sink.close(1000, "script done");
            return;
        }
        Object step = SCRIPT.get(i);
        io.wsvideo.relay.SendCallback next = failure -> {
            if (failure == null) {
                sendFrom(sink, i + 1);
            }
        };
        if (step instanceof String s) {
            sink.sendText(s, next);
        } else if (step instanceof SharedBytes b) {
            sink.sendShared(b, next);
        } else {
            sink.sendBinary(((ByteBuffer) step).duplicate(), next);
        }
    }

    @BeforeAll
    static void start() throws Exception {
        server = TyrusTestServer.start(ScriptedViewer.class, ScriptedViewerWithIdleTimeout.class);
        port = server.port();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void onTyrusEveryFrameArrivesByteIdenticalAndInOrder() throws Exception {
        Received r = receive("/raw");
        assertThat(SINK_TYPES.poll(5, TimeUnit.SECONDS)).isEqualTo("TyrusFrameSink");
        assertThat(r.messages).hasSize(SCRIPT.size());
        for (int i = 0; i < SCRIPT.size(); i++) {
            Object sent = SCRIPT.get(i);
            Object got = r.messages.get(i);
            if (sent instanceof String s) {
                assertThat(got).as("message %d", i).isEqualTo(s);
            } else {
                ByteBuffer expected = sent instanceof SharedBytes b ? b.bytes() : ((ByteBuffer) sent).duplicate();
                assertThat(got).as("message %d", i).isInstanceOf(byte[].class);
                assertThat(ByteBuffer.wrap((byte[]) got)).as("message %d", i).isEqualTo(expected);
            }
        }
        assertThat(r.close.getCloseCode().getCode()).isEqualTo(1000);
        assertThat(r.close.getReasonPhrase()).isEqualTo("script done");
    }

    @Test
    void withAnIdleTimeoutTheStandardSendPathIsUsedAndDeliversTheSame() throws Exception {
        Received r = receive("/idle");
        assertThat(SINK_TYPES.poll(5, TimeUnit.SECONDS)).isEqualTo("SessionSink");
        assertThat(r.messages).hasSize(SCRIPT.size());
        assertThat(r.messages.get(0)).isEqualTo("first");
    }

    @Test
    void outsideTyrusTheStandardSinkIsUsed() {
        Session other = (Session) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Session.class},
                (proxy, method, args) -> null);
        assertThat(ViewerSinks.forSession(other)).isInstanceOf(SessionSink.class);
    }

    /**
     * The raw path reaches into Tyrus's package-private classes. On any other Tyrus the relay still works (the
     * standard send path, and one log line), so only this test notices that an upgrade broke the fast path:
     * fix {@code TyrusFrameSink.Access} for the new Tyrus, or pin the old one.
     */
    @Test
    void theRawFramePathWorksOnThePinnedTyrus() throws Exception {
        String tyrus = TyrusWebSocketEngine.class.getPackage().getImplementationVersion();
        assertThat(TyrusFrameSink.unavailableBecause()).as("why the raw-frame path fails on Tyrus %s", tyrus).isNull();
        assertThat(TyrusFrameSink.available()).isTrue();
        receive("/raw");
        assertThat(SINK_TYPES.poll(5, TimeUnit.SECONDS)).as("sink on a Tyrus %s session", tyrus)
                .isEqualTo("TyrusFrameSink");
    }

    @Test
    void framesFollowRfc6455LengthForms() {
        assertThat(header(TyrusFrameSink.frame(2, ByteBuffer.allocate(125), false))).containsExactly(0x82, 125);
        assertThat(header(TyrusFrameSink.frame(2, ByteBuffer.allocate(126), false))).containsExactly(0x82, 126, 0, 126);
        assertThat(header(TyrusFrameSink.frame(1, ByteBuffer.allocate(65_536), true)))
                .containsExactly(0x81, 127, 0, 0, 0, 0, 0, 1, 0, 0);
        assertThat(TyrusFrameSink.frame(2, ByteBuffer.wrap("ab".getBytes(StandardCharsets.US_ASCII)), false))
                .isEqualTo(ByteBuffer.wrap(new byte[] {(byte) 0x82, 2, 'a', 'b'}));
    }

    private static int[] header(ByteBuffer f) {
        int len7 = f.get(1) & 0x7F;
        int n = len7 == 126 ? 4 : len7 == 127 ? 10 : 2;
        int[] h = new int[n];
        for (int i = 0; i < n; i++) {
            h[i] = f.get(i) & 0xFF;
        }
        return h;
    }

    private static final class Received {
        final List<Object> messages = new ArrayList<>();
        CloseReason close;
    }

    private static Received receive(String path) throws Exception {
        Received r = new Received();
        CountDownLatch closed = new CountDownLatch(1);
        ClientManager client = ClientManager.createClient();
        try {
            client.connectToServer(new Endpoint() {
                @Override
                public void onOpen(Session session, EndpointConfig config) {
                    session.setMaxBinaryMessageBufferSize(1 << 20);
                    Consumer<Object> add = m -> {
                        synchronized (r) {
                            r.messages.add(m);
                        }
                    };
                    session.addMessageHandler(String.class, (MessageHandler.Whole<String>) add::accept);
                    session.addMessageHandler(byte[].class, (MessageHandler.Whole<byte[]>) add::accept);
                }

                @Override
                public void onClose(Session session, CloseReason closeReason) {
                    r.close = closeReason;
                    closed.countDown();
                }
            }, ClientEndpointConfig.Builder.create().build(), URI.create("ws://127.0.0.1:" + port + path));
            assertThat(closed.await(20, TimeUnit.SECONDS)).as("closed by the server").isTrue();
        } finally {
            client.shutdown();
        }
        synchronized (r) {
            return r;
        }
    }
}
