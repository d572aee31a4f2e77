package io.wsvideo.relay.media;

import io.wsvideo.relay.media.internal.CodecStrings;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

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
 * @param codec the codec string WebCodecs wants ({@code vp8}, {@code vp09.PP.LL.DD}, {@code av01.P.LLT.DD},
 *     {@code avc1.PPCCLL}, {@code opus}, {@code mp4a.40.2}); null when the init segment does not say and a
 *     key frame must tell (H.264 without avcC, VP9 without CodecPrivate: see {@link #withKeyFrame}), or when
 *     WebCodecs has no name for the codec
 * @param sampleRate audio samples per second, 0 if unknown or not audio
 * @param numberOfChannels audio channels, 0 if unknown or not audio
 * @param description the decoder configuration WebCodecs takes as {@code description} (avcC for H.264,
 *     OpusHead for Opus, AudioSpecificConfig for AAC), or null where the codec needs none or the container has
 *     none (H.264 then travels in Annex B form with its parameter sets in band). Copied in and out.
 */
public record TrackInfo(int number, Kind kind, String codecId, String mseCodec, int width, int height,
        String codec, int sampleRate, int numberOfChannels, byte[] description) {

    /** What a track carries. */
    public enum Kind {
        VIDEO, AUDIO, OTHER
    }

    public TrackInfo {
        Objects.requireNonNull(kind, "kind");
        description = description == null ? null : description.clone();
    }

    /** A track with no WebCodecs details: its codec string is the MediaSource one. */
    public TrackInfo(int number, Kind kind, String codecId, String mseCodec, int width, int height) {
        this(number, kind, codecId, mseCodec, width, height, mseCodec, 0, 0, null);
    }

    @Override
    public byte[] description() {
        return description == null ? null : description.clone();
    }

    /** True when {@link #codec()} is still to be read from this track's first key frame. */
    public boolean codecNeedsKeyFrame() {
        return codec == null && kind == Kind.VIDEO && CodecStrings.fromKeyFrameFor(codecId);
    }

    /**
     * This track with its WebCodecs codec string read from the start of a key frame's payload (the H.264
     * sequence parameter set in band; the VP9 profile and bit depth, and a level from the picture size), or
     * this track itself when the codec string is already known or the payload does not tell. Reads {@code
     * payload} from its position to its limit without moving them.
     */
    public TrackInfo withKeyFrame(ByteBuffer payload) {
        if (!codecNeedsKeyFrame()) {
            return this;
        }
        String learned = CodecStrings.fromKeyFrame(codecId, payload);
        return learned == null ? this : new TrackInfo(number, kind, codecId, mseCodec, width, height, learned,
                sampleRate, numberOfChannels, description);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TrackInfo t && number == t.number && kind == t.kind && width == t.width
                && height == t.height && sampleRate == t.sampleRate && numberOfChannels == t.numberOfChannels
                && Objects.equals(codecId, t.codecId) && Objects.equals(mseCodec, t.mseCodec)
                && Objects.equals(codec, t.codec) && Arrays.equals(description, t.description);
    }

    @Override
    public int hashCode() {
        return Objects.hash(number, kind, codecId, mseCodec, width, height, codec, sampleRate, numberOfChannels)
                * 31 + Arrays.hashCode(description);
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("TrackInfo[").append(number).append(' ').append(kind).append(' ')
                .append(codecId).append(" mse=").append(mseCodec).append(" codec=").append(codec);
        if (kind == Kind.VIDEO) {
            s.append(' ').append(width).append('x').append(height);
        } else if (kind == Kind.AUDIO) {
            s.append(' ').append(sampleRate).append("Hz ").append(numberOfChannels).append("ch");
        }
        if (description != null) {
            s.append(" description=").append(HexFormat.of().formatHex(description));
        }
        return s.append(']').toString();
    }
}
