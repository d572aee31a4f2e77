package io.wsvideo.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.wsvideo.relay.ChannelStats;
import io.wsvideo.relay.StreamChecker.Published;
import io.wsvideo.relay.jakarta.JakartaRelayConfig;
import io.wsvideo.relay.testing.RawWs;
import io.wsvideo.relay.testing.Recording;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Faults on the standalone relay over real sockets (issue 8): connections that vanish (TCP resets, no close
 * frame) in the middle of an element or of a send, reconnects, viewer churn, and shutdown. Every viewer checks
 * its stream with relay-core's {@code StreamChecker}; afterwards no sessions, channels or threads are left.
 */
class RelayFaultTest {

    private static final Duration WAIT = Duration.ofSeconds(15);

    private static String publishPath(String channel, String mime) {
        return "/relay/publish/" + channel + "?mime=" + URLEncoder.encode(mime, StandardCharsets.UTF_8);
    }

    private static void awaitTrue(Duration timeout, java.util.function.BooleanSupplier c, String what)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + timeout + ": " + what);
            }
            Thread.sleep(10);
        }
    }

    private static int viewersOn(DemoServer server, String channel) {
        ChannelStats c = server.hub().stats().channel(channel);
        return c == null ? 0 : c.viewerCount();
    }

    @Test
    void aPublisherThatVanishesMidElementEndsTheStreamAndTheNextPlaysWithAFreshInit() throws Exception {
        Recording first = Recording.load("webm-vp8-opus");
        Recording second = Recording.load("webm-vp9-opus");
        Published one = Published.of(first.bytes(), first.mime());
        Published two = Published.of(second.bytes(), second.mime());
        long secondRap = one.raps().stream().skip(1).findFirst().orElseThrow();
        int cut = (int) secondRap + 37; // inside the first block of a keyframe Cluster
        try (DemoServer server = DemoServer.start("127.0.0.1", 0, JakartaRelayConfig.defaults())) {
            List<CheckedViewer> viewers = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                RawWs ws = RawWs.open("127.0.0.1", server.port(), "/relay/view/vanish", Map.of());
                viewers.add(openChecked(ws, id -> id == 1 ? one : two));
            }
            RawWs p1 = RawWs.open("127.0.0.1", server.port(), publishPath("vanish", first.mime()), Map.of());
            byte[] a = first.bytes();
            for (int at = 0; at < cut; at += 4000) {
                p1.sendBinary(ByteBuffer.wrap(a, at, Math.min(4000, cut - at)));
            }
            for (CheckedViewer v : viewers) {
                v.await(WAIT, () -> v.mediaBytes() == cut, "the first stream up to the cut");
            }
            p1.abort();
            for (CheckedViewer v : viewers) {
                v.await(WAIT, () -> v.sawText("\"type\":\"ended\""), "ended");
            }
            RawWs p2 = RawWs.open("127.0.0.1", server.port(), publishPath("vanish", second.mime()), Map.of());
            for (ByteBuffer c : second.chunks()) {
                p2.sendBinary(c);
            }
            for (CheckedViewer v : viewers) {
                v.await(WAIT, () -> v.mediaBytes() == cut + second.bytes().length, "the whole second stream");
                assertThat(v.problem()).isNull();
                assertThat(v.closed()).as("viewers stay connected").isNull();
                assertThat(v.summary().streams()).isEqualTo(2);
                assertThat(v.summary().lastStreamId()).isEqualTo(2);
            }
            p2.close();
            viewers.forEach(CheckedViewer::close);
            awaitTrue(WAIT, () -> server.hub().stats().channels().isEmpty(), "no channel left");
        }
    }

    @Test
    void aPublisherThatReconnectsAtOnceAfterADropKeepsItsViewers() throws Exception {
        Recording rec = Recording.load("webm-vp8-opus");
        Published published = Published.of(rec.bytes(), rec.mime());
        try (DemoServer server = DemoServer.start("127.0.0.1", 0, JakartaRelayConfig.defaults())) {
            CheckedViewer viewer = openChecked(RawWs.open("127.0.0.1", server.port(), "/relay/view/again", Map.of()),
                    id -> published);
            int drops = 5;
            int busyAnswers = 0;
            for (int round = 0; round < drops; round++) {
                // The previous round's probe was reset too: wait until the relay noticed, or this publisher
                // would be told "channel busy".
                awaitTrue(WAIT, () -> {
                    var ch = server.hub().stats(false).channel("again");
                    return ch == null || !ch.live();
                }, "the channel free again");
                var before = server.hub().stats(false).channel("again");
                long chunksBefore = before == null ? 0 : before.chunksIn();
                RawWs p = RawWs.open("127.0.0.1", server.port(), publishPath("again", rec.mime()), Map.of());
                List<ByteBuffer> chunks = rec.chunks();
                int half = chunks.size() / 2;
                for (ByteBuffer c : chunks.subList(0, half)) {
                    p.sendBinary(c);
                }
                // A reset throws away whatever the server's kernel holds unread: let the relay take the half
                // stream first, so that each round is a stream that really started and then vanished.
                awaitTrue(WAIT, () -> server.hub().stats(false).channel("again").chunksIn() >= chunksBefore + half,
                        "the relay received the half stream");
                p.abort();
                // Reconnect at once, as a broadcaster page does: until the relay has noticed the drop the channel
                // is still busy (1008), so retry briefly.
                long deadline = System.nanoTime() + WAIT.toNanos();
                while (true) {
                    RawWs again = RawWs.open("127.0.0.1", server.port(), publishPath("again", rec.mime()), Map.of());
                    again.socket.setSoTimeout(200);
                    boolean refused;
                    try {
                        RawWs.Message m = again.read();
                        refused = m.isClose();
                        if (refused) {
                            assertThat(m.code()).isEqualTo(1008);
                            assertThat(m.reason()).isEqualTo("channel busy: again");
                        }
                    } catch (java.net.SocketTimeoutException stillOpen) {
                        refused = false;
                    }
                    if (!refused) {
                        again.abort();
                        break;
                    }
                    busyAnswers++;
                    again.close();
                    assertThat(System.nanoTime()).as("reconnected within %s", WAIT).isLessThan(deadline);
                    Thread.sleep(20);
                }
            }
            // Only once the relay has noticed the last aborted probe is the channel free: opening the last
            // publisher before that would be answered "channel busy".
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (viewer.summary().ended() < 2 * drops && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            RawWs last = RawWs.open("127.0.0.1", server.port(), publishPath("again", rec.mime()), Map.of());
            long halfStreams = viewer.mediaBytes();
            for (ByteBuffer c : rec.chunks()) {
                last.sendBinary(c);
            }
            // Each round: a stream, its "ended"; the reconnect that sent nothing ends too (an "ended" without a
            // "stream": the viewer was told nothing had started). Then the last stream, whole.
            viewer.await(WAIT, () -> viewer.summary().streams() == drops + 1
                    && viewer.mediaBytes() == halfStreams + rec.bytes().length, "the last stream, whole");
            assertThat(viewer.summary().ended()).isEqualTo(2 * drops);
            assertThat(viewer.problem()).isNull();
            assertThat(viewer.closed()).isNull();
            System.out.printf("RelayFaultTest: %d drops, %d 'channel busy' answers before the relay noticed%n", drops,
                    busyAnswers);
            last.close();
            viewer.close();
        }
    }

    @Test
    void aViewerThatVanishesWithSendsInFlightLeavesNoTraceAndOthersGetEveryByte() throws Exception {
        Recording rec = Recording.load("webm-vp8-opus-long");
        Published published = Published.of(rec.bytes(), rec.mime());
        try (DemoServer server = DemoServer.start("127.0.0.1", 0, JakartaRelayConfig.defaults(), null, 16 * 1024)) {
            CheckedViewer good = openChecked(RawWs.open("127.0.0.1", server.port(), "/relay/view/inflight", Map.of()),
                    id -> published);
            List<RawWs> stuck = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                RawWs s = RawWs.open("127.0.0.2", server.port(), "/relay/view/inflight", Map.of());
                s.socket.setReceiveBufferSize(4096);
                stuck.add(s); // never reads: the server's sends to it stay in flight
            }
            RawWs p = RawWs.open("127.0.0.1", server.port(), publishPath("inflight", rec.mime()), Map.of());
            List<ByteBuffer> chunks = rec.chunks();
            for (ByteBuffer c : chunks.subList(0, chunks.size() / 2)) {
                p.sendBinary(c);
            }
            awaitTrue(WAIT, () -> server.hub().stats().channel("inflight").viewers().stream()
                    .filter(v -> v.queuedBytes() > 0 || v.lagMillis() > 0).count() >= 1, "a send in flight");
            stuck.forEach(RawWs::abort);
            for (ByteBuffer c : chunks.subList(chunks.size() / 2, chunks.size())) {
                p.sendBinary(c);
            }
            good.await(WAIT, () -> good.mediaBytes() == rec.bytes().length, "every byte");
            awaitTrue(WAIT, () -> viewersOn(server, "inflight") == 1, "the vanished viewers are gone");
            assertThat(good.problem()).isNull();
            assertThat(good.summary().skips()).isZero();
            p.close();
            good.close();
            awaitTrue(WAIT, () -> server.hub().stats().channels().isEmpty(), "no channel left");
        }
    }

    @Test
    void twoHundredViewersJoinAndLeaveInALoopWhileThePublisherStreams() throws Exception {
        Recording rec = Recording.load("webm-vp8-opus-long");
        Published published = Published.of(rec.bytes(), rec.mime());
        try (DemoServer server = DemoServer.start("127.0.0.1", 0, JakartaRelayConfig.defaults())) {
            CheckedViewer steady = openChecked(RawWs.open("127.0.0.1", server.port(), "/relay/view/churn", Map.of()),
                    id -> published);
            RawWs p = RawWs.open("127.0.0.1", server.port(), publishPath("churn", rec.mime()), Map.of());
            int threadsBefore = Thread.activeCount();
            ExecutorService pool = Executors.newFixedThreadPool(4);
            AtomicInteger joins = new AtomicInteger();
            List<Future<?>> churners = new ArrayList<>();
            long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                churners.add(pool.submit(() -> {
                    Random r = new Random(thread);
                    for (int slot = 0; System.nanoTime() < until; slot = (slot + 1) % 50) {
                        String from = "127.0.4." + (1 + thread * 50 + slot);
                        CheckedViewer v = openChecked(RawWs.open(from, server.port(), "/relay/view/churn", Map.of()),
                                id -> published);
                        joins.incrementAndGet();
                        Thread.sleep(r.nextInt(100));
                        if (v.problem() != null) {
                            throw new AssertionError("churning viewer from " + from, v.problem());
                        }
                        if (r.nextBoolean()) {
                            v.ws.abort();
                        }
                        v.close();
                    }
                    return null;
                }));
            }
            List<ByteBuffer> chunks = rec.chunks();
            for (int i = 0; System.nanoTime() < until || i < chunks.size(); i++) {
                if (i == chunks.size()) {
                    break;
                }
                p.sendBinary(chunks.get(i));
                Thread.sleep(50);
            }
            for (Future<?> f : churners) {
                f.get(60, TimeUnit.SECONDS);
            }
            pool.shutdown();
            steady.await(WAIT, () -> steady.mediaBytes() == rec.bytes().length, "every byte for the steady viewer");
            assertThat(steady.problem()).isNull();
            assertThat(joins.get()).isGreaterThanOrEqualTo(200);
            awaitTrue(WAIT, () -> viewersOn(server, "churn") == 1, "only the steady viewer left");
            p.close();
            steady.close();
            awaitTrue(WAIT, () -> server.hub().stats().channels().isEmpty(), "no channel left");
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
            System.out.printf("RelayFaultTest: %d real WebSocket viewers joined and left during the stream%n",
                    joins.get());
            // The reader threads of the closed clients end; the server's own pools do not grow without bound.
            awaitTrue(WAIT, () -> Thread.activeCount() <= threadsBefore + 8, "threads back near " + threadsBefore
                    + " (now " + Thread.activeCount() + ")");
        }
    }

    @Test
    void shuttingTheServerDownClosesEveryoneWith1001AndLeavesNoThreads() throws Exception {
        Recording rec = Recording.load("webm-vp8-opus");
        Published published = Published.of(rec.bytes(), rec.mime());
        int threadsBefore = Thread.activeCount();
        DemoServer server = DemoServer.start("127.0.0.1", 0, JakartaRelayConfig.defaults());
        List<CheckedViewer> viewers = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            viewers.add(openChecked(RawWs.open("127.0.0.1", server.port(), "/relay/view/down" + i % 2, Map.of()),
                    id -> published));
        }
        RawWs p = RawWs.open("127.0.0.1", server.port(), publishPath("down0", rec.mime()), Map.of());
        List<ByteBuffer> chunks = rec.chunks();
        for (ByteBuffer c : chunks.subList(0, chunks.size() / 2)) {
            p.sendBinary(c);
        }
        server.close();
        for (CheckedViewer v : viewers) {
            RawWs.Message m = v.awaitClose(WAIT);
            assertThat(m.code()).isEqualTo(1001);
            assertThat(m.reason()).isEqualTo("relay shutting down");
            assertThat(v.problem()).isNull();
            v.close();
        }
        p.socket.setSoTimeout(5000);
        RawWs.Message m = p.awaitClose();
        assertThat(m.code()).isEqualTo(1001);
        p.close();
        assertThat(server.hub().stats().channels()).isEmpty();
        awaitTrue(WAIT, () -> Thread.activeCount() <= threadsBefore + 2, "threads back to " + threadsBefore
                + " (now " + Thread.activeCount() + ")");
    }

    private static CheckedViewer openChecked(RawWs ws, java.util.function.LongFunction<Published> published)
            throws Exception {
        return CheckedViewer.wrap(ws, published);
    }
}
