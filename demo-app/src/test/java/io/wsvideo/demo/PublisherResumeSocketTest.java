package io.wsvideo.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.wsvideo.relay.CloseCodes;
import io.wsvideo.relay.RelayHub;
import io.wsvideo.relay.jakarta.JakartaRelayConfig;
import io.wsvideo.relay.testing.RawWs;
import io.wsvideo.relay.testing.Recording;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The publisher resume token over real sockets on each engine (Tyrus and Netty): a publisher is told its token
 * when accepted; while its old connection is still open and silent (a dropped network the relay has not
 * noticed), a publisher without the token or with a wrong one is told {@code channel busy}, and one showing
 * the token takes the channel over: the old connection is closed with 1008 and a reason, the viewer stays
 * connected and gets the new stream whole, and the spent token works no more.
 */
class PublisherResumeSocketTest {

    private static final Pattern TOKEN = Pattern.compile("\"resumeToken\":\"([A-Za-z0-9_-]+)\"");
    private static final Pattern OFFSET = Pattern.compile("\"offset\":(\\d+)");

    private static String publishPath(String channel, String mime, String resume) {
        return "/relay/publish/" + channel + "?mime=" + URLEncoder.encode(mime, StandardCharsets.UTF_8)
                + (resume == null ? "" : "&resume=" + resume);
    }

    /** Opens a publisher and returns its resume token from the relay's first message, which must be accepted. */
    private static String accepted(RawWs p) throws IOException {
        return tokenIn(acceptedText(p));
    }

    private static String acceptedText(RawWs p) throws IOException {
        p.socket.setSoTimeout(10_000);
        RawWs.Message m = p.read();
        assertThat(m.isClose()).as("refused: %s", m).isFalse();
        assertThat(m.text()).startsWith("{\"type\":\"accepted\",\"channel\":\"phone\"").contains("\"resumeMillis\":5000");
        return m.text();
    }

    private static String tokenIn(String accepted) {
        Matcher t = TOKEN.matcher(accepted);
        assertThat(t.find()).isTrue();
        return t.group(1);
    }

    private static void refusedAsBusy(int port, String mime, String resume) throws IOException {
        try (RawWs p = RawWs.open("127.0.0.1", port, publishPath("phone", mime, resume), Map.of())) {
            p.socket.setSoTimeout(10_000);
            RawWs.Message m = p.read();
            assertThat(m.isClose()).as("with resume=%s: %s", resume, m).isTrue();
            assertThat(m.code()).isEqualTo(CloseCodes.POLICY_VIOLATION);
            assertThat(m.reason()).isEqualTo("channel busy: phone");
        }
    }

    /** A publisher connected, told its resume token, with the recording's first chunks sent. */
    private record Publishing(RawWs connection, String token, long sent) {
    }

    /** Connects a publisher to channel "phone" and sends it the recording's first {@code chunks} chunks. */
    private static Publishing publish(int port, Recording rec, int chunks) throws IOException {
        RawWs p = RawWs.open("127.0.0.1", port, publishPath("phone", rec.mime(), null), Map.of());
        String token = accepted(p);
        long sent = 0;
        for (ByteBuffer c : rec.chunks().subList(0, chunks)) {
            sent += c.remaining();
            p.sendBinary(c);
        }
        return new Publishing(p, token, sent);
    }

