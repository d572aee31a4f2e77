package io.wsvideo.relay;

import io.wsvideo.relay.ViewerCursor.State;
import io.wsvideo.relay.media.MediaFrame;
import io.wsvideo.relay.media.TrackInfo;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The frames each published chunk completes, for WebCodecs players ({@code ?format=frames}): one binary
 * message per chunk, built once and shared by every frame viewer as the bytes view shares chunks. Built only
 * when a frame viewer needs it: a channel nobody watches as frames keeps its late-join cache as the frames'
 * positions in the shared chunks, not as copies (which cost a copy of every chunk). Each
 * frame in it is a 14-byte header (u8 index into the {@code stream} message's {@code tracks}, u8 flags: 1 key
 * frame, 2 discontinuity; i64 big-endian presentation time in microseconds; u32 big-endian payload length)
 * and the codec payload exactly as in the container. A frame goes out with the chunk that brings its last
 * byte; nothing else is held back.
 *
 * <p>A viewer starts at a video key frame: a late joiner at the last one (the cached frames from there on),
 * a viewer that fell behind and skipped at the next one; audio frames of the same moment that the container
 * put just before the key frame in the same chunk come too. A stream without video starts at the next audio
 * frame. The first frame a viewer gets after joining, skipping or a new stream has the discontinuity flag (and
 * so has the first frame after a publisher continued the stream, whose backlog then arrives at once);
 * that first message is a copy made once per chunk and shared by every viewer starting there. The
 * {@code stream} message waits for the first video key frame when the init segment lacks a track's codec
 * string (H.264 in Matroska, VP9 in WebM). A stream the relay cannot parse (passed through) has no frames:
 * its frame viewers are closed with {@link CloseCodes#FRAMES_UNSUPPORTED}.
 *
 * <p>Guarded by the channel's lock, like every view.
 */
final class FrameView extends View {

    /** Bytes before each frame's payload. */
    static final int HEADER_BYTES = 14;
    /** Flags bit: a key frame (random access point of its track). */
    static final int KEY = 1;
    /** Flags bit: the first frame after a join, a skip, a new stream or a publisher that continued the stream. */
    static final int DISCONTINUITY = 2;
    static final String UNSUPPORTED_REASON =
            "this stream cannot be sent as frames (unknown container); watch it with format=bytes";
    /** Bytes of a key frame read for a codec string: an H.264 SPS or a VP9 header is near the start. */
    private static final int CODEC_PROBE_BYTES = 1024;

    // The current stream; reset when it ends.
    private boolean initKnown;
    private boolean passthrough;
    /** Its audio and video tracks: a frame's track index counts in this list. */
    private List<TrackInfo> tracks = List.of();
    /** Index in {@link #tracks} of the video track whose key frames are start points; -1 without video. */
    private int videoTrack = -1;
    /** Null until every track's codec string is known (see {@link TrackInfo#withKeyFrame}). */
    private Message streamMessage;
    /** The chunks a frame still to come may start in: see {@link PublishedStream#framesFrom()}. */
    private final ArrayDeque<Chunk> held = new ArrayDeque<>();
    /** Frames the chunk being published completed, and their track indexes. */
    private final List<MediaFrame> completed = new ArrayList<>();
    private int[] completedTrack = new int[16];
    /** Late join: the messages from the last video key frame on (the first holds it); empty when none. */
    private final List<Built> cache = new ArrayList<>();
    private long cacheBytes;
    private long cacheSinceNanos;
    /**
     * A publisher continued the stream after a drop: the next message's first frame is flagged as a
     * discontinuity, so players start their timing over instead of taking the backlog for network jitter.
     */
    private boolean flagNext;

    FrameView(Channel channel) {
        super(channel);
    }

    /**
     * The frames one chunk completed: their message, made when the first viewer needs it (until then the frames
     * and the chunks that hold their bytes), and where a viewer may start.
     */
    private static final class Built {
        /** The frames and their track indexes; null once the message is made. */
        private MediaFrame[] frames;
        private int[] tracks;
        /** The chunks the frames' bytes lie in (shared, never copied); null once the message is made. */
        private List<Chunk> chunks;
        /** The first frame is flagged as a discontinuity (a publisher continued the stream). */
        private final boolean discontinuity;
        /** When the chunk arrived: the message's age in viewer queues counts from then. */
        private final long createdNanos;
        /** The message's size in bytes, known before it is made (the cache's limit counts it). */
        final int size;
        /**
         * Indexes of the first and last frames a viewer may start at (video key frames; without video, the first
         * frame), or -1: a viewer waiting for a start point takes the first, a late joiner the last.
         */
        final int firstStart;
        final int lastStart;
        private Message message;
        /** Where each frame starts in the message; set with it. */
        private int[] starts;
        /** The messages for viewers starting at those, made when the first of them needs one. */
        Message fromFirst;
        Message fromLast;

        Built(MediaFrame[] frames, int[] tracks, List<Chunk> chunks, boolean discontinuity, long createdNanos,
              int size, int firstStart, int lastStart) {
            this.frames = frames;
            this.tracks = tracks;
            this.chunks = chunks;
            this.discontinuity = discontinuity;
            this.createdNanos = createdNanos;
            this.size = size;
            this.firstStart = firstStart;
            this.lastStart = lastStart;
        }

        /** The frames as one message: each a header and the payload copied from the chunks. */
        Message message() {
            if (message != null) {
                return message;
            }
            ByteBuffer out = ByteBuffer.allocate(size);
            starts = new int[frames.length];
            for (int i = 0; i < frames.length; i++) {
                MediaFrame f = frames[i];
                starts[i] = out.position();
                out.put((byte) tracks[i]).put((byte) (f.keyFrame() ? KEY : 0)).putLong(f.timestampMicros())
                        .putInt(f.length());
                copy(chunks, out, f.offset(), f.length());
            }
            if (discontinuity) {
                out.put(1, (byte) (out.get(1) | DISCONTINUITY));
            }
            message = Message.binary(Message.Kind.MEDIA, out.flip(), createdNanos);
            frames = null;
            tracks = null;
            chunks = null;
            return message;
        }

        int[] starts() {
            message();
            return starts;
        }
    }

    @Override
    void join(ViewerCursor v, PublishedStream s, long now, Actions actions) {
        if (s != null && s.info != null && s.passthrough()) {
            actions.closeViewer(v.queue, CloseCodes.FRAMES_UNSUPPORTED, UNSUPPORTED_REASON);
            return;
        }
        if (s == null || s.info == null || streamMessage == null) {
            offer(v, ControlMessages.waiting(channel.name, now), now, actions);
            return;
        }
        announce(v, now, actions);
        if (!cache.isEmpty()) {
            Built first = cache.get(0);
            offer(v, startMessage(first, true, now), now, actions);
            for (int i = 1; i < cache.size(); i++) {
                offer(v, cache.get(i).message(), now, actions);
            }
            v.state = State.LIVE;
        }
    }

    @Override
    void event(PublishedStream s, Chunk c, SegmentEvent e, long now, Actions actions) {
        if (e instanceof SegmentEvent.InitSegment) {
            streamStarted(s, now, actions);
        } else if (e instanceof SegmentEvent.Frame f && initKnown && !passthrough) {
            hold(c);
            int track = trackIndex(f.frame().trackNumber());
            if (track < 0) {
                return; // not audio or video
            }
            if (streamMessage == null && f.frame().keyFrame()) {
                learnCodec(s, track, f.frame(), now, actions);
            }
            if (completed.size() == completedTrack.length) {
                completedTrack = Arrays.copyOf(completedTrack, completedTrack.length * 2);
            }
            completedTrack[completed.size()] = track;
            completed.add(f.frame());
        }
    }

    @Override
    void chunk(PublishedStream s, Chunk c, long now, Actions actions) {
        if (!initKnown || passthrough) {
            return;
        }
        hold(c);
        Built b = completed.isEmpty() ? null : completedFrames(now);
        completed.clear();
        long from = s.framesFrom();
        while (!held.isEmpty() && held.peekFirst().end <= from) {
            held.removeFirst();
        }
        if (b == null) {
            return;
        }
        cacheTake(b, now);
        for (int i = 0; i < size(); i++) {
            ViewerCursor v = get(i);
            if (v.state == State.LIVE) {
                ViewerQueue q = v.queue;
                switch (q.offerMedia(b.message(), now)) {
                    case QUEUED -> {
                    }
                    case QUEUED_KICK -> actions.kick(q);
                    case SKIPPED -> {
                        channel.counters.skips++;
                        v.state = State.WAITING_FOR_KEYFRAME;
                        v.skipPending = true;
                    }
                    case EVICT -> actions.evict(q, "too slow: the viewer could not keep up with the stream");
                }
            } else if (v.state == State.WAITING_FOR_KEYFRAME && b.firstStart >= 0) {
                if (v.skipPending) {
                    offer(v, ControlMessages.skip(v.queue.takeDroppedSinceNotice(), now), now, actions);
                    v.skipPending = false;
                }
                offer(v, startMessage(b, false, now), now, actions);
                v.state = State.LIVE;
            }
        }
    }

    @Override
    void continued(long now, Actions actions) {
        super.continued(now, actions);
        flagNext = true;
    }

    @Override
    void ended(Message ended, long now, Actions actions) {
        super.ended(ended, now, actions);
        flagNext = false;
        initKnown = false;
        passthrough = false;
        tracks = List.of();
        videoTrack = -1;
        streamMessage = null;
        held.clear();
        completed.clear();
        cache.clear();
        cacheBytes = 0;
    }

    // ---- the stream's start

    private void streamStarted(PublishedStream s, long now, Actions actions) {
        initKnown = true;
        passthrough = s.passthrough();
        videoTrack = -1;
        streamMessage = null;
        held.clear();
        cache.clear();
        cacheBytes = 0;
        if (passthrough) {
            for (int i = 0; i < size(); i++) {
                actions.closeViewer(get(i).queue, CloseCodes.FRAMES_UNSUPPORTED, UNSUPPORTED_REASON);
            }
            return;
        }
        List<TrackInfo> av = new ArrayList<>();
        for (TrackInfo t : s.info.tracks()) {
            if (t.kind() != TrackInfo.Kind.OTHER) {
                if (videoTrack < 0 && t.kind() == TrackInfo.Kind.VIDEO) {
                    videoTrack = av.size();
                }
                av.add(t);
            }
        }
        tracks = av;
        announceIfReady(s, now, actions);
    }

    /**
     * A track's first key frame names its codec where the init segment does not (SPS, VP9 header). The
     * stream message waits for the start-point video track's; another track's that comes later stays
     * unknown (null in the stream message), as does one its key frame does not tell.
     */
    private void learnCodec(PublishedStream s, int track, MediaFrame key, long now, Actions actions) {
        TrackInfo t = tracks.get(track);
        if (!t.codecNeedsKeyFrame()) {
            return;
        }
        ByteBuffer probe = ByteBuffer.allocate(Math.min(key.length(), CODEC_PROBE_BYTES));
        copy(probe, key.offset(), probe.capacity());
        List<TrackInfo> updated = new ArrayList<>(tracks);
        updated.set(track, t.withKeyFrame(probe.flip()));
        tracks = List.copyOf(updated);
        if (track == videoTrack) {
            streamKnown(s, now, actions);
        }
    }

    private void announceIfReady(PublishedStream s, long now, Actions actions) {
        if (videoTrack < 0 || !tracks.get(videoTrack).codecNeedsKeyFrame()) {
            streamKnown(s, now, actions);
        }
    }

    /** The stream message is known: every viewer waiting for it gets it. */
    private void streamKnown(PublishedStream s, long now, Actions actions) {
        streamMessage = ControlMessages.frameStream(channel.name, s.id, s.info, tracks, now);
        for (int i = 0; i < size(); i++) {
            ViewerCursor v = get(i);
            if (v.state == State.WAITING_FOR_STREAM) {
                announce(v, now, actions);
            }
        }
    }

    /** Gives a viewer the stream description; its frames start at the next start point. */
    private void announce(ViewerCursor v, long now, Actions actions) {
        offer(v, streamMessage, now, actions);
        v.state = State.WAITING_FOR_KEYFRAME;
        v.skipPending = false;
    }

    private int trackIndex(int number) {
        for (int i = 0; i < tracks.size(); i++) {
            if (tracks.get(i).number() == number) {
                return i;
            }
        }
        return -1;
    }

    // ---- messages

    private void hold(Chunk c) {
        if (held.peekLast() != c) {
            held.addLast(c);
        }
    }

    /** Copies stream bytes {@code [offset, offset + length)} from the held chunks. */
    private void copy(ByteBuffer dst, long offset, int length) {
        copy(held, dst, offset, length);
    }

    /** Copies stream bytes {@code [offset, offset + length)} from {@code chunks}, which are in stream order. */
    private static void copy(Iterable<Chunk> chunks, ByteBuffer dst, long offset, int length) {
        long end = offset + length;
        int copied = 0;
        for (Chunk c : chunks) {
            if (c.end <= offset) {
                continue;
            }
            if (c.start >= end) {
                break;
            }
            ByteBuffer src = c.message.bytes.duplicate();
            src.limit((int) (Math.min(end, c.end) - c.start)).position((int) (Math.max(offset, c.start) - c.start));
            copied += src.remaining();
            dst.put(src);
        }
        if (copied != length) {
            // The segmenter promised these bytes were held (framesFrom): a bug, not bad input.
            throw new IllegalStateException("frame bytes [" + offset + ", " + end + ") are not held");
        }
    }

    /** The frames the chunk completed, for every frame viewer; their message is made when one needs it. */
    private Built completedFrames(long now) {
        int n = completed.size();
        int size = 0;
        long firstByte = Long.MAX_VALUE;
        int firstStart = -1;
        int lastStart = -1;
        for (int i = 0; i < n; i++) {
            MediaFrame f = completed.get(i);
            size += HEADER_BYTES + f.length();
            firstByte = Math.min(firstByte, f.offset());
            if (videoTrack < 0 ? i == 0 : completedTrack[i] == videoTrack && f.keyFrame()) {
                firstStart = firstStart < 0 ? i : firstStart;
                lastStart = i;
            }
        }
        List<Chunk> chunks = new ArrayList<>(held.size());
        for (Chunk c : held) {
            if (c.end > firstByte) {
                chunks.add(c);
            }
        }
        Built b = new Built(completed.toArray(new MediaFrame[0]), Arrays.copyOf(completedTrack, n),
                chunks, flagNext, now, size, firstStart, lastStart);
        flagNext = false;
        return b;
    }

    /**
     * The frames of {@code b} from its first or last start point on, with the audio frames just before it that
     * are not older than it, the first flagged as a discontinuity: made once, for every viewer starting there.
     */
    private Message startMessage(Built b, boolean last, long now) {
        Message made = last ? b.fromLast : b.fromFirst;
        if (made != null) {
            return made;
        }
        int start = last ? b.lastStart : b.firstStart;
        ByteBuffer all = b.message().bytes;
        int[] starts = b.starts();
        long from = all.getLong(starts[start] + 2);
        int n = starts.length;
        boolean[] take = new boolean[n];
        int total = 0;
        for (int i = 0; i < n; i++) {
            int at = starts[i];
            take[i] = i >= start || tracks.get(all.get(at)).kind() == TrackInfo.Kind.AUDIO
                    && all.getLong(at + 2) >= from;
            if (take[i]) {
                total += (i + 1 < n ? starts[i + 1] : all.limit()) - at;
            }
        }
        ByteBuffer out = ByteBuffer.allocate(total);
        for (int i = 0; i < n; i++) {
            if (take[i]) {
                ByteBuffer frame = all.duplicate();
                frame.limit(i + 1 < n ? starts[i + 1] : all.limit()).position(starts[i]);
                out.put(frame);
            }
        }
        out.put(1, (byte) (out.get(1) | DISCONTINUITY));
        made = Message.binary(Message.Kind.MEDIA, out.flip(), now);
        if (last) {
            b.fromLast = made;
        } else {
            b.fromFirst = made;
        }
        return made;
    }

    /** Keeps the messages from the last video key frame on, within the late-join cache's limits. */
    private void cacheTake(Built b, long now) {
        if (videoTrack < 0) {
            return; // without video, a viewer starts at the next audio frame
        }
        if (b.lastStart >= 0) {
            cache.clear();
            cacheBytes = 0;
            cacheSinceNanos = now;
        } else if (cache.isEmpty()) {
            return;
        }
        cache.add(b);
        cacheBytes += b.size;
        RelayConfig config = channel.config();
        if (cacheBytes > config.lateJoinCacheBytes()
                || now - cacheSinceNanos > config.lateJoinCacheMillis() * 1_000_000L) {
            cache.clear(); // late joiners wait for the next key frame, as in the bytes view
            cacheBytes = 0;
        }
    }
}
