package io.wsvideo.relay.media;

/**
 * One coded frame (a video picture or an audio packet) found in the stream: what WebCodecs'
 * {@code EncodedVideoChunk}/{@code EncodedAudioChunk} take, with its payload left where it lies in the byte
 * stream. Laced WebM blocks give one frame per lace; MP4 gives one per {@code trun} sample.
 *
 * @param trackNumber the container's track number, as in {@link TrackInfo#number()}
 * @param keyFrame a random access point for its track: WebM SimpleBlock key flag, a Block without
 *     ReferenceBlock, an MP4 sync sample; always for WebM audio (Firefox flags no Opus block key)
 * @param timestampMicros presentation timestamp in microseconds on the stream's own timeline (WebM: Cluster
 *     Timestamp plus the block's relative timestamp, times TimestampScale; MP4: decode time plus composition
 *     offset over the track's timescale); may be negative
 * @param offset where the payload starts, as an absolute offset in the publisher's byte stream
 * @param length payload bytes
 */
public record MediaFrame(int trackNumber, boolean keyFrame, long timestampMicros, long offset, int length) {

    /** The stream offset just past the payload: the frame is complete once this many bytes have arrived. */
    public long end() {
        return offset + length;
    }
}
