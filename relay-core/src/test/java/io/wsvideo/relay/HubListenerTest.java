package io.wsvideo.relay;

import static io.wsvideo.relay.HubTestSupport.assertSameBytes;
import static org.assertj.core.api.Assertions.assertThat;

import io.wsvideo.relay.HubTestSupport.ManualClock;
import io.wsvideo.relay.HubTestSupport.RecordingPeer;
import io.wsvideo.relay.testing.Recording;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The hooks relay-redis builds on: a publisher's stream as the hub took it, and channels' audiences. */
class HubListenerTest {

    private final ManualClock clock = new ManualClock();

    private RelayHub hub(RelayConfig config) {
        return RelayHub.createForTest(config, clock::now);
    }

    /** Records every event as a line, and every chunk's bytes. */
    private static final class RecordingListener implements HubListener {
        final List<String> events = Collections.synchronizedList(new ArrayList<>());
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        long nextOffset;

        @Override
        public void publisherOpened(Publisher p) {
            events.add("opened " + p.channel() + " " + p.mimeHint());
        }

        @Override
        public synchronized void publisherData(Publisher p, long streamOffset, ByteBuffer chunk) {
            assertThat(streamOffset).as("chunks follow each other").isEqualTo(nextOffset);
            assertThat(chunk.isReadOnly()).isTrue();
            nextOffset += chunk.remaining();
            byte[] b = new byte[chunk.remaining()];
            chunk.duplicate().get(b);
            bytes.writeBytes(b);
        }

        @Override
        public void publisherClosed(Publisher p) {
            events.add("closed " + p.channel());
        }

        @Override
        public void firstViewerJoined(String channel) {
            events.add("first viewer " + channel);
        }

        @Override
        public void lastViewerLeft(String channel) {
            events.add("last viewer left " + channel);
        }
    }

    @Test
    void aPublishersStreamIsReportedChunkByChunkAsTheViewersGetIt() throws Exception {
        Recording rec = Recording.load("webm-vp8-opus");
        try (RelayHub hub = hub(RelayConfig.defaults())) {
            RecordingListener l = new RecordingListener();
            hub.addListener(l);
            RecordingSink viewer = new RecordingSink(true);
            hub.openViewer("room", viewer);
            Publisher p = hub.openPublisher("room", rec.mime(), new RecordingPeer());
            for (ByteBuffer c : rec.chunks()) {
                p.onData(c);
            }
            p.close();
            p.close();

            assertSameBytes(l.bytes.toByteArray(), rec.bytes());
            assertSameBytes(viewer.bytesOfLastStream(), rec.bytes());
            assertThat(l.events).containsExactly("first viewer room", "opened room " + rec.mime(), "closed room");
        }
    }

    @Test
    void firstAndLastViewerOfEachChannelAreReported() throws Exception {
        try (RelayHub hub = hub(RelayConfig.defaults())) {
            RecordingListener l = new RecordingListener();
            hub.addListener(l);
            Viewer a = hub.openViewer("one", new RecordingSink(true));
            Viewer b = hub.openViewer("one", new RecordingSink(true));
            Viewer c = hub.openViewer("two", new RecordingSink(true));
            assertThat(hub.viewerCount("one")).isEqualTo(2);
            a.close();
            b.close();
            b.close();
            c.close();
            assertThat(hub.viewerCount("one")).isZero();
            assertThat(l.events).containsExactly("first viewer one", "first viewer two", "last viewer left one",
                    "last viewer left two");
        }
    }

    @Test
    void anEvictedLastViewerIsReportedToo() throws Exception {
        try (RelayHub hub = hub(RelayConfig.builder().maxStallMillis(1000).build())) {
            RecordingListener l = new RecordingListener();
            hub.addListener(l);
            RecordingSink stuck = new RecordingSink(false);
            hub.openViewer("room", stuck);
            clock.advanceMillis(2000);
            hub.sweepNow();
            assertThat(stuck.closeCode).isEqualTo(CloseCodes.POLICY_VIOLATION);
            assertThat(l.events).containsExactly("first viewer room", "last viewer left room");
        }
    }

