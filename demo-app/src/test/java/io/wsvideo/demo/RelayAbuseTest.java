package io.wsvideo.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.wsvideo.relay.ChannelStats;
import io.wsvideo.relay.RelayConfig;
import io.wsvideo.relay.jakarta.JakartaRelayConfig;
import io.wsvideo.relay.server.AccessGuard;
import io.wsvideo.relay.testing.RawWs;
import io.wsvideo.relay.testing.Recording;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Abuse of the standalone relay over real sockets (issue 8). Each kind of abuse gets its clear close code or
 * HTTP status, and a {@link Bystander} channel streaming beside it gets every byte exactly. Abusers connect
 * from their own loopback addresses (127.0.0.2 and up), so the per-address limit sees them apart from the
 * bystander on 127.0.0.1.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RelayAbuseTest {

    static final String TOKEN = "abuse-test-publish-token";
    static final int PER_ADDRESS = 16;
    static final int MAX_MESSAGE = 256 * 1024;

    private static RelayServer server;
    private static int port;

    /** The engine under test; {@link RelayAbuseNettyTest} runs the same abuse against Netty. */
    RelayServer.Engine engine() {
        return RelayServer.Engine.TYRUS;
    }

    @BeforeAll
    void start() throws Exception {
        server = engine().start("127.0.0.1", 0, JakartaRelayConfig.builder()
                .relay(RelayConfig.builder().maxChannels(5000).build())
                .publishTokens(TOKEN)
                .maxSessionsPerRemoteAddress(PER_ADDRESS)
                .maxMessageBytes(MAX_MESSAGE)
                .allowedOrigins("http://good.example")
                .build());
        port = server.port();
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static String publishPath(String channel, String mime, String token) {
        return "/relay/publish/" + channel + "?mime=" + URLEncoder.encode(mime, StandardCharsets.UTF_8)
                + (token == null ? "" : "&token=" + token);
    }

    private static RawWs.Message closeOf(RawWs ws) throws IOException {
        try (ws) {
            return ws.awaitClose();
        }
    }

    @Test
    void viewersThatSendMediaAreClosedWith1003AndTextIsBoundedAndIgnored() throws Exception {
        Bystander bystander = Bystander.start(port, "bystander-viewers", TOKEN);
        try {
            RawWs rude = RawWs.open("127.0.0.2", port, "/relay/view/bystander-viewers", Map.of());
            assertThat(rude.read().text()).contains("\"type\"");
            rude.sendBinary(ByteBuffer.wrap(new byte[] {0x1A, 0x45, (byte) 0xDF, (byte) 0xA3}));
            RawWs.Message closed = closeOf(rude);
            assertThat(closed.code()).isEqualTo(1003);
            assertThat(closed.reason()).isEqualTo("viewers may not send media");

            // 20,000 small control messages: ignored, and the viewer keeps getting its stream.
            CheckedViewer chatty = CheckedViewer.open("127.0.0.3", port, "bystander-viewers",
                    io.wsvideo.relay.StreamChecker.Published.of(Recording.load("webm-vp8-opus").bytes(),
                            Recording.load("webm-vp8-opus").mime()));
            for (int i = 0; i < 20_000; i++) {
                chatty.ws.sendText("{\"type\":\"hello\",\"n\":" + i + ",\"pad\":\"" + "x".repeat(100) + "\"}");
            }
            long before = chatty.mediaBytes();
            chatty.await(Duration.ofSeconds(20), () -> chatty.mediaBytes() > before + 10_000, "media after the flood");
            assertThat(chatty.closed()).isNull();
            // One text larger than the 4 KiB a viewer may send: closed as too big.
            chatty.ws.sendText("x".repeat(5000));
            RawWs.Message tooBig = chatty.awaitClose(Duration.ofSeconds(10));
            assertThat(tooBig.code()).isEqualTo(1009);
            assertThat(chatty.problem()).isNull();
            chatty.close();
            bystander.finish();
        } finally {
            bystander.close();
        }
    }

    @Test
    void aConnectionFloodFromOneAddressIsCappedWith1013() throws Exception {
        Bystander bystander = Bystander.start(port, "bystander-flood", TOKEN);
        List<RawWs> admitted = new ArrayList<>();
        try {
            int refused = 0;
            long started = System.nanoTime();
            for (int i = 0; i < 300; i++) {
                RawWs ws = RawWs.open("127.0.0.9", port, "/relay/view/flood", Map.of());
                assertThat(ws.statusCode()).isEqualTo(101);
                RawWs.Message first = ws.read();
                if (first.isClose()) {
                    assertThat(first.code()).isEqualTo(1013);
                    assertThat(first.reason()).isEqualTo("too many connections from your address");
                    refused++;
                    ws.close();
                } else {
                    assertThat(first.text()).contains("\"type\":\"waiting\"");
                    admitted.add(ws);
                }
            }
            long millis = (System.nanoTime() - started) / 1_000_000;
            assertThat(admitted).hasSize(PER_ADDRESS);
            assertThat(refused).isEqualTo(300 - PER_ADDRESS);
            System.out.printf("RelayAbuseTest: 300 connections from one address in %d ms, %d admitted, %d refused"
                    + " with 1013%n", millis, admitted.size(), refused);
            // Another address is not affected by the flood...
            try (RawWs other = RawWs.open("127.0.0.10", port, "/relay/view/flood", Map.of())) {
                assertThat(other.read().text()).contains("\"type\":\"waiting\"");
            }
            // ...and once the flood's connections vanish (resets, no close frames), their places free up.
            admitted.forEach(RawWs::abort);
            admitted.clear();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (admitted.size() < PER_ADDRESS && System.nanoTime() < deadline) {
                RawWs ws = RawWs.open("127.0.0.9", port, "/relay/view/flood", Map.of());
                if (ws.read().isClose()) {
                    ws.close();
                    Thread.sleep(50);
                } else {
                    admitted.add(ws);
                }
            }
            assertThat(admitted).hasSize(PER_ADDRESS);
            bystander.finish();
        } finally {
            admitted.forEach(RawWs::close);
            bystander.close();
        }
    }

    @Test
    void handshakesWithoutTheTokenOrFromAForeignOriginAreRefused() throws Exception {
        Recording rec = Recording.load("webm-vp8-opus");
        Bystander bystander = Bystander.start(port, "bystander-token", TOKEN);
        try {
            for (int i = 0; i < 200; i++) {
                String token = i % 3 == 0 ? null : i % 3 == 1 ? "wrong-" + i : TOKEN.substring(0, TOKEN.length() - 1);
                // Spread over addresses so the per-address limit does not answer first.
                RawWs ws = RawWs.open("127.0.1." + (1 + i % 200), port, publishPath("stolen", rec.mime(), token),
                        Map.of());
                RawWs.Message m = closeOf(ws);
                assertThat(m.code()).as("attempt %d", i).isEqualTo(1008);
                assertThat(m.reason()).isEqualTo("invalid token");
            }
            // Trying to publish on the bystander's channel without the token does not disturb it either.
            RawWs.Message m = closeOf(RawWs.open("127.0.0.4", port, publishPath("bystander-token", rec.mime(), null),
                    Map.of()));
            assertThat(m.code()).isEqualTo(1008);
            assertThat(server.hub().stats().channel("stolen")).isNull();

            // The token as the WebSocket subprotocol works (and is echoed, as browsers require).
            try (RawWs ok = RawWs.open("127.0.0.4", port, publishPath("own", rec.mime(), null),
                    Map.of("Sec-WebSocket-Protocol", TOKEN))) {
                assertThat(ok.statusCode()).isEqualTo(101);
                ok.sendBinary(rec.chunks().get(0));
                long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                while (server.hub().stats().channel("own") == null && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                assertThat(server.hub().stats().channel("own").live()).isTrue();
            }
            // A page from another origin gets no WebSocket at all.
            try (RawWs foreign = RawWs.open("127.0.0.4", port, "/relay/view/bystander-token",
                    Map.of("Origin", "http://evil.example"))) {
                assertThat(foreign.statusCode()).isEqualTo(403);
            }
            bystander.finish();
        } finally {
            bystander.close();
        }
    }

    @Test
    void oversizedAndMalformedMessagesGetTheirCloseCodes() throws Exception {
        Recording rec = Recording.load("webm-vp8-opus");
        Bystander bystander = Bystander.start(port, "bystander-malformed", TOKEN);
        try {
            // Every oversized message gets 1009 with a reason that names the limit (a publisher's: maxMessageBytes;
            // a viewer's: 4 bytes for each of the 4,096 characters of a control message), on either engine.
            String publisherTooBig = "message larger than " + MAX_MESSAGE + " bytes";
            String viewerTooBig = "message larger than " + AccessGuard.MAX_VIEWER_MESSAGE_BYTES + " bytes";
            // One message over maxMessageBytes.
            RawWs big = RawWs.open("127.0.0.5", port, publishPath("big", rec.mime(), TOKEN), Map.of());
            try {
                big.send(RawWs.BINARY, new byte[MAX_MESSAGE + 1]);
            } catch (IOException e) {
                // The server may close before reading it all.
            }
            RawWs.Message m = closeOf(big);
            assertThat(m.code()).isEqualTo(1009);
            assertThat(m.reason()).isEqualTo(publisherTooBig);

            // A frame header that claims a terabyte, then bytes: refused at the header, long before a terabyte
            // (the server neither allocates the claimed size nor waits for it). Tyrus on its own answered 1011
            // "Buffer overflow." once its buffer was full (issue 12); the demo reads frame headers first.
            RawWs liar = RawWs.open("127.0.0.5", port, publishPath("liar", rec.mime(), TOKEN), Map.of());
            liar.raw(new byte[] {(byte) 0x82, (byte) 0xFF, 0, 0, 1, 0, 0, 0, 0, 0, 1, 2, 3, 4});
            try {
                for (int i = 0; i < 64; i++) {
                    liar.raw(new byte[16 * 1024]);
                }
            } catch (IOException e) {
                // Closed mid-way.
            }
            m = closeOf(liar);
            assertThat(m.code()).isEqualTo(1009);
            assertThat(m.reason()).isEqualTo(publisherTooBig);

            // A message in fragments that never ends, from a publisher and from a viewer: refused at the fragment
            // that passes the limit.
            Map<String, String> fragmentPaths = Map.of(publishPath("fragments", rec.mime(), TOKEN), publisherTooBig,
                    "/relay/view/fragments", viewerTooBig);
            for (Map.Entry<String, String> path : fragmentPaths.entrySet()) {
                RawWs fragments = RawWs.open("127.0.0.5", port, path.getKey(), Map.of());
                byte[] piece = new byte[64 * 1024];
                try {
                    fragments.frame(false, RawWs.BINARY, piece, 0, piece.length, true);
                    for (int i = 0; i < 64; i++) {
                        fragments.frame(false, 0, piece, 0, piece.length, true);
                    }
                } catch (IOException e) {
                    // Closed mid-way, as it should be.
                }
                m = closeOf(fragments);
                assertThat(m.code()).as(path.getKey()).isEqualTo(1009);
                assertThat(m.reason()).as(path.getKey()).isEqualTo(path.getValue());
            }

            // Protocol errors: record what each engine says, and check the connection ends without disturbing
            // anyone else.
            Map<String, String> protocol = new java.util.LinkedHashMap<>();
            protocol.put("unmasked client frame", protocolOutcome(ws -> ws.frame(true, RawWs.TEXT,
                    new byte[] {'h', 'i'}, 0, 2, false)));
            protocol.put("reserved opcode 3", protocolOutcome(ws -> ws.frame(true, 3, new byte[] {1}, 0, 1, true)));
            protocol.put("ping of 200 bytes", protocolOutcome(ws -> ws.frame(true, RawWs.PING, new byte[200], 0,
                    200, true)));
            protocol.put("text that is not UTF-8", protocolOutcome(ws -> ws.send(RawWs.TEXT,
                    new byte[] {(byte) 0xC3, (byte) 0x28})));
            protocol.put("continuation without a start", protocolOutcome(ws -> ws.frame(true, 0, new byte[] {1}, 0,
                    1, true)));
            System.out.println("RelayAbuseTest: protocol errors on " + engine() + ": " + protocol);
            assertThat(protocol.get("reserved opcode 3")).startsWith("close 1002");
            assertThat(protocol.get("ping of 200 bytes")).startsWith("close 1002");
            assertThat(protocol.get("text that is not UTF-8")).startsWith("close 1007");
            // RFC 6455 5.1 (Tyrus on its own accepted it; the demo's FrameGuard refuses it).
            assertThat(protocol.get("unmasked client frame")).startsWith("close 1002");
            assertThat(protocol.get("continuation without a start")).startsWith("close 1002");

            // Media that is not what its MIME type says, and media that breaks its container's rules.
            RawWs notWebm = RawWs.open("127.0.0.7", port, publishPath("notwebm", rec.mime(), TOKEN), Map.of());
            notWebm.sendBinary(ByteBuffer.wrap("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
            m = closeOf(notWebm);
            assertThat(m.code()).isEqualTo(1003);
            assertThat(m.reason()).isEqualTo("stream is not WebM/Matroska as its MIME type says");
            RawWs broken = RawWs.open("127.0.0.7", port, publishPath("broken", rec.mime(), TOKEN), Map.of());
            byte[] bytes = rec.bytes();
            int initEnd = (int) io.wsvideo.relay.StreamChecker.Published.of(bytes, rec.mime()).initEnd();
            broken.sendBinary(ByteBuffer.wrap(bytes, 0, initEnd));
            // A Cluster whose size varint starts with a zero byte: no valid EBML length.
            broken.sendBinary(ByteBuffer.wrap(new byte[] {0x1F, 0x43, (byte) 0xB6, 0x75, 0x00, 0x00}));
            m = closeOf(broken);
            assertThat(m.code()).isEqualTo(1007);
            assertThat(m.reason()).matches("[\\x20-\\x7E]{1,123}");
            bystander.finish();
        } finally {
            bystander.close();
        }
    }

    @FunctionalInterface
    private interface Abuse {
        void on(RawWs ws) throws IOException;
    }

    /** Opens a viewer, does {@code abuse}, and says what the server did within 2 s. */
    private static String protocolOutcome(Abuse abuse) throws IOException {
        try (RawWs ws = RawWs.open("127.0.0.6", port, "/relay/view/protocol", Map.of())) {
            ws.read();
            abuse.on(ws);
            ws.socket.setSoTimeout(2000);
            try {
                RawWs.Message m = ws.awaitClose();
                return m.code() < 0 ? "connection dropped" : "close " + m.code() + " " + m.reason();
            } catch (java.net.SocketTimeoutException e) {
                return "ignored (connection open)";
            }
        }
    }

    @Test
    void veryLongChannelNamesAreRefused() throws Exception {
        Bystander bystander = Bystander.start(port, "bystander-names", TOKEN);
        try {
            RawWs.Message m = closeOf(RawWs.open("127.0.0.8", port, "/relay/view/" + "x".repeat(65), Map.of()));
            assertThat(m.code()).isEqualTo(1008);
            assertThat(m.reason()).isEqualTo("invalid channel name");
            m = closeOf(RawWs.open("127.0.0.8", port, "/relay/view/" + "%E2%80%AE".repeat(10) + "x", Map.of()));
            assertThat(m.code()).isEqualTo(1008);
            m = closeOf(RawWs.open("127.0.0.8", port, "/relay/view/" + "y".repeat(4000), Map.of()));
            assertThat(m.code()).isEqualTo(1008);
            // A request line longer than the server reads: no WebSocket, an HTTP error or a closed connection.
            try (RawWs huge = RawWs.open("127.0.0.8", port, "/relay/view/" + "z".repeat(100_000), Map.of())) {
                assertThat(huge.statusCode()).isNotEqualTo(101);
            }
            assertThat(server.hub().stats().channels()).extracting(ChannelStats::name)
                    .noneMatch(n -> n.startsWith("x") || n.startsWith("y") || n.startsWith("z"));
            bystander.finish();
        } finally {
            bystander.close();
        }
    }

    @Test
    void aThousandChannelsCreatedAndAbandonedAreReclaimed() throws Exception {
        Recording rec = Recording.load("webm-vp8-opus");
        byte[] bytes = rec.bytes();
        Bystander bystander = Bystander.start(port, "bystander-abandoned", TOKEN);
        try {
            for (int i = 0; i < 1000; i++) {
                String from = "127.0.2." + (1 + i % 250);
                if (i % 2 == 0) {
                    RawWs v = RawWs.open(from, port, "/relay/view/gone-" + i, Map.of());
                    v.read();
                    if (i % 4 == 0) {
                        v.abort();
                    } else {
                        v.close();
                    }
                } else {
                    RawWs p = RawWs.open(from, port, publishPath("gone-" + i, rec.mime(), TOKEN), Map.of());
                    p.sendBinary(ByteBuffer.wrap(bytes, 0, 700 + i));
                    p.abort();
                }
            }
            // The server handles each connection's open, data and reset in its own time: wait until only the
            // bystander's channel has been left for a whole second.
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            long quietSince = System.nanoTime();
            while (System.nanoTime() < deadline && System.nanoTime() - quietSince < 1_000_000_000L) {
                if (server.hub().stats().channels().size() > 1) {
                    quietSince = System.nanoTime();
                }
                Thread.sleep(20);
            }
            assertThat(server.hub().stats().channels()).extracting(ChannelStats::name)
                    .containsExactly("bystander-abandoned");
            bystander.finish();
        } finally {
            bystander.close();
        }
    }
}
