package io.wsvideo.relay;

import static io.wsvideo.relay.HubTestSupport.assertSameBytes;
import static org.assertj.core.api.Assertions.assertThat;

import io.wsvideo.relay.HubTestSupport.ManualClock;
import io.wsvideo.relay.HubTestSupport.RecordingPeer;
import io.wsvideo.relay.testing.Recording;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Same-stream resume: a broadcaster whose network dropped keeps recording, reconnects with its resume token
 * and {@code continue}, and its bytes go on into the same stream from the offset the relay reports, so viewers
 * see no {@code ended}, no new {@code stream} and no new init segment. The relay holds the stream of a
 * publisher whose connection was lost for {@code publisherResumeMillis}, then ends it.
 */
class PublisherContinueTest {

    private static final Pattern OFFSET = Pattern.compile("\"offset\":(\\d+)");

    private final ManualClock clock = new ManualClock();
    private final Recording rec = Recording.load("webm-vp8-opus");
    private final byte[] all = rec.bytes();
    private final List<ByteBuffer> chunks = rec.chunks();

    private RelayHub hub() {
        return RelayHub.createForTest(RelayConfig.defaults(), clock::now);
    }

    private static long bytesOf(List<ByteBuffer> list) {
        long n = 0;
        for (ByteBuffer b : list) {
            n += b.remaining();
        }
        return n;
    }

    /** Sends the recording's bytes from {@code from} to its end in pieces of random sizes (a page's resend). */
    private static void sendFrom(Publisher p, byte[] bytes, long from, Random random) {
        int at = (int) from;
        while (at < bytes.length) {
            int n = Math.min(bytes.length - at, 1 + random.nextInt(9000));
            p.onData(ByteBuffer.wrap(bytes, at, n).slice().asReadOnlyBuffer());
            at += n;
        }
    }

    private static long offsetIn(String accepted) {
        Matcher m = OFFSET.matcher(accepted);
        assertThat(m.find()).as("offset in %s", accepted).isTrue();
        return Long.parseLong(m.group(1));
    }

    private static long count(List<String> texts, String type) {
        return texts.stream().filter(t -> t.contains("\"type\":\"" + type + "\"")).count();
    }

