package io.wsvideo.relay.media;

import io.wsvideo.relay.media.internal.Malformed;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What a publisher's init segment says: container, tracks, and the MIME type a viewer passes to
 * {@code MediaSource.addSourceBuffer}. Immutable.
 */
public final class StreamInfo {

    /** The container format, as sniffed from the first bytes. */
    public enum Container {
        WEBM, MP4, UNKNOWN
    }

    static final String H264_IN_MATROSKA =
            "H.264 in Matroska/WebM cannot be played by MediaSource; record WebM VP8/VP9/AV1 or MP4";
    private static final String MATROSKA_AVC = "V_MPEG4/ISO/AVC";

    private final Container container;
    private final List<TrackInfo> tracks;
    private final String mseMimeType;
    private final String notPlayableReason;
    private final boolean passthrough;

    private StreamInfo(Container container, List<TrackInfo> tracks, String mseMimeType, String notPlayableReason,
            boolean passthrough) {
        this.container = container;
        this.tracks = List.copyOf(tracks);
        this.mseMimeType = mseMimeType;
        this.notPlayableReason = notPlayableReason;
        this.passthrough = passthrough;
    }

    /**
     * A stream the segmenter does not understand and forwards untouched: its MIME type is whatever the
     * publisher said, and whether it plays is the viewer's problem (assumed yes when a type was given).
     */
    public static StreamInfo passthrough(String mimeHint) {
        return new StreamInfo(Container.UNKNOWN, List.of(), mimeHint,
                mimeHint == null ? "unrecognised stream and no MIME type given" : null, true);
    }

    /**
     * The description of a parsed stream (the segmenter builds it from the init segment); decides playability
     * from the tracks, of which only video and audio take part.
     */
    public static StreamInfo of(Container container, List<TrackInfo> tracks) {
        Objects.requireNonNull(container, "container");
        List<String> video = new ArrayList<>();
        List<String> audio = new ArrayList<>();
        String reason = null;
        for (TrackInfo t : tracks) {
            if (t.kind() == TrackInfo.Kind.OTHER) {
                continue;
            }
            if (reason == null) {
                reason = whyNotPlayable(container, t);
            }
            (t.kind() == TrackInfo.Kind.VIDEO ? video : audio).add(t.mseCodec());
        }
        if (reason == null && video.isEmpty() && audio.isEmpty()) {
            reason = "stream has no audio or video track";
        }
        if (reason != null) {
            return new StreamInfo(container, tracks, null, reason, false);
        }
        List<String> codecs = new ArrayList<>(video);
        codecs.addAll(audio);
        String mime = (video.isEmpty() ? "audio/" : "video/") + (container == Container.MP4 ? "mp4" : "webm")
                + ";codecs=\"" + String.join(",", codecs) + "\"";
        return new StreamInfo(container, tracks, mime, null, false);
    }

    private static String whyNotPlayable(Container container, TrackInfo t) {
        if (container == Container.WEBM && MATROSKA_AVC.equals(t.codecId())) {
            return H264_IN_MATROSKA;
        }
        String codec = t.mseCodec();
        boolean ok = codec != null && switch (container) {
            case WEBM -> codec.equals("vp8") || codec.equals("vp9") || codec.startsWith("vp09.")
                    || codec.startsWith("av01.") || codec.equals("opus") || codec.equals("vorbis");
            case MP4 -> codec.startsWith("avc1.") || codec.startsWith("avc3.") || codec.startsWith("vp09.")
                    || codec.startsWith("av01.") || codec.equals("opus") || codec.startsWith("mp4a.");
            case UNKNOWN -> false;
        };
        if (ok) {
            return null;
        }
        return Malformed.reason("codec %s (track %d) cannot be played by MediaSource in %s",
                Malformed.ascii(String.valueOf(t.codecId()), 24), t.number(),
                container == Container.MP4 ? "MP4" : "WebM");
    }

    public Container container() {
        return container;
    }

    /**
     * The type for {@code MediaSource.isTypeSupported}/{@code addSourceBuffer}, with full codec strings built
     * from the init segment (e.g. {@code video/webm;codecs="vp8,opus"}); null when the stream cannot be played.
     */
    public String mseMimeType() {
        return mseMimeType;
    }

    public boolean msePlayable() {
        return mseMimeType != null;
    }

    /** Why {@link #msePlayable()} is false, in words a publisher can act on; null when playable. */
    public String notPlayableReason() {
        return notPlayableReason;
    }

    /** Declared tracks in container order; empty for a pass-through stream. */
    public List<TrackInfo> tracks() {
        return tracks;
    }

    /** True when the segmenter did not recognise the stream and forwards it without finding segments. */
    public boolean passthrough() {
        return passthrough;
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("StreamInfo[").append(container);
        if (passthrough) {
            s.append(" passthrough");
        }
        s.append(' ').append(mseMimeType != null ? mseMimeType : "not playable: " + notPlayableReason);
        if (!tracks.isEmpty()) {
            s.append(" tracks=").append(tracks);
        }
        return s.append(']').toString();
    }
}
