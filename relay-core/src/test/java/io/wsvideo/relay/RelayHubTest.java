package io.wsvideo.relay;

import static io.wsvideo.relay.HubTestSupport.assertSameBytes;
import static io.wsvideo.relay.HubTestSupport.concat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wsvideo.relay.HubTestSupport.ManualClock;
import io.wsvideo.relay.HubTestSupport.RecordingPeer;
import io.wsvideo.relay.media.SegmentListener;
import io.wsvideo.relay.media.Segmenter;
import io.wsvideo.relay.media.SegmenterLimits;
import io.wsvideo.relay.media.StreamInfo;
import io.wsvideo.relay.testing.Recording;
import io.wsvideo.relay.testing.StreamAnalysis;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RelayHubTest {

    private final ManualClock clock = new ManualClock();

    private RelayHub hub(RelayConfig config) {
        return RelayHub.createForTest(config, clock::now);
    }

    private static void publishAll(Publisher p, List<ByteBuffer> chunks) {
        for (ByteBuffer c : chunks) {
            p.onData(c);
        }
    }

    @Test
    void viewersConnectedBeforeThePublisherReceiveExactlyThePublishedBytes() throws Exception {
        Recording rec = Recording.load("webm-vp8-opus");
        try (RelayHub hub = hub(RelayConfig.defaults())) {
            RecordingSink a = new RecordingSink(true);
            RecordingSink b = new RecordingSink(true);
            hub.openViewer("room", a);
            hub.openViewer("room", b);
            publishAll(hub.openPublisher("room", rec.mime(), new RecordingPeer()), rec.chunks());

            for (RecordingSink s : List.of(a, b)) {
                assertThat(s.texts().get(0)).contains("\"type\":\"waiting\"");
                assertThat(s.texts().get(1)).contains("\"type\":\"stream\"")
                        .contains("\"mime\":\"video/webm;codecs=\\\"vp8,opus\\\"\"");
                assertSameBytes(s.bytesOfLastStream(), rec.bytes());
                assertThat(s.maxInFlight()).isEqualTo(1);
            }
        }
    }

    /** Keeps every buffer it is handed, as given. */
    private static final class KeepingSink implements ViewerSink {
        final List<ByteBuffer> seen = new ArrayList<>();

        @Override
        public void sendBinary(ByteBuffer data, SendCallback callback) {
            seen.add(data);
            callback.completed(null);
        }

        @Override
        public void sendText(String text, SendCallback callback) {
            callback.completed(null);
        }

        @Override
        public void close(int code, String reason) {
        }

        ByteBuffer last() {
            return seen.get(seen.size() - 1);
        }
    }

    @Test
    void theSharedBytesAreNeverCopiedPerViewer() throws Exception {
        KeepingSink a = new KeepingSink();
        KeepingSink b = new KeepingSink();
        byte[] bytes = Recording.load("webm-vp8-opus").bytes();
        try (RelayHub hub = hub(RelayConfig.defaults())) {
            hub.openViewer("room", a);
            hub.openViewer("room", b);
            hub.openPublisher("room", null, new RecordingPeer()).onData(ByteBuffer.wrap(bytes));
        }
        // Both viewers got their own buffer object over the publisher's bytes: writing to the published
        // array (which a real publisher must never do) shows through both, so nothing was copied.
        ByteBuffer first = a.last();
        ByteBuffer second = b.last();
        assertThat(first).isNotSameAs(second);
        assertThat(first.remaining()).isEqualTo(second.remaining()).isGreaterThan(100_000);
        byte before = first.get(first.limit() - 1);
        bytes[bytes.length - 1] ^= (byte) 0xFF;
        assertThat(first.get(first.limit() - 1)).isEqualTo((byte) ~before);
        assertThat(second.get(second.limit() - 1)).isEqualTo((byte) ~before);
    }

    @ParameterizedTest
    @ValueSource(strings = {"webm-vp8-opus-long", "firefox-webm-vp8-opus", "firefox-webm-opus-audio"})
    void lateJoinerStartsAtTheLastKeyframeAtAThousandRandomMoments(String name) throws Exception {
        Recording rec = Recording.load(name);
        byte[] all = rec.bytes();
        List<ByteBuffer> chunks = rec.chunks();
        StreamAnalysis analysis = StreamAnalysis.of(all, rec.mime());
        long[] lastRapAfter = lastRapAfterEachChunk(chunks, rec.mime());
        byte[] init = Arrays.copyOf(all, (int) analysis.initEnd());
        Random random = new Random(42);

        for (int trial = 0; trial < 1000; trial++) {
            int joinAfter = 1 + random.nextInt(chunks.size() - 1);
            try (RelayHub hub = hub(RelayConfig.defaults())) {
                Publisher p = hub.openPublisher("room", rec.mime(), new RecordingPeer());
                publishAll(p, chunks.subList(0, joinAfter));
                RecordingSink late = new RecordingSink(true);
                hub.openViewer("room", late);
                publishAll(p, chunks.subList(joinAfter, chunks.size()));

                long expectedStart = lastRapAfter[joinAfter - 1] >= 0
                        ? lastRapAfter[joinAfter - 1]
                        : analysis.raps().stream().filter(r -> r >= 0).findFirst().orElseThrow();
                byte[] expected = concat(init, Arrays.copyOfRange(all, (int) expectedStart, all.length));
                assertSameBytes(late.bytesOfLastStream(), expected);
                // And the joiner's own stream parses as init + a keyframe segment first.
                StreamAnalysis joined = StreamAnalysis.of(late.bytesOfLastStream(), rec.mime());
                assertThat(joined.raps()).isNotEmpty();
                assertThat(joined.raps().get(0)).isEqualTo(joined.initEnd());
            }
        }
    }

    /** For each chunk index i, the last random access point reported once chunks 0..i were fed, or -1. */
    private static long[] lastRapAfterEachChunk(List<ByteBuffer> chunks, String mime) throws Exception {
        long[] last = {-1};
        Segmenter s = Segmenter.create(mime, SegmenterLimits.defaults(), new SegmentListener() {
            @Override
            public void onInitSegment(long endOffset, StreamInfo info) {
            }

            @Override
            public void onRandomAccessPoint(long segmentOffset) {
                last[0] = segmentOffset;
            }
        });
        long[] result = new long[chunks.size()];
        for (int i = 0; i < chunks.size(); i++) {
            s.feed(chunks.get(i));
            result[i] = last[0];
        }
        return result;
    }

    @Test
    void aViewerThatFallsBehindSkipsToTheNextKeyframeAndIsTold() throws Exception {
        Recording rec = Recording.load("webm-vp8-opus-long");
        RelayConfig config = RelayConfig.builder().maxQueueBytes(20_000).maxSkipsPerMinute(100).build();
        try (RelayHub hub = hub(config)) {
            RecordingSink fast = new RecordingSink(true);
            RecordingSink slow = new RecordingSink(false);
            hub.openViewer("room", fast);
            hub.openViewer("room", slow);
            Publisher p = hub.openPublisher("room", rec.mime(), new RecordingPeer());
            List<ByteBuffer> chunks = rec.chunks();
            int half = chunks.size() / 2;
            publishAll(p, chunks.subList(0, half));
            // The slow viewer took nothing so far: its queue overflowed at 20 kB and it was skipped.
            ChannelStats stats = hub.stats().channel("room");
            assertThat(stats.skips()).isGreaterThan(0);
            ViewerStats slowStats = stats.viewers().get(1);
            assertThat(slowStats.queuedBytes()).isLessThanOrEqualTo(20_000);

            slow.completeAll();
            publishAll(p, chunks.subList(half, chunks.size()));
            slow.completeAll();

            assertSameBytes(fast.bytesOfLastStream(), rec.bytes());
            assertThat(slow.texts()).anyMatch(t -> t.contains("\"type\":\"skip\""));
            // After the skip notice, media resumes exactly at a keyframe segment and runs to the end.
            byte[] all = rec.bytes();
            StreamAnalysis analysis = StreamAnalysis.of(all, rec.mime());
            byte[] afterSkip = bytesAfterLastSkip(slow);
            long start = all.length - afterSkip.length;
            assertThat(analysis.raps()).contains(start);
            assertSameBytes(afterSkip, Arrays.copyOfRange(all, (int) start, all.length));
            assertThat(fast.closeCode).isNull();
            assertThat(slow.closeCode).isNull();
        }
    }

    private static byte[] bytesAfterLastSkip(RecordingSink sink) {
        List<RecordingSink.Received> rs = sink.received();
        int idx = -1;
        for (int i = 0; i < rs.size(); i++) {
            if (rs.get(i).isText() && rs.get(i).text().contains("\"type\":\"skip\"")) {
                idx = i;
            }
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int i = idx + 1; i < rs.size(); i++) {
            if (!rs.get(i).isText()) {
                out.writeBytes(rs.get(i).bytes());
            }
        }
        return out.toByteArray();
    }

    @Test
    void aViewerThatSkipsTooOftenIsClosedWith1008() throws Exception {
        Recording rec = Recording.load("webm-vp8-opus-long");
        RelayConfig config = RelayConfig.builder().maxQueueBytes(5_000).maxSkipsPerMinute(2).build();
        try (RelayHub hub = hub(config)) {
            RecordingSink stalled = new RecordingSink(false);
            RecordingSink fast = new RecordingSink(true);
            hub.openViewer("room", stalled);
            hub.openViewer("room", fast);
            publishAll(hub.openPublisher("room", rec.mime(), new RecordingPeer()), rec.chunks());

            assertThat(stalled.closeCode).isEqualTo(CloseCodes.POLICY_VIOLATION);
            assertThat(stalled.closeReason).startsWith("too slow");
            assertSameBytes(fast.bytesOfLastStream(), rec.bytes());
            assertThat(hub.stats().channel("room").viewerCount()).isEqualTo(1);
            assertThat(hub.stats().viewersEvicted()).isEqualTo(1);
        }
    }

    @Test
    void aViewerWhoseSendNeverCompletesIsClosedAfterTheStallLimit() throws Exception {
        Recording rec = Recording.load("webm-vp8-opus");
        RelayConfig config = RelayConfig.builder().maxStallMillis(3_000).build();
        try (RelayHub hub = hub(config)) {
            RecordingSink stalled = new RecordingSink(false);
            hub.openViewer("room", stalled);
            Publisher p = hub.openPublisher("room", rec.mime(), new RecordingPeer());
            p.onData(rec.chunks().get(0));
            clock.advanceMillis(2_999);
            hub.sweepNow();
            assertThat(stalled.closeCode).isNull();
            clock.advanceMillis(2);
            hub.sweepNow();
            assertThat(stalled.closeCode).isEqualTo(CloseCodes.POLICY_VIOLATION);
            assertThat(hub.stats().channel("room").viewerCount()).isZero();
        }
    }

    @Test
    void whenThePublisherLeavesViewersGetEndedAndThenTheNextStream() throws Exception {
        Recording first = Recording.load("webm-vp8-opus");
        Recording second = Recording.load("webm-vp9-opus");
        try (RelayHub hub = hub(RelayConfig.defaults())) {
            RecordingSink viewer = new RecordingSink(true);
            hub.openViewer("room", viewer);
            Publisher p1 = hub.openPublisher("room", first.mime(), new RecordingPeer());
            publishAll(p1, first.chunks());
            p1.close();
            assertThat(viewer.texts().get(viewer.texts().size() - 1)).contains("\"type\":\"ended\"");

            Publisher p2 = hub.openPublisher("room", second.mime(), new RecordingPeer());
            publishAll(p2, second.chunks());
            List<String> texts = viewer.texts();
            assertThat(texts).filteredOn(t -> t.contains("\"type\":\"stream\"")).hasSize(2);
            assertThat(texts.get(texts.size() - 1)).contains("vp9");
            assertSameBytes(viewer.bytesOfLastStream(), second.bytes());
            assertThat(viewer.closeCode).isNull();
        }
    }

    @Test
    void aSecondPublisherIsRefusedAsBusyUnlessTakeoverIsOn() throws Exception {
        try (RelayHub hub = hub(RelayConfig.defaults())) {
            hub.openPublisher("room", null, new RecordingPeer());
            assertThatThrownBy(() -> hub.openPublisher("room", null, new RecordingPeer()))
                    .isInstanceOfSatisfying(RelayRefusal.class, r -> {
                        assertThat(r.closeCode()).isEqualTo(CloseCodes.POLICY_VIOLATION);
                        assertThat(r.getMessage()).isEqualTo("channel busy: room");
                    });
        }
        try (RelayHub hub = hub(RelayConfig.builder().publisherTakeover(true).build())) {
            RecordingPeer old = new RecordingPeer();
            hub.openPublisher("room", null, old);
            hub.openPublisher("room", null, new RecordingPeer());
            assertThat(old.code).isEqualTo(CloseCodes.POLICY_VIOLATION);
            assertThat(old.reason).isEqualTo("taken over by a new publisher");
        }
    }

    @Test
    void malformedMediaClosesOnlyThatPublisherAndItsViewersAreTold() throws Exception {
        Recording rec = Recording.load("webm-vp8-opus");
        try (RelayHub hub = hub(RelayConfig.defaults())) {
            RecordingSink victim = new RecordingSink(true);
            RecordingSink bystander = new RecordingSink(true);
            hub.openViewer("bad", victim);
            hub.openViewer("good", bystander);
            RecordingPeer badPeer = new RecordingPeer();
            Publisher bad = hub.openPublisher("bad", "video/webm;codecs=vp8,opus", badPeer);
            Publisher good = hub.openPublisher("good", rec.mime(), new RecordingPeer());
            List<ByteBuffer> chunks = rec.chunks();
            good.onData(chunks.get(0));
            bad.onData(ByteBuffer.wrap("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
            publishAll(good, chunks.subList(1, chunks.size()));

            assertThat(badPeer.code).isIn(CloseCodes.UNSUPPORTED_DATA, CloseCodes.INVALID_PAYLOAD);
            assertThat(badPeer.reason).isNotBlank();
            assertThat(victim.texts().get(victim.texts().size() - 1)).contains("\"type\":\"ended\"")
                    .contains(badPeer.reason.replace("\"", "\\\""));
            assertThat(victim.closeCode).isNull();
            assertSameBytes(bystander.bytesOfLastStream(), rec.bytes());
            // The bad channel is free again for a well-behaved publisher.
            hub.openPublisher("bad", rec.mime(), new RecordingPeer());
        }
    }

    @Test
    void badChannelNamesAndLimitsAreRefusedWithCodes() throws Exception {
        RelayConfig config = RelayConfig.builder().maxChannels(1).maxViewersPerChannel(1).build();
        try (RelayHub hub = hub(config)) {
            assertThatThrownBy(() -> hub.openViewer("../etc", new RecordingSink(true)))
                    .isInstanceOfSatisfying(RelayRefusal.class,
                            r -> assertThat(r.closeCode()).isEqualTo(CloseCodes.POLICY_VIOLATION));
            assertThatThrownBy(() -> hub.openViewer("x".repeat(65), new RecordingSink(true)))
                    .isInstanceOf(RelayRefusal.class).hasMessage("invalid channel name");
            hub.openViewer("one", new RecordingSink(true));
            assertThatThrownBy(() -> hub.openViewer("one", new RecordingSink(true)))
                    .isInstanceOfSatisfying(RelayRefusal.class,
                            r -> assertThat(r.closeCode()).isEqualTo(CloseCodes.TRY_AGAIN_LATER));
            assertThatThrownBy(() -> hub.openViewer("two", new RecordingSink(true)))
                    .isInstanceOf(RelayRefusal.class).hasMessage("too many channels");
        }
    }

    @Test
    void channelsAreReclaimedWhenEveryoneLeaves() throws Exception {
        try (RelayHub hub = hub(RelayConfig.defaults())) {
            for (int i = 0; i < 100; i++) {
                Viewer v = hub.openViewer("ch" + i, new RecordingSink(true));
                Publisher p = hub.openPublisher("ch" + i, null, new RecordingPeer());
                v.close();
                p.close();
            }
            assertThat(hub.stats().channels()).isEmpty();
        }
    }

    @Test
    void closingTheHubClosesEveryoneWith1001() throws Exception {
        RelayHub hub = hub(RelayConfig.defaults());
        RecordingSink viewer = new RecordingSink(true);
        RecordingPeer publisher = new RecordingPeer();
        hub.openViewer("room", viewer);
        hub.openPublisher("room", null, publisher);
        hub.close();
        assertThat(viewer.closeCode).isEqualTo(CloseCodes.GOING_AWAY);
        assertThat(publisher.code).isEqualTo(CloseCodes.GOING_AWAY);
        assertThatThrownBy(() -> hub.openViewer("room", new RecordingSink(true)))
                .isInstanceOfSatisfying(RelayRefusal.class,
                        r -> assertThat(r.closeCode()).isEqualTo(CloseCodes.GOING_AWAY));
    }

    @Test
    void totalsOnlyStatsCountViewersAndBytesWithoutPerViewerDetails() throws Exception {
        Recording rec = Recording.load("webm-vp8-opus");
        try (RelayHub hub = hub(RelayConfig.defaults())) {
            List<Viewer> viewers = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                viewers.add(hub.openViewer("room", new RecordingSink(true)));
            }
            publishAll(hub.openPublisher("room", rec.mime(), new RecordingPeer()), rec.chunks());
            for (int i = 0; i < 50; i += 2) {
                viewers.get(i).close(); // leaving from the middle of the channel's viewer array
            }
            ChannelStats totals = hub.stats(false).channel("room");
            ChannelStats full = hub.stats(true).channel("room");
            assertThat(totals.viewers()).isEmpty();
            assertThat(totals.viewerCount()).isEqualTo(25).isEqualTo(full.viewers().size());
            // Media plus the few control messages each viewer got.
            assertThat(totals.bytesOut()).isBetween(25L * rec.bytes().length, 25L * (rec.bytes().length + 1000))
                    .isEqualTo(full.viewers().stream().mapToLong(ViewerStats::bytesOut).sum());
        }
    }
}
