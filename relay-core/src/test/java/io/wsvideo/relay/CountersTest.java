package io.wsvideo.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.wsvideo.relay.HubTestSupport.ManualClock;
import io.wsvideo.relay.HubTestSupport.RecordingPeer;
import io.wsvideo.relay.testing.Recording;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/**
 * The hub's own monotonic counters ({@link RelayHub#counters()}, {@link RelayHub#channelCounters()}): each
 * event counted once, where it happens, and nothing lost when viewers and channels go away.
 */
class CountersTest {

    private final ManualClock clock = new ManualClock();

    @Test
    void everyEventIsCountedOnceAndTheTotalsOutliveTheirChannels() throws Exception {
        Recording rec = Recording.load("webm-vp8-opus-long");
        long total = rec.bytes().length;
        RelayConfig config = RelayConfig.builder().maxQueueBytes(5_000).maxSkipsPerMinute(2).build();
        try (RelayHub hub = RelayHub.createForTest(config, clock::now)) {
            RecordingSink stalled = new RecordingSink(false);
            RecordingSink fast = new RecordingSink(true);
            Viewer leaving = hub.openViewer("room", new RecordingSink(true));
            hub.openViewer("room", stalled);
            hub.openViewer("room", fast);
            Publisher p = hub.openPublisher("room", rec.mime(), new RecordingPeer());
            assertThat(catchRefusal(() -> hub.openPublisher("room", rec.mime(), new RecordingPeer()))).isTrue();
            for (ByteBuffer c : rec.chunks()) {
                p.onData(c);
            }
            leaving.close();
            leaving.close();

            assertThat(stalled.closeCode).isEqualTo(CloseCodes.POLICY_VIOLATION);
            ChannelCounters room = hub.channelCounters().get(0);
            assertThat(room.name()).isEqualTo("room");
            assertThat(room.live()).isTrue();
            assertThat(room.viewers()).isOne();
            RelayCounters c = room.counts();
            assertThat(c.bytesIn()).isEqualTo(total);
            assertThat(c.chunksIn()).isEqualTo(rec.chunks().size());
            assertThat(c.publishersOpened()).isOne();
            assertThat(c.publishersRefused()).isOne();
            assertThat(c.viewersJoined()).isEqualTo(3);
            assertThat(c.viewersLeft()).as("the evicted one and the one that left (closed twice)").isEqualTo(2);
            assertThat(c.evictions()).isOne();
            assertThat(c.skips()).as("two skips allowed a minute; the third is an eviction").isEqualTo(2);
            assertThat(c.droppedBytes()).isPositive();
            // The fast viewer got the whole stream plus control messages; the one that left part of it.
            assertThat(c.bytesOut()).isGreaterThan(total);
            assertThat(hub.counters()).isEqualTo(c);
            assertThat(hub.stats().viewersEvicted()).isOne();
            assertThat(hub.stats().publishersRefused()).isOne();
            assertThat(hub.stats().channel("room").evictions()).isOne();
        }
    }

    @Test
    void aDroppedChannelsCountsStayInTheHubsTotals() throws Exception {
        Recording rec = Recording.load("webm-vp8-opus");
        try (RelayHub hub = RelayHub.createForTest(RelayConfig.defaults(), clock::now)) {
            for (int round = 1; round <= 3; round++) {
                Viewer v = hub.openViewer("show", new RecordingSink(true));
                Publisher p = hub.openPublisher("show", rec.mime(), new RecordingPeer());
                for (ByteBuffer c : rec.chunks()) {
                    p.onData(c);
                }
                RelayCounters before = hub.counters();
                p.close();
                v.close();
                assertThat(hub.channelCounters()).isEmpty();
                RelayCounters after = hub.counters();
                assertThat(after.bytesIn()).isEqualTo(round * (long) rec.bytes().length);
                assertThat(after.publishersOpened()).isEqualTo(round);
                assertThat(after.viewersJoined()).isEqualTo(round);
                assertThat(after.viewersLeft()).isEqualTo(round);
                // Only the ended message was sent between the two readings.
                assertThat(after.bytesOut()).isGreaterThan(before.bytesOut()).isLessThan(before.bytesOut() + 200);
            }
        }
    }

    private interface Opening {
        void run() throws RelayRefusal;
    }

    private static boolean catchRefusal(Opening o) {
        try {
            o.run();
            return false;
        } catch (RelayRefusal e) {
            return e.getMessage().startsWith("channel busy");
        }
    }
}
