package io.wsvideo.relay.media;

/**
 * One track declared in the init segment.
 *
 * @param number the container's track number (WebM TrackNumber, MP4 {@code tkhd} track_ID); blocks and
 *     fragments refer to it
 * @param kind video, audio, or anything else (subtitles, metadata)
 * @param codecId the container's own codec name: WebM CodecID such as {@code V_VP8}, or the MP4 sample entry
 *     type such as {@code avc1}
 * @param mseCodec the RFC 6381 codec string MediaSource wants ({@code vp8}, {@code avc1.42C015},
 *     {@code av01.0.09M.08}, {@code opus}), or null if it cannot be derived; whether the whole stream plays
 *     also depends on the container, see {@link StreamInfo#msePlayable()}
 * @param width picture width in pixels, 0 if unknown or not video
 * @param height picture height in pixels, 0 if unknown or not video
 */
public record TrackInfo(int number, Kind kind, String codecId, String mseCodec, int width, int height) {

    /** What a track carries. */
    public enum Kind {
        VIDEO, AUDIO, OTHER
    }
}
