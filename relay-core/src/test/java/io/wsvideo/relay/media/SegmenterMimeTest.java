package io.wsvideo.relay.media;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The MIME type a publisher declares decides only which container a stream must be. */
class SegmenterMimeTest {

    @Test
    void claimedContainerLooksOnlyAtTheMediaType() {
        assertThat(Segmenter.claimedContainer("audio/webm;codecs=opus")).isEqualTo(StreamInfo.Container.WEBM);
        assertThat(Segmenter.claimedContainer("video/x-matroska;codecs=avc1,opus"))
                .isEqualTo(StreamInfo.Container.WEBM);
        assertThat(Segmenter.claimedContainer("audio/MP4")).isEqualTo(StreamInfo.Container.MP4);
        assertThat(Segmenter.claimedContainer("audio/ogg;codecs=mp4a.40.2")).isEqualTo(StreamInfo.Container.UNKNOWN);
        assertThat(Segmenter.claimedContainer(null)).isEqualTo(StreamInfo.Container.UNKNOWN);
    }
}
