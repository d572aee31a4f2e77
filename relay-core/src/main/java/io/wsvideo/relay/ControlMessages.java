package io.wsvideo.relay;

import io.wsvideo.relay.media.StreamInfo;
import io.wsvideo.relay.media.TrackInfo;
import java.util.Base64;
import java.util.List;

/**
 * The JSON control messages (the protocol in README.md): viewers get stream, waiting, ended, skip, continued
 * (and key, if they asked); publishers get accepted.
 */
final class ControlMessages {

    private ControlMessages() {
    }

    /**
     * A publisher was accepted: its resume token (null: resume is off), how long it lasts after a drop, and, for a
     * publisher that continues its stream ({@code continuedAt} >= 0), the stream byte its next chunk must start at.
     */
    static String accepted(String channel, String resumeToken, long resumeMillis, long continuedAt) {
        StringBuilder b = new StringBuilder("{\"type\":\"accepted\",\"channel\":").append(Json.quote(channel));
        if (resumeToken != null) {
            b.append(",\"resumeToken\":").append(Json.quote(resumeToken)).append(",\"resumeMillis\":")
                    .append(resumeMillis);
        }
        if (continuedAt >= 0) {
            b.append(",\"offset\":").append(continuedAt);
        }
        return b.append('}').toString();
    }

    /** Nobody publishes on the channel yet (or the stream has not shown its init segment). */
    static Message waiting(String channel, long nowNanos) {
        return Message.control("{\"type\":\"waiting\",\"channel\":" + Json.quote(channel) + "}", nowNanos);
    }

    /** The stream ended; the viewer stays connected for the next one. */
    static Message ended(String reason, long nowNanos) {
        return Message.control("{\"type\":\"ended\",\"reason\":" + Json.quote(reason) + "}", nowNanos);
    }

    /**
     * The publisher's connection dropped and it continued the same stream: what it recorded meanwhile follows
     * at once (same stream: keep the decoder; go to the live edge after it).
     */
    static Message continued(long nowNanos) {
        return Message.control("{\"type\":\"continued\"}", nowNanos);
    }

    /**
     * A video key frame (for byte viewers that asked, {@code ?keys=1}): its presentation time in seconds with
     * millisecond precision, on the stream's own timeline, which is the one MediaSource uses for the same frame
     * (WebM: Cluster timestamp plus block offset, times TimestampScale; MP4: PTS over the track's timescale),
     * so a player can jump to a key frame instead of into the middle of a group of pictures.
     */
    static Message key(long timestampMicros, long nowNanos) {
        long ms = Math.round(timestampMicros / 1000.0);
        long abs = Math.abs(ms);
        String frac = Long.toString(1000 + abs % 1000).substring(1);
        return Message.mediaNote("{\"type\":\"key\",\"t\":" + (ms < 0 ? "-" : "") + abs / 1000 + "." + frac + "}",
                nowNanos);
    }

    /** The viewer fell behind: media resumes at a keyframe after this, {@code droppedBytes} never sent. */
    static Message skip(long droppedBytes, long nowNanos) {
        return Message.control("{\"type\":\"skip\",\"droppedBytes\":" + droppedBytes + "}", nowNanos);
    }

    /**
     * Describes a new stream: what to hand MediaSource, its tracks, whether it can be played at all.
     *
     * @param mimeHint what the publisher claimed; a pass-through stream (unknown container) is announced as it
     */
    static Message stream(String channel, long streamId, String mimeHint, StreamInfo info, long nowNanos) {
        StringBuilder b = new StringBuilder("{\"type\":\"stream\",\"channel\":").append(Json.quote(channel))
                .append(",\"streamId\":").append(streamId)
                .append(",\"mime\":").append(Json.quote(info.passthrough() ? mimeHint : info.mseMimeType()))
                .append(",\"container\":").append(Json.quote(info.container().name().toLowerCase()))
                .append(",\"passthrough\":").append(info.passthrough())
                .append(",\"playable\":").append(info.passthrough() || info.msePlayable());
        if (!info.passthrough() && !info.msePlayable()) {
            b.append(",\"reason\":").append(Json.quote(info.notPlayableReason()));
        }
        b.append(",\"tracks\":[");
        List<TrackInfo> tracks = info.tracks();
        for (int i = 0; i < tracks.size(); i++) {
            TrackInfo t = tracks.get(i);
            b.append(i == 0 ? "" : ",").append("{\"number\":").append(t.number())
                    .append(",\"kind\":").append(Json.quote(t.kind().name().toLowerCase()))
                    .append(",\"codec\":").append(Json.quote(t.mseCodec() != null ? t.mseCodec() : t.codecId()));
            if (t.width() > 0) {
                b.append(",\"width\":").append(t.width()).append(",\"height\":").append(t.height());
            }
            b.append('}');
        }
        return Message.control(b.append("]}").toString(), nowNanos);
    }

    /**
     * Describes a new stream to a frame viewer: its audio and video tracks, in the order the frames' track
     * index counts them, with what WebCodecs' decoder configuration takes (codec string, picture size or sample
     * rate and channels, and the decoder configuration record as base64 {@code description}).
     */
    static Message frameStream(String channel, long streamId, StreamInfo info, List<TrackInfo> tracks,
            long nowNanos) {
        boolean playable = !tracks.isEmpty();
        StringBuilder t = new StringBuilder();
        for (int i = 0; i < tracks.size(); i++) {
            TrackInfo track = tracks.get(i);
            playable &= track.codec() != null;
            t.append(i == 0 ? "" : ",").append("{\"number\":").append(track.number())
                    .append(",\"kind\":").append(Json.quote(track.kind().name().toLowerCase()))
                    .append(",\"codec\":").append(track.codec() == null ? "null" : Json.quote(track.codec()));
            if (track.kind() == TrackInfo.Kind.VIDEO) {
                t.append(",\"width\":").append(track.width()).append(",\"height\":").append(track.height());
            } else {
                t.append(",\"sampleRate\":").append(track.sampleRate())
                        .append(",\"numberOfChannels\":").append(track.numberOfChannels());
            }
            byte[] description = track.description();
            if (description != null) {
                t.append(",\"description\":\"").append(Base64.getEncoder().encodeToString(description))
                        .append('"');
            }
            t.append('}');
        }
        StringBuilder b = new StringBuilder("{\"type\":\"stream\",\"format\":\"frames\",\"channel\":")
                .append(Json.quote(channel)).append(",\"streamId\":").append(streamId)
                .append(",\"container\":").append(Json.quote(info.container().name().toLowerCase()))
                .append(",\"playable\":").append(playable);
        if (!playable) {
            b.append(",\"reason\":").append(Json.quote(tracks.isEmpty() ? "stream has no audio or video track"
                    : "no WebCodecs codec string for a track"));
        }
        return Message.control(b.append(",\"tracks\":[").append(t).append("]}").toString(), nowNanos);
    }
}
