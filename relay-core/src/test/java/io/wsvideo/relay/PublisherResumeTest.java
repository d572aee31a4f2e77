package io.wsvideo.relay;

import static io.wsvideo.relay.HubTestSupport.assertSameBytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wsvideo.relay.HubTestSupport.ManualClock;
import io.wsvideo.relay.HubTestSupport.RecordingPeer;
import io.wsvideo.relay.testing.Recording;
import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A broadcaster whose network drops gets its channel back with the resume token it was given when accepted,
 * within {@code publisherResumeMillis}, even while the relay still thinks its old connection alive; nobody
 * else does.
 */
class PublisherResumeTest {

    private final ManualClock clock = new ManualClock();

    private RelayHub hub(RelayConfig config) {
        return RelayHub.createForTest(config, clock::now);
    }

    private static void refusedAsBusy(RelayHub hub, String channel, String token) {
        assertThatThrownBy(() -> hub.openPublisher(channel, null, new RecordingPeer(), token))
                .isInstanceOf(RelayRefusal.class).hasMessage("channel busy: " + channel)
                .satisfies(e -> assertThat(((RelayRefusal) e).closeCode()).isEqualTo(CloseCodes.POLICY_VIOLATION));
    }

    @Test
    void theAcceptedPublisherIsToldItsTokenAndHowLongItLasts() throws Exception {
        try (RelayHub hub = hub(RelayConfig.defaults())) {
            Publisher p = hub.openPublisher("room", null, new RecordingPeer());
            assertThat(p.resumeToken()).matches("[A-Za-z0-9_-]{43}");
            assertThat(p.acceptedMessage()).isEqualTo("{\"type\":\"accepted\",\"channel\":\"room\",\"resumeToken\":\""
                    + p.resumeToken() + "\",\"resumeMillis\":5000}");
        }
    }

    @Test
    void theTokenTakesTheChannelOverBeforeTheOldConnectionIsNoticedDeadAndViewersGetTheNewStream()
            throws Exception {
        Recording rec = Recording.load("webm-vp8-opus");
        try (RelayHub hub = hub(RelayConfig.defaults())) {
            RecordingSink viewer = new RecordingSink(true);
            hub.openViewer("room", viewer);
            RecordingPeer oldPeer = new RecordingPeer();
            Publisher old = hub.openPublisher("room", rec.mime(), oldPeer);
            List<ByteBuffer> chunks = rec.chunks();
            for (ByteBuffer c : chunks.subList(0, chunks.size() / 2)) {
                old.onData(c);
            }
            // The network dropped; the relay has not noticed (old is still attached). Without the token: busy.
            refusedAsBusy(hub, "room", null);
            refusedAsBusy(hub, "room", "not-the-token");

            RecordingPeer newPeer = new RecordingPeer();
            Publisher resumed = hub.openPublisher("room", rec.mime(), newPeer, old.resumeToken());
            assertThat(oldPeer.code).isEqualTo(CloseCodes.POLICY_VIOLATION);
            assertThat(oldPeer.reason).isEqualTo(RelayHub.RESUMED);
            assertThat(newPeer.code).isNull();
            assertThat(resumed.resumeToken()).isNotNull().isNotEqualTo(old.resumeToken());
            for (ByteBuffer c : rec.chunks()) {
                resumed.onData(c);
            }
            // Late data from the old connection goes nowhere; its end, when noticed, ends nothing.
            old.onData(rec.chunks().get(1));
            old.close();
            assertThat(hub.stats().channel("room").live()).isTrue();

            List<String> texts = viewer.texts();
            assertThat(texts.stream().filter(t -> t.contains("\"type\":\"stream\"")).count()).isEqualTo(2);
            assertThat(texts.get(texts.size() - 1)).contains("\"type\":\"stream\"");
            assertThat(viewer.closeCode).isNull();
            assertSameBytes(viewer.bytesOfLastStream(), rec.bytes());
        }
    }

