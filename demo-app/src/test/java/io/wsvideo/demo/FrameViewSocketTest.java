package io.wsvideo.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.wsvideo.relay.CloseCodes;
import io.wsvideo.relay.jakarta.JakartaRelayConfig;
import io.wsvideo.relay.media.MediaFrame;
import io.wsvideo.relay.media.SegmentListener;
import io.wsvideo.relay.media.Segmenter;
import io.wsvideo.relay.media.SegmenterLimits;
import io.wsvideo.relay.media.StreamInfo;
import io.wsvideo.relay.media.TrackInfo;
import io.wsvideo.relay.testing.Recording;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code /relay/view/{channel}?format=frames} over real sockets on each engine (Tyrus and Netty), with the
 * JDK's WebSocket client: the frames of a real recording byte for byte beside a bytes viewer, an unknown
 * format refused with 1008, and a stream the relay cannot frame closed with 1003.
 */
class FrameViewSocketTest {

    private static String ws(RelayServer server, String path) {
        return "ws://127.0.0.1:" + server.port() + path;
    }

    /** The frames of a concatenation of frame messages, as "track key pts length md5-free hex head" lines. */
    private static List<String> parse(byte[] wire) {
        ByteBuffer b = ByteBuffer.wrap(wire);
        List<String> out = new ArrayList<>();
        while (b.hasRemaining()) {
            int track = b.get() & 0xFF;
            int flags = b.get() & 0xFF;
            long micros = b.getLong();
            int length = b.getInt();
            byte[] payload = new byte[length];
            b.get(payload);
            // The discontinuity flag (2) only on the first frame; compared apart.
            assertThat(flags & 2).as("discontinuity on frame %d", out.size()).isEqualTo(out.isEmpty() ? 2 : 0);
            out.add(line(track, (flags & 1) != 0, micros, payload));
        }
        return out;
    }

    private static String line(int track, boolean key, long micros, byte[] payload) {
        return track + (key ? " key " : " ") + micros + " " + HexFormat.of().formatHex(payload);
    }

    /** The recording's frames from the first video key frame on, as the segmenter finds them. */
    private static List<String> expected(Recording rec) throws Exception {
        byte[] all = rec.bytes();
        List<TrackInfo> tracks = new ArrayList<>();
        List<String> out = new ArrayList<>();
        Segmenter s = Segmenter.create(rec.mime(), SegmenterLimits.defaults(), new SegmentListener() {
            @Override
            public void onInitSegment(long endOffset, StreamInfo info) {
                info.tracks().stream().filter(t -> t.kind() != TrackInfo.Kind.OTHER).forEach(tracks::add);
            }

            @Override
            public void onRandomAccessPoint(long segmentOffset) {
            }

            @Override
            public void onFrame(MediaFrame f) {
                int track = 0;
                while (tracks.get(track).number() != f.trackNumber()) {
                    track++;
                }
                boolean video = tracks.get(track).kind() == TrackInfo.Kind.VIDEO;
                if (!out.isEmpty() || video && f.keyFrame()) {
                    out.add(line(track, f.keyFrame(), f.timestampMicros(),
                            Arrays.copyOfRange(all, (int) f.offset(), (int) f.end())));
                }
            }
        });
        s.feed(ByteBuffer.wrap(all));
        return out;
    }

    @ParameterizedTest
    @EnumSource(RelayServer.Engine.class)
    void frameViewersGetTheRecordingsFramesBesideByteViewers(RelayServer.Engine engine) throws Exception {
        // The fixture whose first video key frame opens its first media chunk: a viewer from the start gets
        // every frame from there, no same-moment audio before it to account for.
        Recording rec = Recording.load("webm-vp9-opus");
        try (RelayServer server = engine.start("127.0.0.1", 0, JakartaRelayConfig.defaults())) {
            WsClient frames = WsClient.connect(ws(server, "/relay/view/fv?format=frames"));
            WsClient bytes = WsClient.connect(ws(server, "/relay/view/fv?format=bytes"));
            WsClient publisher = WsClient.connect(ws(server, "/relay/publish/fv?mime="
                    + URLEncoder.encode(rec.mime(), StandardCharsets.UTF_8)));
            for (ByteBuffer chunk : rec.chunks()) {
                publisher.sendBinary(chunk);
            }
            List<String> want = expected(rec);
            int wantBytes = want.stream().mapToInt(l -> 14 + (l.length() - l.lastIndexOf(' ') - 1) / 2).sum();
            WsClient.await(Duration.ofSeconds(15), () -> frames.bytes().length >= wantBytes
                    && bytes.bytes().length >= rec.bytes().length);
            assertThat(parse(frames.bytes())).containsExactlyElementsOf(want);
            assertThat(frames.binaryMessages()).isLessThanOrEqualTo(rec.chunks().size());
            assertThat(frames.texts()).filteredOn(t -> t.contains("\"type\":\"stream\"")).singleElement()
                    .satisfies(t -> assertThat(t).contains("\"format\":\"frames\"", "\"codec\":\"vp09.00.20.08\"",
                            "\"codec\":\"opus\",\"sampleRate\":48000,\"numberOfChannels\":1,\"description\":"));
            assertThat(bytes.bytes()).as("the bytes viewer gets the stream as relayed (AlphaMode cleared)")
                    .isEqualTo(Recording.asRelayed(rec.bytes()));
            publisher.close();
            WsClient.await(Duration.ofSeconds(5), () -> frames.texts().stream().anyMatch(t -> t.contains("ended")));
            frames.close();
            bytes.close();
        }
    }

    @ParameterizedTest
    @EnumSource(RelayServer.Engine.class)
    void anUnknownFormatAndAStreamWithoutFramesAreRefusedWithClearCloses(RelayServer.Engine engine)
            throws Exception {
        try (RelayServer server = engine.start("127.0.0.1", 0, JakartaRelayConfig.defaults())) {
            WsClient bad = WsClient.connect(ws(server, "/relay/view/fv?format=pixels"));
            WsClient.Close refused = bad.awaitClose(Duration.ofSeconds(10));
            assertThat(refused.code()).isEqualTo(CloseCodes.POLICY_VIOLATION);
            assertThat(refused.reason()).isEqualTo("unknown format \"pixels\": use bytes or frames");

            WsClient frames = WsClient.connect(ws(server, "/relay/view/raw?format=frames"));
            WsClient bytes = WsClient.connect(ws(server, "/relay/view/raw"));
            WsClient publisher = WsClient.connect(ws(server, "/relay/publish/raw?mime=application%2Foctet-stream"));
            byte[] unknown = new byte[3000];
            new Random(5).nextBytes(unknown);
            unknown[0] = 'X';
            publisher.sendBinary(ByteBuffer.wrap(unknown));
            WsClient.Close closed = frames.awaitClose(Duration.ofSeconds(10));
            assertThat(closed.code()).isEqualTo(CloseCodes.FRAMES_UNSUPPORTED);
            assertThat(closed.reason()).contains("cannot be sent as frames", "format=bytes");
            WsClient.await(Duration.ofSeconds(10), () -> bytes.bytes().length >= unknown.length);
            assertThat(bytes.bytes()).isEqualTo(unknown);
            assertThat(bytes.isOpen()).isTrue();
            publisher.close();
            bytes.close();
        }
    }
}
