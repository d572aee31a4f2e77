package io.wsvideo.loadtest;

import io.wsvideo.relay.media.MalformedStreamException;
import io.wsvideo.relay.media.MediaFrame;
import io.wsvideo.relay.media.SegmentListener;
import io.wsvideo.relay.media.Segmenter;
import io.wsvideo.relay.media.SegmenterLimits;
import io.wsvideo.relay.media.StreamInfo;
import io.wsvideo.relay.media.TrackInfo;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The frames of a {@link LiveStream}, as the relay's frame view ({@code ?format=frames}) sends them: each with
 * its track index (audio and video tracks in container order), presentation time in microseconds, and where
 * its payload lies in the stream. A frame viewer finds a received frame here by track and time, to check its
 * payload against the stream and to match a message to the chunk that completed it (its latency).
 */
final class FrameIndex {

    /** Bytes of the frame view's header before each payload. */
    static final int HEADER_BYTES = 14;

    private final int[] tracks;
    private final long[] micros;
    private final long[] offsets;
    private final int[] lengths;
    /** Sorted keys ({@link #key}) and, at the same index, the frame's index. */
    private final long[] keys;
    private final int[] byKey;

    private FrameIndex(int[] tracks, long[] micros, long[] offsets, int[] lengths) {
        this.tracks = tracks;
        this.micros = micros;
        this.offsets = offsets;
        this.lengths = lengths;
        int n = tracks.length;
        long[] pairs = new long[n];
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            pairs[i] = key(tracks[i], micros[i]);
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Long.compare(pairs[a], pairs[b]));
        keys = new long[n];
        byKey = new int[n];
        for (int i = 0; i < n; i++) {
            keys[i] = pairs[order[i]];
            byKey[i] = order[i];
        }
    }

    /** One frame per track and microsecond: the LiveStream's timestamps only grow. */
    private static long key(int track, long micros) {
        return micros << 5 | track;
    }

    static FrameIndex of(LiveStream s) throws MalformedStreamException {
        List<TrackInfo> av = new ArrayList<>();
        List<long[]> frames = new ArrayList<>();
        Segmenter seg = Segmenter.create(s.mime, SegmenterLimits.defaults(), new SegmentListener() {
            @Override
            public void onInitSegment(long endOffset, StreamInfo info) {
                info.tracks().stream().filter(t -> t.kind() != TrackInfo.Kind.OTHER).forEach(av::add);
            }

            @Override
            public void onRandomAccessPoint(long segmentOffset) {
            }

            @Override
            public void onFrame(MediaFrame f) {
                for (int t = 0; t < av.size(); t++) {
                    if (av.get(t).number() == f.trackNumber()) {
                        frames.add(new long[] {t, f.timestampMicros(), f.offset(), f.length()});
                    }
                }
            }
        });
        seg.feed(ByteBuffer.wrap(s.bytes));
        int n = frames.size();
        int[] tracks = new int[n];
        long[] micros = new long[n];
        long[] offsets = new long[n];
        int[] lengths = new int[n];
        for (int i = 0; i < n; i++) {
            long[] f = frames.get(i);
            tracks[i] = (int) f[0];
            micros[i] = f[1];
            offsets[i] = f[2];
            lengths[i] = (int) f[3];
        }
        return new FrameIndex(tracks, micros, offsets, lengths);
    }

    int size() {
        return tracks.length;
    }

    /** The frame with this track index and time, or -1. */
    int find(int track, long timestampMicros) {
        int i = Arrays.binarySearch(keys, key(track, timestampMicros));
        return i < 0 ? -1 : byKey[i];
    }

    long offset(int frame) {
        return offsets[frame];
    }

    int length(int frame) {
        return lengths[frame];
    }

    /** Frame-view bytes (headers and payloads) of the frames complete once the stream has {@code streamBytes}. */
    long wireBytesUntil(long streamBytes) {
        long sum = 0;
        for (int i = 0; i < offsets.length; i++) {
            if (offsets[i] + lengths[i] <= streamBytes) {
                sum += HEADER_BYTES + lengths[i];
            }
        }
        return sum;
    }
}