    @Test
    void withinTheWindowAfterItsConnectionEndedTheTokenTakesTheChannelBackFromWhoeverCameMeanwhile()
            throws Exception {
        try (RelayHub hub = hub(RelayConfig.builder().publisherResumeMillis(5000).build())) {
            hub.openViewer("room", new RecordingSink(true)); // keeps the channel
            Publisher a = hub.openPublisher("room", null, new RecordingPeer());
            a.close();
            clock.advanceMillis(1000);
            RecordingPeer squatter = new RecordingPeer();
            hub.openPublisher("room", null, squatter); // the channel is free: anyone may publish
            clock.advanceMillis(3999);
            Publisher b = hub.openPublisher("room", null, new RecordingPeer(), a.resumeToken());
            assertThat(squatter.code).isEqualTo(CloseCodes.POLICY_VIOLATION);
            assertThat(squatter.reason).isEqualTo(RelayHub.RESUMED);

            // b leaves; 5001 ms later its token is worth nothing against c.
            b.close();
            clock.advanceMillis(5001);
            RecordingPeer c = new RecordingPeer();
            hub.openPublisher("room", null, c);
            refusedAsBusy(hub, "room", b.resumeToken());
            assertThat(c.code).isNull();
            assertThat(hub.counters().publishersRefused()).isEqualTo(1);
        }
    }

    @Test
    void anExpiredTokenDoesNotTakeOverAPublisherThatCameInTheMeantime() throws Exception {
        try (RelayHub hub = hub(RelayConfig.defaults())) {
            hub.openViewer("room", new RecordingSink(true));
            Publisher a = hub.openPublisher("room", null, new RecordingPeer());
            a.close();
            clock.advanceMillis(6000);
            RecordingPeer otherPeer = new RecordingPeer();
            hub.openPublisher("room", null, otherPeer);
            refusedAsBusy(hub, "room", a.resumeToken());
            assertThat(otherPeer.code).isNull();
        }
    }

    @Test
    void aTokenIsNotReusableByASecondPartyAfterTheTakeOver() throws Exception {
        try (RelayHub hub = hub(RelayConfig.defaults())) {
            hub.openViewer("room", new RecordingSink(true)); // keeps the channel
            Publisher a = hub.openPublisher("room", null, new RecordingPeer());
            String stolen = a.resumeToken();
            RecordingPeer ownerPeer = new RecordingPeer();
            Publisher owner = hub.openPublisher("room", null, ownerPeer, stolen);
            refusedAsBusy(hub, "room", stolen);
            assertThat(ownerPeer.code).isNull();
            // The owner's connection drops too: its own new token brings it back, the spent one still does not.
            owner.close();
            RecordingPeer againPeer = new RecordingPeer();
            Publisher again = hub.openPublisher("room", null, againPeer, owner.resumeToken());
            refusedAsBusy(hub, "room", stolen);
            refusedAsBusy(hub, "room", owner.resumeToken());
            assertThat(againPeer.code).isNull();
            assertThat(again.resumeToken()).isNotIn(stolen, owner.resumeToken());
        }
    }

    @Test
    void aTokenBelongsToItsChannel() throws Exception {
        try (RelayHub hub = hub(RelayConfig.defaults())) {
            Publisher a = hub.openPublisher("a", null, new RecordingPeer());
            hub.openPublisher("b", null, new RecordingPeer());
            refusedAsBusy(hub, "b", a.resumeToken());
        }
    }

    @Test
    void withResumeOffThereIsNoTokenAndTheAcceptedMessageSaysSo() throws Exception {
        try (RelayHub hub = hub(RelayConfig.builder().publisherResumeMillis(0).build())) {
            Publisher a = hub.openPublisher("room", null, new RecordingPeer());
            assertThat(a.resumeToken()).isNull();
            assertThat(a.acceptedMessage()).isEqualTo("{\"type\":\"accepted\",\"channel\":\"room\"}");
            refusedAsBusy(hub, "room", "anything");
        }
    }

    @Test
    void tokensAreUnguessableAndComparedWhole() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            assertThat(seen.add(ResumeToken.issue().value)).isTrue();
        }
        ResumeToken t = ResumeToken.issue();
        assertThat(t.matches(t.value)).isTrue();
        assertThat(t.matches(t.value.substring(0, 42))).isFalse();
        assertThat(t.matches(t.value + "x")).isFalse();
        assertThat(t.matches(null)).isFalse();
        assertThat(t.toString()).doesNotContain(t.value);
    }
}
