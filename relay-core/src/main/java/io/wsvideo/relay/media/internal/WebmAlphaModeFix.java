package io.wsvideo.relay.media.internal;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Clears, in place, the {@code AlphaMode} that Chromium's WebM MediaRecorder declares on every VP8/VP9 video
 * track ({@code AlphaMode = 1}), whether or not the picture has alpha. A camera has none, but the flag makes
 * GStreamer 1.22 (Debian 12, under WebKitGTK) pick its VP8/VP9 alpha decoder, which fails ("Cannot handle
 * streams without an initial alpha buffer"): {@code play()} rejects and the picture never moves. With
 * {@code AlphaMode = 0} every engine plays it.
 *
 * <p>Only the value byte changes (a one-byte {@code AlphaMode} element becomes 0): no element changes size,
 * no latency is added. Alpha itself travels in {@code BlockAdditions} of {@code BlockGroup}s, which Chromium
 * writes only when recording a source with alpha (a canvas); such a stream then plays opaque. A camera
 * stream, the demo's case, loses nothing.
 *
 * <p>Feed it every chunk of one publisher's stream, in order, before the chunk is shared. It looks only at
 * the bytes before the first Cluster (the init segment, here under 200 bytes, arriving over several chunks:
 * Chromium's first Blob is the single byte {@code 0x1A}), keeping a copy of them to parse, and goes quiet
 * at the first Cluster, after {@link #MAX_HEAD} bytes, or on anything that is not WebM. Like
 * {@link Mp4AudioDurationFix}, it leaves read-only buffers alone (the hub's callers hand it writable ones;
 * see {@code Publisher.onData}). Malformed input is not its business: the segmenter refuses it.
 *
 * <p>Not thread-safe: one publisher's chunks are fed by one thread at a time.
 */
public final class WebmAlphaModeFix {

    /** Most bytes before the first Cluster it looks at; Chromium's are under 200. */
    static final int MAX_HEAD = 64 * 1024;

    private static final int EBML = 0x1A45DFA3;
    private static final int SEGMENT = 0x18538067;
    private static final int TRACKS = 0x1654AE6B;
    private static final int TRACK_ENTRY = 0xAE;
    private static final int VIDEO = 0xE0;
    private static final int ALPHA_MODE = 0x53C0;
    private static final int CLUSTER = 0x1F43B675;
    private static final long UNKNOWN = -1;

    /** The bytes seen so far, while still looking: the stream's first {@code headLength} bytes. */
    private byte[] head = new byte[256];
    private int headLength;
    private boolean done;
    private int cleared;

    /**
     * Sets every {@code AlphaMode} value byte that lies in {@code chunk} (between its position and limit) to
     * 0, unless the chunk is read-only. Does not move the position or limit.
     *
     * @return how many AlphaMode values it cleared in this chunk
     */
    public int apply(ByteBuffer chunk) {
        if (done) {
            return 0;
        }
        int from = chunk.position();
        int n = Math.min(chunk.remaining(), MAX_HEAD - headLength);
        int chunkStart = headLength;
        if (headLength + n > head.length) {
            head = Arrays.copyOf(head, Math.max(headLength + n, head.length * 2));
        }
        chunk.get(from, head, headLength, n);
        headLength += n;
        Scan scan = scan();
        int now = 0;
        for (int i = 0; i < scan.count; i++) {
            int at = scan.alphaValues[i];
            if (at >= chunkStart && head[at] != 0 && !chunk.isReadOnly()) {
                chunk.put(from + (at - chunkStart), (byte) 0);
                head[at] = 0;
                now++;
            }
        }
        cleared += now;
        if (scan.finished || headLength >= MAX_HEAD) {
            done = true;
            head = null;
        }
        return now;
    }

    /** How many AlphaMode values it cleared so far. */
    public int cleared() {
        return cleared;
    }

    /** Offsets, in the head, of one-byte AlphaMode values; finished once nothing more can follow. */
    private static final class Scan {
        int[] alphaValues = new int[4];
        int count;
        boolean finished;

        void add(int at) {
            if (count == alphaValues.length) {
                alphaValues = Arrays.copyOf(alphaValues, count * 2);
            }
            alphaValues[count++] = at;
        }
    }

    /** Walks EBML header, Segment, Tracks, TrackEntry, Video as far as the head goes. */
    private Scan scan() {
        Scan s = new Scan();
        long[] e = new long[3]; // id, header length, size (UNKNOWN if unknown)
        if (!element(0, e)) {
            return s;
        }
        if (e[0] != EBML || e[2] == UNKNOWN) {
            s.finished = true; // not WebM
            return s;
        }
        int p = (int) (e[1] + e[2]);
        if (!element(p, e)) {
            return s;
        }
        if (e[0] != SEGMENT) {
            s.finished = true;
            return s;
        }
        long segmentEnd = e[2] == UNKNOWN ? Long.MAX_VALUE : p + e[1] + e[2];
        for (p += (int) e[1]; p < segmentEnd && element(p, e); p += (int) (e[1] + e[2])) {
            if (e[0] == CLUSTER || e[2] == UNKNOWN) {
                s.finished = true; // media from here on, or an element this walk cannot skip
                return s;
            }
            if (e[0] == TRACKS) {
                walk(p + (int) e[1], p + e[1] + e[2], s, 0);
            }
            if (p + e[1] + e[2] > headLength) {
                return s; // the rest of this element comes with the next chunk
            }
        }
        return s;
    }

    /** Looks inside Tracks (depth 0), a TrackEntry (1) and its Video (2) for AlphaMode. */
    private void walk(int from, long to, Scan s, int depth) {
        long[] e = new long[3];
        for (int p = from; p < to && element(p, e) && e[2] != UNKNOWN; p += (int) (e[1] + e[2])) {
            int body = p + (int) e[1];
            long end = Math.min(to, body + e[2]);
            if (depth == 0 && e[0] == TRACK_ENTRY || depth == 1 && e[0] == VIDEO) {
                walk(body, end, s, depth + 1);
            } else if (depth == 2 && e[0] == ALPHA_MODE && e[2] == 1 && body < headLength) {
                s.add(body);
            }
        }
    }

    /**
     * Reads the element header at {@code p} of the head into {@code e}: false if it is not all there yet
     * (or is not a valid header, which the segmenter reports).
     */
    private boolean element(int p, long[] e) {
        if (p >= headLength) {
            return false;
        }
        int idLength = WebmSegmenter.varintLength(head[p] & 0xFF);
        if (idLength == 0 || idLength > 4 || p + idLength >= headLength) {
            return false;
        }
        long id = 0;
        for (int i = 0; i < idLength; i++) {
            id = id << 8 | (head[p + i] & 0xFF);
        }
        int q = p + idLength;
        int sizeLength = WebmSegmenter.varintLength(head[q] & 0xFF);
        if (sizeLength == 0 || q + sizeLength > headLength) {
            return false;
        }
        long size = head[q] & (0xFF >>> sizeLength);
        boolean allOnes = size == (0xFF >>> sizeLength);
        for (int i = 1; i < sizeLength; i++) {
            size = size << 8 | (head[q + i] & 0xFF);
            allOnes &= (head[q + i] & 0xFF) == 0xFF;
        }
        e[0] = id;
        e[1] = idLength + sizeLength;
        e[2] = allOnes ? UNKNOWN : size;
        return e[2] == UNKNOWN || e[2] <= Integer.MAX_VALUE;
    }
}