    private StreamChecker.Summary checked(RecordingSink viewer) {
        return StreamChecker.check(viewer.received(), id -> {
            try {
                return StreamChecker.Published.of(all, rec.mime());
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
    }

    @Test
    void aPublisherThatContinuesAfterTakingItsChannelBackCarriesOnTheSameStream() throws Exception {
        try (RelayHub hub = hub()) {
            List<Long> offsets = new ArrayList<>();
            RecordingSink viewer = new RecordingSink(true);
            hub.openViewer("room", viewer);
            RecordingPeer oldPeer = new RecordingPeer();
            Publisher old = hub.openPublisher("room", rec.mime(), oldPeer);
            List<ByteBuffer> firstHalf = chunks.subList(0, chunks.size() / 2);
            firstHalf.forEach(old::onData);

            // The relay has not noticed the drop; the page resumes and asks to continue.
            Publisher next = hub.openPublisher("room", rec.mime(), new RecordingPeer(), old.resumeToken(), true);
            hub.addListener(new HubListener() {
                @Override
                public void publisherData(Publisher p, long streamOffset, ByteBuffer chunk) {
                    if (p == next) {
                        offsets.add(streamOffset);
                    }
                }
            });
            assertThat(oldPeer.reason).isEqualTo(RelayHub.RESUMED);
            assertThat(next.resumed()).isTrue();
            assertThat(next.continuedAt()).isEqualTo(bytesOf(firstHalf));
            assertThat(next.acceptedMessage()).isEqualTo("{\"type\":\"accepted\",\"channel\":\"room\",\"resumeToken\":\""
                    + next.resumeToken() + "\",\"resumeMillis\":5000,\"offset\":" + bytesOf(firstHalf) + "}");
            chunks.subList(chunks.size() / 2, chunks.size()).forEach(next::onData);
            // Late bytes of the old connection go nowhere.
            old.onData(chunks.get(1));
            old.close();

            List<String> texts = viewer.texts();
            assertThat(count(texts, "stream")).isEqualTo(1);
            assertThat(count(texts, "ended")).isZero();
            assertThat(count(texts, "continued")).as("told the backlog follows").isEqualTo(1);
            assertSameBytes(viewer.bytesOfLastStream(), all);
            assertThat(offsets.get(0)).isEqualTo(bytesOf(firstHalf));
            assertThat(hub.stats().channel("room").streams()).isEqualTo(1);
            assertThat(hub.stats().channel("room").live()).isTrue();
        }
    }

    @Test
    void theOffsetIsWhatTheRelayTookSoAResendFromThereLosesAndRepeatsNothing() throws Exception {
        Random random = new Random(12);
        for (int run = 0; run < 20; run++) {
            try (RelayHub hub = hub()) {
                RecordingSink viewer = new RecordingSink(true);
                hub.openViewer("room", viewer);
                Publisher old = hub.openPublisher("room", rec.mime(), new RecordingPeer());
                // The page sent up to `sent` chunks, but only the first `got` reached the relay before the cut.
                int got = 1 + random.nextInt(chunks.size() - 2);
                chunks.subList(0, got).forEach(old::onData);
                if (random.nextBoolean()) {
                    old.connectionLost(); // the relay noticed the drop first
                }
                Publisher next = hub.openPublisher("room", rec.mime(), new RecordingPeer(), old.resumeToken(), true);
                long offset = offsetIn(next.acceptedMessage());
                assertThat(offset).isEqualTo(bytesOf(chunks.subList(0, got)));
                sendFrom(next, all, offset, random);

                assertThat(count(viewer.texts(), "stream")).isEqualTo(1);
                assertThat(count(viewer.texts(), "ended")).isZero();
                assertSameBytes(viewer.bytesOfLastStream(), all);
            }
        }
    }

    @Test
    void aLostConnectionsStreamIsHeldAndALateJoinerBeforeAndAfterTheResumeGetsAValidStream() throws Exception {
        try (RelayHub hub = hub()) {
            RecordingSink viewer = new RecordingSink(true);
            hub.openViewer("room", viewer);
            Publisher old = hub.openPublisher("room", rec.mime(), new RecordingPeer());
            int half = chunks.size() / 2;
            chunks.subList(0, half).forEach(old::onData);
            old.connectionLost();
            assertThat(viewer.texts()).noneMatch(t -> t.contains("\"type\":\"ended\""));
            assertThat(hub.stats().channel("room").live()).isFalse();

            // Joins the held stream: its start and the cache, then waits.
            RecordingSink during = new RecordingSink(true);
            hub.openViewer("room", during);
            clock.advanceMillis(4000);
            hub.sweepNow(); // within the window: nothing ends
            assertThat(viewer.texts()).noneMatch(t -> t.contains("\"type\":\"ended\""));

            Publisher next = hub.openPublisher("room", rec.mime(), new RecordingPeer(), old.resumeToken(), true);
            assertThat(next.continuedAt()).isEqualTo(bytesOf(chunks.subList(0, half)));
            int more = (chunks.size() - half) / 2;
            chunks.subList(half, half + more).forEach(next::onData);
            RecordingSink after = new RecordingSink(true);
            hub.openViewer("room", after);
            chunks.subList(half + more, chunks.size()).forEach(next::onData);

            assertSameBytes(viewer.bytesOfLastStream(), all);
            for (RecordingSink v : List.of(viewer, during, after)) {
                StreamChecker.Summary s = checked(v);
                assertThat(s.streams()).isEqualTo(1);
                assertThat(s.ended()).isZero();
                assertThat(s.continued()).isEqualTo(v == after ? 0 : 1);
            }
            // The late joiners start at a keyframe and end with the stream's end.
            byte[] late = after.bytesOfLastStream();
            assertThat(late.length).isLessThan(all.length);
            assertSameBytes(java.util.Arrays.copyOfRange(late, late.length - 1000, late.length),
                    java.util.Arrays.copyOfRange(all, all.length - 1000, all.length));
        }
    }

    @Test
    void aHeldStreamEndsWhenNobodyContinuesItInTime() throws Exception {
        try (RelayHub hub = hub()) {
            RecordingSink viewer = new RecordingSink(true);
            hub.openViewer("room", viewer);
            Publisher a = hub.openPublisher("room", rec.mime(), new RecordingPeer());
            chunks.subList(0, 10).forEach(a::onData);
            a.connectionLost();
            clock.advanceMillis(5001);
            hub.sweepNow();
            assertThat(viewer.texts().get(viewer.texts().size() - 1)).contains("\"type\":\"ended\"");
            assertThat(viewer.closeCode).isNull();
            // Too late: a new stream.
            Publisher b = hub.openPublisher("room", rec.mime(), new RecordingPeer(), a.resumeToken(), true);
            assertThat(b.resumed()).isFalse();
            assertThat(b.continuedAt()).isEqualTo(-1);
            assertThat(b.acceptedMessage()).doesNotContain("offset");

            // A channel with nobody but a held stream is dropped once the stream ends.
            Publisher c = hub.openPublisher("empty", rec.mime(), new RecordingPeer());
            chunks.subList(0, 10).forEach(c::onData);
            c.connectionLost();
            assertThat(hub.stats().channel("empty")).isNotNull();
            clock.advanceMillis(5001);
            hub.sweepNow();
            assertThat(hub.stats().channel("empty")).isNull();
        }
    }

    @Test
    void aDeliberateCloseEndsTheStreamAtOnceAndAPublisherWithoutTheTokenEndsAHeldOne() throws Exception {
        try (RelayHub hub = hub()) {
            RecordingSink viewer = new RecordingSink(true);
            hub.openViewer("room", viewer);
            Publisher a = hub.openPublisher("room", rec.mime(), new RecordingPeer());
            chunks.subList(0, 10).forEach(a::onData);
            a.close();
            assertThat(count(viewer.texts(), "ended")).isEqualTo(1);
            // Nothing left to continue: a new stream, and accepted says no offset.
            Publisher b = hub.openPublisher("room", rec.mime(), new RecordingPeer(), a.resumeToken(), true);
            assertThat(b.resumed()).isTrue();
            assertThat(b.continuedAt()).isEqualTo(-1);
            chunks.forEach(b::onData);
            b.connectionLost();
            Publisher stranger = hub.openPublisher("room", rec.mime(), new RecordingPeer());
            assertThat(count(viewer.texts(), "ended")).isEqualTo(2);
            chunks.forEach(stranger::onData);
            assertSameBytes(viewer.bytesOfLastStream(), all);
            assertThat(hub.stats().channel("room").streams()).isEqualTo(3);
        }
    }

    @Test
    void aContinuingPublisherWhoseFirstChunkStartsAFreshContainerStartsANewStream() throws Exception {
        try (RelayHub hub = hub()) {
            RecordingSink viewer = new RecordingSink(true);
            hub.openViewer("room", viewer);
            Publisher a = hub.openPublisher("room", rec.mime(), new RecordingPeer());
            chunks.subList(0, 10).forEach(a::onData);
            Publisher b = hub.openPublisher("room", rec.mime(), new RecordingPeer(), a.resumeToken(), true);
            assertThat(b.continuedAt()).isPositive();
            // Its recorder started over after all. Chromium's first chunk is a single byte: the relay holds it
            // until it can tell (in a buffer of its own, which it repairs as any writable one: AlphaMode).
            assertThat(chunks.get(0).remaining()).isEqualTo(1);
            chunks.forEach(b::onData);
            assertThat(count(viewer.texts(), "stream")).isEqualTo(2);
            assertThat(count(viewer.texts(), "ended")).isEqualTo(1);
            assertSameBytes(viewer.bytesOfLastStream(), Recording.asRelayed(all));
            assertThat(checked(viewer).streams()).isEqualTo(2);
        }
    }

    @Test
    void aContinuingPublisherSendingGarbageIsClosedAsMalformedAndViewersStay() throws Exception {
        try (RelayHub hub = hub()) {
            RecordingSink viewer = new RecordingSink(true);
            hub.openViewer("room", viewer);
            Publisher a = hub.openPublisher("room", rec.mime(), new RecordingPeer());
            chunks.subList(0, 10).forEach(a::onData);
            RecordingPeer peer = new RecordingPeer();
            Publisher b = hub.openPublisher("room", rec.mime(), peer, a.resumeToken(), true);
            byte[] garbage = new byte[256 * 1024];
            new Random(7).nextBytes(garbage);
            garbage[0] = (byte) 0xFF; // not an EBML header by chance
            for (int at = 0; at < garbage.length && peer.code == null; at += 4096) {
                b.onData(ByteBuffer.wrap(garbage, at, 4096).slice());
            }
            assertThat(peer.code).isIn(CloseCodes.UNSUPPORTED_DATA, 1007);
            assertThat(viewer.texts().get(viewer.texts().size() - 1)).contains("\"type\":\"ended\"");
            assertThat(viewer.closeCode).isNull();
            assertThat(checked(viewer).ended()).isEqualTo(1);
            // The channel is free for the next one.
            Publisher c = hub.openPublisher("room", rec.mime(), new RecordingPeer());
            chunks.forEach(c::onData);
            assertSameBytes(viewer.bytesOfLastStream(), all);
        }
    }

    @Test
    void frameViewersGetContinuedNoNewStreamAndTheFirstFrameAfterTheResumeIsFlaggedADiscontinuity() throws Exception {
        try (RelayHub hub = hub()) {
            RecordingSink frames = new RecordingSink(true);
            hub.openViewer("room", frames, ViewFormat.FRAMES);
            Publisher a = hub.openPublisher("room", rec.mime(), new RecordingPeer());
            int half = chunks.size() / 2;
            chunks.subList(0, half).forEach(a::onData);
            a.connectionLost();
            int before = frames.received().size();
            Publisher b = hub.openPublisher("room", rec.mime(), new RecordingPeer(), a.resumeToken(), true);
            chunks.subList(half, chunks.size()).forEach(b::onData);

            List<RecordingSink.Received> got = frames.received();
            assertThat(got.stream().filter(r -> r.isText() && r.text().contains("\"type\":\"stream\"")).count())
                    .isEqualTo(1);
            assertThat(got.get(before).text()).isEqualTo("{\"type\":\"continued\"}");
            List<RecordingSink.Received> after = got.subList(before + 1, got.size());
            assertThat(after).noneMatch(RecordingSink.Received::isText);
            assertThat(after).isNotEmpty();
            assertThat(after.get(0).bytes()[1] & FrameView.DISCONTINUITY).as("first frame after the resume")
                    .isEqualTo(FrameView.DISCONTINUITY);
            assertThat(after.subList(1, after.size())).allMatch(r -> (r.bytes()[1] & FrameView.DISCONTINUITY) == 0);
        }
    }
}
