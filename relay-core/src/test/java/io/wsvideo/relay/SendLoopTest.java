package io.wsvideo.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wsvideo.relay.HubTestSupport.ManualClock;
import io.wsvideo.relay.HubTestSupport.RecordingPeer;
import io.wsvideo.relay.testing.Recording;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The viewer's send loop ({@link ViewerQueue.SendState}) against transports that break the sink's contract:
 * a completion twice for one send, or one with no send in flight, is refused loudly (an
 * {@link IllegalStateException} to the caller, the viewer closed with 1011) and never starts a second send in
 * parallel; every other viewer keeps its stream.
 */
class SendLoopTest {

    private final ManualClock clock = new ManualClock();

    /** A sink that keeps every callback it is given and lets the test complete them as it likes. */
    static final class HoldingSink implements ViewerSink {
        final List<SendCallback> callbacks = new ArrayList<>();
        int sends;
        int inFlight;
        int maxInFlight;
        volatile Integer closeCode;
        volatile String closeReason;
        /** When set, every send is completed twice before the sink returns. */
        boolean completeTwiceInline;
        final List<RuntimeException> thrownAtSink = new ArrayList<>();

        @Override
        public void sendBinary(ByteBuffer data, SendCallback callback) {
            send(callback);
        }

        @Override
        public void sendText(String text, SendCallback callback) {
            send(callback);
        }

        private void send(SendCallback callback) {
            sends++;
            inFlight++;
            maxInFlight = Math.max(maxInFlight, inFlight);
            callbacks.add(callback);
            if (completeTwiceInline) {
                complete(callbacks.size() - 1);
                complete(callbacks.size() - 1);
            }
        }

        /** Completes the send of callback number {@code i}, catching what the hub throws. */
        void complete(int i) {
            inFlight--;
            try {
                callbacks.get(i).completed(null);
            } catch (RuntimeException e) {
                thrownAtSink.add(e);
            }
        }

        @Override
        public void close(int code, String reason) {
            if (closeCode == null) {
                closeCode = code;
                closeReason = reason;
            }
        }
    }

    @Test
    void aSendCompletedTwiceInsideTheSendClosesTheViewerWith1011AndOthersPlayOn() throws Exception {
        Recording rec = Recording.load("webm-vp8-opus");
        try (RelayHub hub = RelayHub.createForTest(RelayConfig.defaults(), clock::now)) {
            HoldingSink broken = new HoldingSink();
            broken.completeTwiceInline = true;
            RecordingSink healthy = new RecordingSink(true);
            hub.openViewer("room", broken);
            hub.openViewer("room", healthy);

            assertThat(broken.sends).as("only the waiting message was sent").isEqualTo(1);
            assertThat(broken.thrownAtSink).singleElement().isInstanceOf(IllegalStateException.class)
                    .satisfies(e -> assertThat(e.getMessage()).contains("no send of it in flight"));
            assertThat(broken.closeCode).isEqualTo(CloseCodes.INTERNAL_ERROR);
            assertThat(hub.viewerCount("room")).isOne();

            Publisher p = hub.openPublisher("room", rec.mime(), new RecordingPeer());
            for (ByteBuffer c : rec.chunks()) {
                p.onData(c);
            }
            assertThat(broken.sends).isEqualTo(1);
            HubTestSupport.assertSameBytes(healthy.bytesOfLastStream(), rec.bytes());
            assertThat(healthy.closeCode).isNull();
        }
    }

    @Test
    void aCompletionWithNoSendInFlightIsRefusedLoudly() throws Exception {
        try (RelayHub hub = RelayHub.createForTest(RelayConfig.defaults(), clock::now)) {
            HoldingSink sink = new HoldingSink();
            hub.openViewer("room", sink);
            assertThat(sink.sends).isOne();
            sink.complete(0);
            assertThat(sink.thrownAtSink).isEmpty();
            assertThat(sink.closeCode).isNull();

            // The queue is idle now: nothing is in flight, and this callback's send is long done.
            assertThatThrownBy(() -> sink.callbacks.get(0).completed(null))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("state IDLE");
            assertThat(sink.closeCode).isEqualTo(CloseCodes.INTERNAL_ERROR);
            assertThat(hub.viewerCount("room")).isZero();
        }
    }

    @Test
    void aLateSecondCompletionWhileTheNextSendIsInFlightIsRefusedAndStartsNoParallelSend() throws Exception {
        Recording rec = Recording.load("webm-vp8-opus");
        try (RelayHub hub = RelayHub.createForTest(RelayConfig.defaults(), clock::now)) {
            HoldingSink sink = new HoldingSink();
            hub.openViewer("room", sink);
            Publisher p = hub.openPublisher("room", rec.mime(), new RecordingPeer());
            for (ByteBuffer c : rec.chunks().subList(0, 5)) {
                p.onData(c);
            }
            assertThat(sink.sends).as("the waiting message, with more queued behind it").isOne();
            sink.complete(0);
            assertThat(sink.sends).as("the next send started from the completion").isEqualTo(2);

            // The first send's callback again, while the second send is in flight: not the second's completion.
            assertThatThrownBy(() -> sink.callbacks.get(0).completed(null))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("AWAITING_COMPLETION");
            assertThat(sink.sends).as("no send started in parallel").isEqualTo(2);
            assertThat(sink.maxInFlight).isOne();
            assertThat(sink.closeCode).isEqualTo(CloseCodes.INTERNAL_ERROR);
            assertThat(hub.viewerCount("room")).isZero();

            // The second send's own completion after the close is quiet and sends nothing more.
            sink.complete(1);
            assertThat(sink.thrownAtSink).isEmpty();
            assertThat(sink.sends).isEqualTo(2);
        }
    }

    @Test
    void sendsCompletedInOrderByTheRightCallbackRunTheWholeQueue() throws Exception {
        Recording rec = Recording.load("webm-vp8-opus");
        try (RelayHub hub = RelayHub.createForTest(RelayConfig.defaults(), clock::now)) {
            HoldingSink sink = new HoldingSink();
            hub.openViewer("room", sink);
            Publisher p = hub.openPublisher("room", rec.mime(), new RecordingPeer());
            for (ByteBuffer c : rec.chunks().subList(0, 5)) {
                p.onData(c);
            }
            int done = 0;
            for (int rounds = 0; rounds < 1_000 && done < sink.callbacks.size(); rounds++) {
                sink.complete(done++);
            }
            assertThat(done).isGreaterThan(3);
            assertThat(sink.callbacks).hasSize(done);
            assertThat(sink.maxInFlight).isOne();
            assertThat(sink.thrownAtSink).isEmpty();
            assertThat(sink.closeCode).isNull();
        }
    }
}