    /** Waits up to 10 s for {@code condition}. */
    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what + " within 10 s").isLessThan(deadline);
            Thread.sleep(10);
        }
    }

    /** Reads the viewer's messages until {@code streams} stream messages and {@code bytes} after the last. */
    private static byte[] readStream(RawWs viewer, int streams, int bytes) throws IOException {
        viewer.socket.setSoTimeout(15_000);
        int seen = 0;
        ByteArrayOutputStream last = new ByteArrayOutputStream();
        while (seen < streams || last.size() < bytes) {
            RawWs.Message m = viewer.read();
            assertThat(m.isClose()).as("the viewer stays connected: %s", m).isFalse();
            if (m.opcode() == RawWs.TEXT && m.text().contains("\"type\":\"stream\"")) {
                seen++;
                last.reset();
            } else if (m.opcode() == RawWs.BINARY) {
                last.writeBytes(m.payload());
            }
        }
        return last.toByteArray();
    }

    @ParameterizedTest
    @EnumSource(RelayServer.Engine.class)
    void theResumeTokenTakesTheChannelOverFromAConnectionTheRelayStillThinksAlive(RelayServer.Engine engine)
            throws Exception {
        Recording rec = Recording.load("webm-vp8-opus");
        try (RelayServer server = engine.start("127.0.0.1", 0, JakartaRelayConfig.defaults());
             RawWs viewer = waitingViewer(server.port())) {
            int port = server.port();
            Publishing first = publish(port, rec, rec.chunks().size() / 2);
            RawWs old = first.connection();
            String token = first.token();
            readStream(viewer, 1, 1);
            // The old connection now hears nothing more, and stays open: the relay cannot know it is gone.
            refusedAsBusy(port, rec.mime(), null);
            refusedAsBusy(port, rec.mime(), token.substring(1) + "A");

            try (RawWs resumed = RawWs.open("127.0.0.1", port, publishPath("phone", rec.mime(), token), Map.of())) {
                String next = accepted(resumed);
                assertThat(next).isNotEqualTo(token);
                old.socket.setSoTimeout(10_000);
                RawWs.Message closed = old.awaitClose();
                assertThat(closed.code()).isEqualTo(CloseCodes.POLICY_VIOLATION);
                assertThat(closed.reason()).isEqualTo(RelayHub.RESUMED);
                for (ByteBuffer c : rec.chunks()) {
                    resumed.sendBinary(c);
                }
                byte[] second = readStream(viewer, 1, rec.bytes().length);
                assertThat(second).isEqualTo(Recording.asRelayed(rec.bytes()));
                // The spent token is anyone's no more.
                refusedAsBusy(port, rec.mime(), token);
                assertThat(server.hub().stats().channel("phone").streams()).isEqualTo(2);
                assertThat(server.hub().stats().channel("phone").viewerCount()).isEqualTo(1);
            } finally {
                old.abort();
            }
        }
    }

    /**
     * Reads the viewer's messages until {@code total} media bytes arrived in all, checking that they are one
     * stream: one {@code stream} message (the first after {@code waiting}), never {@code ended}.
     */
    /**
     * A viewer of channel "phone" the relay has added: told {@code waiting}. The handshake's answer can reach
     * the client before the relay adds the viewer, and one added after the publisher's first chunks would be a
     * late joiner, not given the whole stream.
     */
    private static RawWs waitingViewer(int port) throws IOException {
        RawWs viewer = RawWs.open("127.0.0.1", port, "/relay/view/phone", Map.of());
        viewer.socket.setSoTimeout(10_000);
        assertThat(viewer.read().text()).contains("\"type\":\"waiting\"");
        return viewer;
    }

    private static byte[] readOneStream(RawWs viewer, int total) throws IOException {
        viewer.socket.setSoTimeout(15_000);
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        int streams = 0;
        while (got.size() < total) {
            RawWs.Message m = viewer.read();
            assertThat(m.isClose()).as("the viewer stays connected: %s", m).isFalse();
            if (m.opcode() == RawWs.TEXT) {
                assertThat(m.text()).as("after %d bytes", got.size()).doesNotContain("\"type\":\"ended\"");
                if (m.text().contains("\"type\":\"stream\"")) {
                    streams++;
                }
            } else if (m.opcode() == RawWs.BINARY) {
                got.writeBytes(m.payload());
            }
        }
        assertThat(streams).as("stream messages").isEqualTo(1);
        return got.toByteArray();
    }

    /** Sends the recording from {@code offset} on, cut where its chunks were (the first one sliced). */
    private static void sendFrom(RawWs p, Recording rec, long offset) throws IOException {
        long at = 0;
        for (ByteBuffer c : rec.chunks()) {
            long end = at + c.remaining();
            if (end > offset) {
                if (at < offset) {
                    c.position(c.position() + (int) (offset - at));
                }
                p.sendBinary(c);
            }
            at = end;
        }
    }

    private static long offsetIn(String accepted) {
        Matcher m = OFFSET.matcher(accepted);
        assertThat(m.find()).as("the relay continues the stream: %s", accepted).isTrue();
        return Long.parseLong(m.group(1));
    }

    private static String continuePath(Recording rec, String token) {
        return publishPath("phone", rec.mime(), token) + "&continue=1";
    }

    @ParameterizedTest
    @EnumSource(RelayServer.Engine.class)
    void aPublisherWhoseConnectionWasResetContinuesTheSameStreamFromTheByteTheRelayReports(RelayServer.Engine engine)
            throws Exception {
        Recording rec = Recording.load("webm-vp8-opus");
        try (RelayServer server = engine.start("127.0.0.1", 0, JakartaRelayConfig.defaults());
             RawWs viewer = waitingViewer(server.port())) {
            int port = server.port();
            int half = rec.chunks().size() / 2;
            Publishing first = publish(port, rec, half);
            RawWs old = first.connection();
            long sent = first.sent();
            // The reset throws away what the relay's kernel holds unread: let it take something first.
            await("the relay took a chunk", () -> server.hub().stats().channel("phone").chunksIn() > 0);
            // Cut in the middle of a message: its first fragment went out, the rest never will.
            ByteBuffer next = rec.chunks().get(half);
            byte[] part = new byte[next.remaining() / 2];
            next.duplicate().get(part);
            old.frame(false, RawWs.BINARY, part, 0, part.length, true);
            old.abort();
            await("the relay noticed the reset", () -> !server.hub().stats().channel("phone").live());

            try (RawWs resumed = RawWs.open("127.0.0.1", port, continuePath(rec, first.token()), Map.of())) {
                long offset = offsetIn(acceptedText(resumed));
                // Whatever of the sent chunks the reset let through, and none of the unfinished message.
                assertThat(offset).isPositive().isLessThanOrEqualTo(sent);
                sendFrom(resumed, rec, offset);
                byte[] got = readOneStream(viewer, rec.bytes().length);
                assertThat(got).isEqualTo(Recording.asRelayed(rec.bytes()));
                assertThat(server.hub().stats().channel("phone").streams()).isEqualTo(1);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(RelayServer.Engine.class)
    void aPublisherContinuesTheSameStreamFromAConnectionTheRelayStillThinksAlive(RelayServer.Engine engine)
            throws Exception {
        Recording rec = Recording.load("webm-vp8-opus");
        try (RelayServer server = engine.start("127.0.0.1", 0, JakartaRelayConfig.defaults());
             RawWs viewer = waitingViewer(server.port())) {
            int port = server.port();
            Publishing first = publish(port, rec, rec.chunks().size() * 2 / 3);
            RawWs old = first.connection();
            // The old connection stays open and silent; the last chunks may not even have been read yet. The
            // offset must be positive, so wait for the first one: on a busy machine the relay can take the
            // new connection's handshake before it reads any of the old one's bytes, and rightly answer 0.
            await("the relay took a chunk", () -> server.hub().stats().channel("phone").chunksIn() > 0);
            try (RawWs resumed = RawWs.open("127.0.0.1", port, continuePath(rec, first.token()), Map.of())) {
                long offset = offsetIn(acceptedText(resumed));
                assertThat(offset).isPositive().isLessThanOrEqualTo(first.sent());
                old.socket.setSoTimeout(10_000);
                RawWs.Message closed = old.awaitClose();
                assertThat(closed.code()).isEqualTo(CloseCodes.POLICY_VIOLATION);
                assertThat(closed.reason()).isEqualTo(RelayHub.RESUMED);
                sendFrom(resumed, rec, offset);
                byte[] got = readOneStream(viewer, rec.bytes().length);
                assertThat(got).isEqualTo(Recording.asRelayed(rec.bytes()));
                assertThat(server.hub().stats().channel("phone").streams()).isEqualTo(1);
            } finally {
                old.abort();
            }
        }
    }
}
