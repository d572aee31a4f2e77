package io.wsvideo.relay;

import static io.wsvideo.relay.HubTestSupport.assertSameBytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wsvideo.relay.HubTestSupport.ManualClock;
import io.wsvideo.relay.HubTestSupport.RecordingPeer;
import io.wsvideo.relay.StreamChecker.Published;
import io.wsvideo.relay.testing.Recording;
import io.wsvideo.relay.testing.RetainedSize;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Faults at the hub (issue 8), with recording fake transports: a publisher that vanishes in the middle of an
 * element, one that reconnects, viewers that disconnect with a send in flight or whose sends fail, channels
 * created and abandoned by the thousand. After each: the right messages and close codes, nobody else
 * disturbed, and nothing left behind in the hub.
 */
class HubFaultTest {

    private final ManualClock clock = new ManualClock();

    private RelayHub hub(RelayConfig config) {
        return RelayHub.createForTest(config, clock::now);
    }

    private static void publish(Publisher p, byte[] bytes, int from, int to, int piece) {
        for (int at = from; at < to; at += piece) {
            p.onData(ByteBuffer.wrap(bytes, at, Math.min(piece, to - at)).slice().asReadOnlyBuffer());
        }
    }

    /** What the hub keeps reachable, not counting the transports' own objects. */
    private static long retained(RelayHub hub) {
        return RetainedSize.of(hub, o -> o instanceof ViewerSink || o instanceof Peer);
    }

    private static List<String> types(RecordingSink s) {
        return s.texts().stream().map(t -> t.replaceAll("^\\{\"type\":\"(\\w+)\".*$", "$1")).toList();
    }

    @Test
    void aPublisherThatVanishesMidElementEndsTheStreamAndTheNextPublisherStartsCleanly() throws Exception {
        Recording first = Recording.load("webm-vp8-opus");
        Recording second = Recording.load("webm-vp9-opus");
        byte[] a = first.bytes();
        Published firstPublished = Published.of(a, first.mime());
        Published secondPublished = Published.of(second.bytes(), second.mime());
        long secondRap = firstPublished.raps().stream().skip(1).findFirst().orElseThrow();
        // Cut 37 bytes into the second keyframe Cluster: inside its first block's header or payload.
        int cut = (int) secondRap + 37;
        try (RelayHub hub = hub(RelayConfig.defaults())) {
            RecordingSink early = new RecordingSink(true);
            hub.openViewer("room", early);
            Publisher p1 = hub.openPublisher("room", first.mime(), new RecordingPeer());
            publish(p1, a, 0, cut, 3000);
            RecordingSink midway = new RecordingSink(true);
            hub.openViewer("room", midway);

            // The connection drops: the transport reports it as a close, with no more bytes.
            p1.close();
            RecordingSink between = new RecordingSink(true);
            hub.openViewer("room", between);

            Publisher p2 = hub.openPublisher("room", second.mime(), new RecordingPeer());
            for (ByteBuffer chunk : second.chunks()) {
                p2.onData(chunk);
            }

            assertThat(types(early)).containsExactly("waiting", "stream", "ended", "stream");
            assertThat(types(midway)).containsExactly("stream", "ended", "stream");
            assertThat(types(between)).containsExactly("waiting", "stream");
            for (RecordingSink s : List.of(early, midway, between)) {
                assertThat(s.closeCode).isNull();
                // The half element of the first stream never leaks into the second: fresh init, exact bytes.
                assertSameBytes(s.bytesOfLastStream(), second.bytes());
                StreamChecker.check(s.received(), id -> id == 1 ? firstPublished : secondPublished);
            }
            assertThat(early.texts()).filteredOn(t -> t.contains("\"type\":\"ended\"")).singleElement()
                    .asString().contains("publisher left");
            assertThat(early.texts().get(3)).contains("\"streamId\":2").contains("vp9");

            ChannelStats stats = hub.stats().channel("room");
            assertThat(stats.streams()).isEqualTo(2);
            assertThat(stats.viewerCount()).isEqualTo(3);
        }
    }

