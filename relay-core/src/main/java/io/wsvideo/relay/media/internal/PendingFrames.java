package io.wsvideo.relay.media.internal;

import io.wsvideo.relay.media.MediaFrame;
import io.wsvideo.relay.media.SegmentListener;
import java.util.Arrays;

/**
 * Frames whose position is known before their bytes have arrived (an MP4 {@code moof} describes the samples
 * of the {@code mdat} after it), in container order, kept as primitives (a moof may declare thousands) until
 * the stream reaches their end. A frame is reported once it and every frame before it are complete, so each
 * track's frames keep their decode order, and at the stream position where that happens, so the events do
 * not depend on how the stream was cut into chunks.
 */
final class PendingFrames {

    private int[] tracks = new int[16];
    private boolean[] keys = new boolean[16];
    private long[] micros = new long[16];
    private long[] offsets = new long[16];
    private int[] lengths = new int[16];
    private int head;
    private int size;

    int size() {
        return size;
    }

    void add(int track, boolean key, long timestampMicros, long offset, int length) {
        if (size == tracks.length) {
            grow();
        }
        int at = (head + size++) % tracks.length;
        tracks[at] = track;
        keys[at] = key;
        micros[at] = timestampMicros;
        offsets[at] = offset;
        lengths[at] = length;
    }

    /** Where the frame that starts first starts; {@link Long#MAX_VALUE} when none waits. */
    long lowestOffset() {
        long lowest = Long.MAX_VALUE;
        for (int k = 0; k < size; k++) {
            lowest = Math.min(lowest, offsets[(head + k) % offsets.length]);
        }
        return lowest;
    }

    /** Where the first frame ends; {@link Long#MAX_VALUE} when none waits. */
    long nextEnd() {
        return size == 0 ? Long.MAX_VALUE : offsets[head] + lengths[head];
    }

    /** Reports the frames at the front that end at or before {@code position}. */
    void reportComplete(long position, SegmentListener listener) {
        while (size > 0 && offsets[head] + lengths[head] <= position) {
            MediaFrame f = new MediaFrame(tracks[head], keys[head], micros[head], offsets[head], lengths[head]);
            head = (head + 1) % tracks.length;
            size--;
            listener.onFrame(f);
        }
    }

    private void grow() {
        int n = tracks.length;
        tracks = unroll(tracks, n * 2);
        keys = unroll(keys, n * 2);
        micros = unroll(micros, n * 2);
        offsets = unroll(offsets, n * 2);
        lengths = unroll(lengths, n * 2);
        head = 0;
    }

    private int[] unroll(int[] a, int capacity) {
        int[] out = new int[capacity];
        for (int k = 0; k < size; k++) {
            out[k] = a[(head + k) % a.length];
        }
        return out;
    }

    private long[] unroll(long[] a, int capacity) {
        long[] out = new long[capacity];
        for (int k = 0; k < size; k++) {
            out[k] = a[(head + k) % a.length];
        }
        return out;
    }

    private boolean[] unroll(boolean[] a, int capacity) {
        boolean[] out = Arrays.copyOf(a, capacity);
        for (int k = 0; k < size; k++) {
            out[k] = a[(head + k) % a.length];
        }
        return out;
    }
}
