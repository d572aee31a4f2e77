package io.wsvideo.relay.media.internal;

import static io.wsvideo.relay.media.internal.Ebml.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wsvideo.relay.media.MalformedStreamException;
import io.wsvideo.relay.media.SegmentListener;
import io.wsvideo.relay.media.Segmenter;
import io.wsvideo.relay.media.SegmenterLimits;
import io.wsvideo.relay.media.StreamInfo;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SegmenterTest {

    private static final byte[] OGG = "OggS\0\2\0\0\0\0\0\0\0\0\0\0".getBytes(StandardCharsets.ISO_8859_1);

    private static byte[] webm() {
        return cat(vp8OpusInit(), cluster(0, simpleBlock(1, 0, true, 10)));
    }

    @Test
    void singleByteFirstChunkIsBufferedUntilTheContainerIsKnown() throws Exception {
        byte[] stream = webm();
        EventLog log = new EventLog();
        Segmenter s = Segmenter.create("video/webm;codecs=vp8,opus", SegmenterLimits.defaults(), log);
        s.feed(ByteBuffer.wrap(stream, 0, 1));
        s.feed(ByteBuffer.wrap(stream, 1, 2));
        assertThat(log.lines()).isEmpty();
        assertThat(s.info()).isNull();
        s.feed(ByteBuffer.wrap(stream, 3, stream.length - 3));
        assertThat(log.linesStartingWith("rap")).hasSize(1);
        assertThat(s.info().mseMimeType()).isEqualTo("video/webm;codecs=\"vp8,opus\"");
        assertThat(s.bytesFed()).isEqualTo(stream.length);
    }

    @Test
    void webmMimeTypeWithMp4BytesIsRefused() {
        EventLog log = Feeding.assertSplitInvariant("video/webm;codecs=vp8", cat(Mp4.init(), Mp4.moof(1)));
        assertThat(log.failure.closeCode()).isEqualTo(MalformedStreamException.UNSUPPORTED_DATA);
        assertThat(log.failure).hasMessage("stream is not WebM/Matroska as its MIME type says; it is MP4");
        assertThat(log.lines()).hasSize(1);
    }

    @Test
    void mp4MimeTypeWithWebmBytesIsRefused() {
        EventLog log = Feeding.assertSplitInvariant("video/mp4;codecs=avc1,mp4a.40.2", webm());
        assertThat(log.failure.closeCode()).isEqualTo(1003);
        assertThat(log.failure).hasMessage("stream is not MP4 as its MIME type says; it is WebM/Matroska");
    }

    @Test
    void matroskaMimeTypeWithUnrecognisedBytesIsRefused() {
        EventLog log = Feeding.assertSplitInvariant("video/x-matroska;codecs=avc1", OGG);
        assertThat(log.failure.closeCode()).isEqualTo(1003);
        assertThat(log.failure).hasMessage("stream is not WebM/Matroska as its MIME type says");
    }

    @Test
    void unrecognisedBytesWithAnUnknownMimeTypePassThrough() {
        byte[] stream = cat(OGG, new byte[5000]);
        EventLog log = Feeding.assertSplitInvariant("audio/ogg", stream);
        assertThat(log.lines()).containsExactly("init 0 audio/ogg");
        assertThat(log.info.passthrough()).isTrue();
        assertThat(log.info.container()).isEqualTo(StreamInfo.Container.UNKNOWN);
        assertThat(log.info.msePlayable()).isTrue();
    }

    @Test
    void unrecognisedBytesWithoutMimeTypePassThroughAsUnplayable() {
        EventLog log = Feeding.assertSplitInvariant(null, OGG);
        assertThat(log.initCalls).isEqualTo(1);
        assertThat(log.info.passthrough()).isTrue();
        assertThat(log.info.mseMimeType()).isNull();
        assertThat(log.info.msePlayable()).isFalse();
    }

    @Test
    void containerIsSniffedWhenTheMimeTypeSaysNothing() {
        assertThat(Feeding.feed(null, webm()).info.container()).isEqualTo(StreamInfo.Container.WEBM);
        assertThat(Feeding.feed("application/octet-stream", cat(Mp4.init(), Mp4.moof(1))).info.container())
                .isEqualTo(StreamInfo.Container.MP4);
    }

    @Test
    void streamShorterThanTheSniffWindowReportsNothing() throws Exception {
        EventLog log = new EventLog();
        Segmenter s = Segmenter.create(null, SegmenterLimits.defaults(), log);
        s.feed(ByteBuffer.wrap(new byte[] {0, 0, 0, 0x20, 'f', 't', 'y'}));
        assertThat(log.lines()).isEmpty();
        assertThat(s.info()).isNull();
    }

    @Test
    void deadAfterAFailureAndThrowsTheSameAgain() throws Exception {
        Segmenter s = Segmenter.create("video/webm", SegmenterLimits.defaults(), new EventLog());
        ByteBuffer junk = ByteBuffer.wrap(OGG);
        MalformedStreamException first = null;
        try {
            s.feed(junk);
        } catch (MalformedStreamException e) {
            first = e;
        }
        assertThat(first).isNotNull();
        MalformedStreamException firstFailure = first;
        assertThatThrownBy(() -> s.feed(ByteBuffer.wrap(webm()))).isSameAs(firstFailure);
    }

    @Test
    void listenerExceptionLeavesTheSegmenterUnusable() throws Exception {
        Segmenter s = Segmenter.create(null, SegmenterLimits.defaults(), new SegmentListener() {
            @Override
            public void onInitSegment(long endOffset, StreamInfo info) {
            }

            @Override
            public void onRandomAccessPoint(long segmentOffset) {
                throw new IllegalArgumentException("boom");
            }
        });
        assertThatThrownBy(() -> s.feed(ByteBuffer.wrap(webm()))).hasMessage("boom");
        assertThatThrownBy(() -> s.feed(ByteBuffer.wrap(new byte[1]))).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void feedLeavesTheBufferAsItWas() throws Exception {
        byte[] stream = webm();
        ByteBuffer direct = ByteBuffer.allocateDirect(stream.length + 10);
        direct.position(5);
        direct.put(stream);
        direct.position(5).limit(5 + stream.length);
        EventLog log = new EventLog();
        Segmenter.create(null, SegmenterLimits.defaults(), log).feed(direct);
        assertThat(direct.position()).isEqualTo(5);
        assertThat(direct.limit()).isEqualTo(5 + stream.length);
        assertThat(log.lines()).isEqualTo(Feeding.feed(null, stream).lines());
    }

    @Test
    void limitsMustBePositive() {
        assertThatThrownBy(() -> new SegmenterLimits(0, 1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SegmenterLimits(1, -1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SegmenterLimits(1, 1, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThat(SegmenterLimits.defaults()).isEqualTo(new SegmenterLimits(64 << 20, 1 << 20, 16));
    }
}