    @Test
    void aSnapshotIsExactlyWhatALateJoiningViewerGetsAndTheNextChunkContinuesIt() throws Exception {
        Recording rec = Recording.load("webm-vp8-opus-long");
        byte[] all = rec.bytes();
        List<ByteBuffer> chunks = rec.chunks();
        Random random = new Random(7);
        int compared = 0;
        for (int trial = 0; trial < 200; trial++) {
            int joinAfter = 2 + random.nextInt(chunks.size() - 2);
            try (RelayHub hub = hub(RelayConfig.defaults())) {
                Publisher p = hub.openPublisher("room", rec.mime(), new RecordingPeer());
                int offset = 0;
                for (ByteBuffer c : chunks.subList(0, joinAfter)) {
                    offset += c.remaining();
                    p.onData(c);
                }
                RecordingSink late = new RecordingSink(true);
                hub.openViewer("room", late);
                Publisher.Snapshot snap = p.snapshot();
                if (snap == null) {
                    // No keyframe cached: the late joiner waits for one too.
                    assertThat(late.bytesOfLastStream()).isEqualTo(initOf(hub));
                    continue;
                }
                assertThat(snap.endOffset()).isEqualTo(offset);
                byte[] joined = concat(snap.bytes());
                assertSameBytes(joined, late.bytesOfLastStream());
                for (ByteBuffer c : chunks.subList(joinAfter, chunks.size())) {
                    p.onData(c);
                }
                assertSameBytes(HubTestSupport.concat(joined, java.util.Arrays.copyOfRange(all, offset, all.length)),
                        late.bytesOfLastStream());
                compared++;
            }
        }
        assertThat(compared).isGreaterThan(100);
    }

    /** What a viewer that joins now is sent before any media: the init segment (or nothing). */
    private static byte[] initOf(RelayHub hub) throws Exception {
        RecordingSink probe = new RecordingSink(true);
        Viewer v = hub.openViewer("room", probe);
        v.close();
        return probe.bytesOfLastStream();
    }

    private static byte[] concat(List<ByteBuffer> parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (ByteBuffer b : parts) {
            byte[] a = new byte[b.remaining()];
            b.duplicate().get(a);
            out.writeBytes(a);
        }
        return out.toByteArray();
    }

    @Test
    void beforeTheInitSegmentIsCompleteTheSnapshotIsEverythingSoFar() throws Exception {
        Recording rec = Recording.load("webm-vp8-opus");
        try (RelayHub hub = hub(RelayConfig.defaults())) {
            Publisher p = hub.openPublisher("room", rec.mime(), new RecordingPeer());
            assertThat(p.snapshot().bytes()).isEmpty();
            assertThat(p.snapshot().endOffset()).isZero();
            ByteBuffer first = ByteBuffer.wrap(rec.bytes(), 0, 10).slice();
            p.onData(first);
            assertThat(p.snapshot().endOffset()).isEqualTo(10);
            assertThat(p.snapshot().bytes()).hasSize(1);
            p.close();
            assertThat(p.snapshot()).isNull();
        }
    }

    @Test
    void aReplacedPublishersChunksAreNotReported() throws Exception {
        Recording rec = Recording.load("webm-vp8-opus");
        try (RelayHub hub = hub(RelayConfig.builder().publisherTakeover(true).build())) {
            List<String> seen = Collections.synchronizedList(new ArrayList<>());
            hub.addListener(new HubListener() {
                @Override
                public void publisherData(Publisher p, long streamOffset, ByteBuffer chunk) {
                    seen.add(p.peer().toString() + "@" + streamOffset);
                }
            });
            RecordingPeer oldPeer = new RecordingPeer();
            Publisher old = hub.openPublisher("room", rec.mime(), oldPeer);
            old.onData(rec.chunks().get(0));
            Publisher replacement = hub.openPublisher("room", rec.mime(), new RecordingPeer());
            old.onData(rec.chunks().get(1));
            assertThat(oldPeer.code).isEqualTo(CloseCodes.POLICY_VIOLATION);
            assertThat(old.snapshot()).isNull();
            assertThat(replacement.snapshot()).isNotNull();
            assertThat(seen).containsExactly(oldPeer + "@0");
        }
    }

    @Test
    void aListenerThatThrowsBreaksNeitherTheHubNorOtherListeners() throws Exception {
        Recording rec = Recording.load("webm-vp8-opus");
        try (RelayHub hub = hub(RelayConfig.defaults())) {
            hub.addListener(new HubListener() {
                @Override
                public void publisherOpened(Publisher p) {
                    throw new IllegalStateException("boom");
                }

                @Override
                public void publisherData(Publisher p, long streamOffset, ByteBuffer chunk) {
                    throw new AssertionError("boom");
                }

                @Override
                public void firstViewerJoined(String channel) {
                    throw new IllegalStateException("boom");
                }
            });
            RecordingListener l = new RecordingListener();
            hub.addListener(l);
            RecordingSink viewer = new RecordingSink(true);
            hub.openViewer("room", viewer);
            Publisher p = hub.openPublisher("room", rec.mime(), new RecordingPeer());
            for (ByteBuffer c : rec.chunks()) {
                p.onData(c);
            }
            assertSameBytes(viewer.bytesOfLastStream(), rec.bytes());
            assertSameBytes(l.bytes.toByteArray(), rec.bytes());
        }
    }
}