    @Test
    void aPublisherThatReconnectsRightAwayKeepsItsViewersWhoGetANewStream() throws Exception {
        Recording rec = Recording.load("webm-vp8-opus");
        byte[] bytes = rec.bytes();
        Published published = Published.of(bytes, rec.mime());
        try (RelayHub hub = hub(RelayConfig.defaults())) {
            List<RecordingSink> viewers = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                RecordingSink s = new RecordingSink(true);
                hub.openViewer("room", s);
                viewers.add(s);
            }
            for (int attempt = 0; attempt < 3; attempt++) {
                Publisher p = hub.openPublisher("room", rec.mime(), new RecordingPeer());
                publish(p, bytes, 0, bytes.length / 2 + attempt * 1000, 4096);
                p.close();
            }
            Publisher last = hub.openPublisher("room", rec.mime(), new RecordingPeer());
            publish(last, bytes, 0, bytes.length, 4096);

            for (RecordingSink s : viewers) {
                assertThat(s.closeCode).isNull();
                assertThat(types(s)).containsExactly("waiting", "stream", "ended", "stream", "ended", "stream",
                        "ended", "stream");
                StreamChecker.Summary summary = StreamChecker.check(s.received(), id -> published);
                assertThat(summary.lastStreamId()).isEqualTo(4);
                assertSameBytes(s.bytesOfLastStream(), bytes);
            }
        }
    }

    @Test
    void aReconnectWhileTheOldConnectionLingersIsBusyUnlessTakeoverIsOn() throws Exception {
        // A publisher's network drops; it reconnects before the server notices the old connection is dead.
        Recording rec = Recording.load("webm-vp8-opus");
        byte[] bytes = rec.bytes();
        try (RelayHub hub = hub(RelayConfig.defaults())) {
            RecordingPeer stale = new RecordingPeer();
            Publisher old = hub.openPublisher("room", rec.mime(), stale);
            publish(old, bytes, 0, 5000, 5000);
            assertThatThrownBy(() -> hub.openPublisher("room", rec.mime(), new RecordingPeer()))
                    .isInstanceOf(RelayRefusal.class).hasMessage("channel busy: room");
            assertThat(stale.code).isNull();
        }
        try (RelayHub hub = hub(RelayConfig.builder().publisherTakeover(true).build())) {
            RecordingSink viewer = new RecordingSink(true);
            hub.openViewer("room", viewer);
            RecordingPeer stale = new RecordingPeer();
            Publisher old = hub.openPublisher("room", rec.mime(), stale);
            publish(old, bytes, 0, 5000, 5000);
            Publisher fresh = hub.openPublisher("room", rec.mime(), new RecordingPeer());
            assertThat(stale.code).isEqualTo(CloseCodes.POLICY_VIOLATION);
            assertThat(stale.reason).isEqualTo("taken over by a new publisher");
            // The old connection's last bytes, arriving late, are ignored.
            publish(old, bytes, 5000, 9000, 4000);
            old.close();
            publish(fresh, bytes, 0, bytes.length, 4096);
            assertThat(types(viewer)).containsExactly("waiting", "stream", "ended", "stream");
            assertSameBytes(viewer.bytesOfLastStream(), bytes);
            assertThat(viewer.closeCode).isNull();
        }
    }

    @Test
    void aViewerThatDisconnectsWithASendInFlightLeavesNothingBehind() throws Exception {
        Recording rec = Recording.load("webm-vp8-opus");
        byte[] bytes = rec.bytes();
        try (RelayHub hub = hub(RelayConfig.defaults())) {
            RecordingSink stuck = new RecordingSink(false);
            RecordingSink failing = new RecordingSink(false);
            RecordingSink bystander = new RecordingSink(true);
            Viewer stuckViewer = hub.openViewer("room", stuck);
            Viewer failingViewer = hub.openViewer("room", failing);
            hub.openViewer("room", bystander);
            Publisher p = hub.openPublisher("room", rec.mime(), new RecordingPeer());
            publish(p, bytes, 0, bytes.length / 2, 4096);
            assertThat(stuck.maxInFlight()).isOne();
            long queued = hub.stats().channel("room").viewers().get(0).queuedBytes();
            assertThat(queued).isPositive();

            // Both leave with a send in flight; one's completion comes late, the other's fails late.
            stuckViewer.close();
            failingViewer.close();
            assertThat(hub.stats().channel("room").viewerCount()).isOne();
            assertThat(stuck.completeOne()).isTrue();
            assertThat(stuck.completeOne()).as("nothing else was sent after the close").isFalse();
            failing.failOne();
            assertThat(failing.completeOne()).isFalse();

            publish(p, bytes, bytes.length / 2, bytes.length, 4096);
            assertSameBytes(bystander.bytesOfLastStream(), bytes);
            assertThat(bystander.closeCode).isNull();
            assertThat(stuck.closeCode).as("the transport closed it; the hub need not").isNull();
            p.close();
        }
    }

    @Test
    void aViewerWhoseSendFailsIsDroppedAndTheOthersCarryOn() throws Exception {
        Recording rec = Recording.load("webm-vp8-opus");
        byte[] bytes = rec.bytes();
        try (RelayHub hub = hub(RelayConfig.defaults())) {
            RecordingSink dying = new RecordingSink(false);
            RecordingSink bystander = new RecordingSink(true);
            hub.openViewer("room", dying);
            hub.openViewer("room", bystander);
            Publisher p = hub.openPublisher("room", rec.mime(), new RecordingPeer());
            publish(p, bytes, 0, 20_000, 4096);
            dying.failOne();
            assertThat(hub.stats().channel("room").viewerCount()).isOne();
            publish(p, bytes, 20_000, bytes.length, 4096);
            assertThat(dying.completeOne()).isFalse();
            assertSameBytes(bystander.bytesOfLastStream(), bytes);
        }
    }

    @Test
    void tenThousandChannelsCreatedAndAbandonedAreAllReclaimed() throws Exception {
        Recording rec = Recording.load("webm-vp8-opus");
        byte[] bytes = rec.bytes();
        try (RelayHub hub = hub(RelayConfig.defaults())) {
            RecordingSink bystander = new RecordingSink(true);
            hub.openViewer("bystander", bystander);
            Publisher steady = hub.openPublisher("bystander", rec.mime(), new RecordingPeer());
            int steadyAt = 0;
            for (int i = 0; i < 10_000; i++) {
                String name = "abandoned-" + i;
                switch (i % 4) {
                    case 0 -> hub.openViewer(name, new RecordingSink(i % 8 == 0)).close();
                    case 1 -> hub.openPublisher(name, rec.mime(), new RecordingPeer()).close();
                    case 2 -> {
                        // A publisher that sends half a stream and vanishes, watched by a stuck viewer.
                        RecordingSink stuck = new RecordingSink(false);
                        Viewer v = hub.openViewer(name, stuck);
                        Publisher p = hub.openPublisher(name, rec.mime(), new RecordingPeer());
                        p.onData(ByteBuffer.wrap(bytes.clone(), 0, 7000).slice()); // the hub may repair it in place
                        p.close();
                        v.close();
                    }
                    default -> {
                        // Malformed media: the hub closes the publisher itself.
                        RecordingPeer peer = new RecordingPeer();
                        hub.openPublisher(name, "video/webm", peer).onData(ByteBuffer.wrap(new byte[] {1, 2, 3, 4,
                                5, 6, 7, 8}));
                        assertThat(peer.code).isEqualTo(CloseCodes.UNSUPPORTED_DATA);
                    }
                }
                if (i % 100 == 0 && steadyAt < bytes.length) {
                    int to = Math.min(bytes.length, steadyAt + 1000);
                    publish(steady, bytes, steadyAt, to, 1000);
                    steadyAt = to;
                }
            }
            publish(steady, bytes, steadyAt, bytes.length, 4096);
            assertSameBytes(bystander.bytesOfLastStream(), bytes);
            assertThat(hub.stats().channels()).extracting(ChannelStats::name).containsExactly("bystander");
            steady.close();
            hub.stats().channels().forEach(c -> assertThat(c.viewerCount()).isOne());
            Viewer last = hub.openViewer("bystander", new RecordingSink(true));
            last.close();
            assertThat(hub.stats().channels()).hasSize(1);
        }
    }

    @Test
    void afterEveryoneLeavesTheHubHoldsNoMedia() throws Exception {
        Recording rec = Recording.load("webm-vp8-opus-long");
        try (RelayHub hub = hub(RelayConfig.defaults())) {
            long empty = retained(hub);
            List<Viewer> viewers = new ArrayList<>();
            List<RecordingSink> sinks = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                RecordingSink s = new RecordingSink(i % 2 == 0);
                sinks.add(s);
                viewers.add(hub.openViewer("ch" + i % 5, s));
            }
            List<Publisher> publishers = new ArrayList<>();
            for (int c = 0; c < 5; c++) {
                publishers.add(hub.openPublisher("ch" + c, rec.mime(), new RecordingPeer()));
            }
            for (ByteBuffer chunk : rec.chunks()) {
                for (Publisher p : publishers) {
                    p.onData(chunk.duplicate());
                }
            }
            assertThat(retained(hub)).as("while streaming").isGreaterThan(100_000);
            viewers.forEach(Viewer::close);
            publishers.forEach(Publisher::close);
            // Late completions of the stuck viewers' sends.
            sinks.forEach(RecordingSink::completeAll);
            assertThat(hub.stats().channels()).isEmpty();
            assertThat(retained(hub)).as("bytes the hub keeps once everyone left").isLessThanOrEqualTo(empty);
        }
    }

    @Test
    void closingTheHubWithSendsInFlightClosesEveryoneWith1001AndStopsItsThread() throws Exception {
        Recording rec = Recording.load("webm-vp8-opus");
        int before = liveThreads();
        RelayHub hub = RelayHub.create(RelayConfig.defaults());
        assertThat(threadNames()).contains("wsvideo-relay-sweeper");
        List<RecordingSink> viewers = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            RecordingSink s = new RecordingSink(i % 2 == 0);
            viewers.add(s);
            hub.openViewer("room" + i % 3, s);
        }
        RecordingPeer publisher = new RecordingPeer();
        Publisher p = hub.openPublisher("room0", rec.mime(), publisher);
        for (ByteBuffer chunk : rec.chunks().subList(0, 10)) {
            p.onData(chunk);
        }
        hub.close();
        for (RecordingSink s : viewers) {
            assertThat(s.closeCode).isEqualTo(CloseCodes.GOING_AWAY);
            assertThat(s.closeReason).isEqualTo("relay shutting down");
            s.completeAll();
        }
        assertThat(publisher.code).isEqualTo(CloseCodes.GOING_AWAY);
        // Whatever the transports still deliver after the close is ignored.
        p.onData(rec.chunks().get(10));
        p.close();
        assertThat(hub.stats().channels()).isEmpty();
        waitForThreads(before);
        assertThat(threadNames()).doesNotContain("wsvideo-relay-sweeper");
    }

    static int liveThreads() {
        return Thread.getAllStackTraces().size();
    }

    static List<String> threadNames() {
        return Thread.getAllStackTraces().keySet().stream().map(Thread::getName).toList();
    }

    /** Waits up to 5 s for the live thread count to come back to {@code before} (plus 2 for JVM helpers). */
    static void waitForThreads(int before) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (liveThreads() > before + 2 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        Map<Thread, StackTraceElement[]> all = Thread.getAllStackTraces();
        assertThat(all.size()).as("live threads: %s", threadNames()).isLessThanOrEqualTo(before + 2);
    }
}
