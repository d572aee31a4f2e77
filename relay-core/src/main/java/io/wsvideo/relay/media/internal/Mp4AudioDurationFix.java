package io.wsvideo.relay.media.internal;

import static io.wsvideo.relay.media.internal.Mp4Box.*;

import io.wsvideo.relay.media.Segmenter;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Repairs, in place, a bug of Chromium's MP4 MediaRecorder: the last audio sample of every fragment is
 * written with a truncated {@code sample_duration} (an Opus track of 60 ms frames ends each fragment with a
 * 21 ms one), so each fragment's audio ends about 39 ms before the next fragment's {@code tfdt}. Chromium's
 * MediaSource then loses video: whole fragments go missing from the buffered ranges, or the picture freezes
 * while the clock runs, depending on how each fragment's audio and video start (measured in
 * {@code docs/mp4.md}). With the durations repaired, every fragment plays.
 *
 * <p>Feed it every chunk of one publisher's stream, in order, before the chunk is shared. It sniffs the first
 * box (not {@code ftyp}: it does nothing for the rest of the stream), learns the audio tracks from the
 * {@code moov}, and in every {@code moof} rewrites the last audio sample's duration to the track's typical
 * one when it is shorter: no added latency, no box changes size, no other byte changes. The typical duration
 * is the one more than half of the fragment's other samples have (for a one-sample fragment, the
 * {@code tfhd} default); video tracks, and audio without such a majority, are never touched.
 *
 * <p>It only edits what it sees whole: a {@code moov} or {@code moof} split across chunks is left as it is
 * (for a split {@code moov}, the whole stream is), and so is every byte of a read-only buffer.
 * MediaRecorder's MP4 Blobs are box-aligned, so this costs nothing there. Anything that does not parse is
 * left alone: rejecting malformed streams is the {@link io.wsvideo.relay.media.Segmenter}'s job.
 *
 * <p>Not thread-safe: one publisher's chunks are fed by one thread at a time.
 */
public final class Mp4AudioDurationFix {

    private static final int MAX_AUDIO_TRACKS = 16;

    private enum State {
        /** Reading the first box header: it must be {@code ftyp}. */
        SNIFFING,
        WALKING,
        /** Not MP4, or its top-level boxes can no longer be followed. */
        OFF
    }

    private State state = State.SNIFFING;
    /** Stream offset of the next chunk's first byte. */
    private long streamOffset;
    /** Stream offset of the next top-level box. */
    private long nextBox;
    /** The header of the box at {@link #nextBox}, as far as it has been seen. */
    private final Mp4Box.Header header = new Mp4Box.Header();
    private boolean headerComplete;
    /** track_IDs of the {@code soun} tracks; null until a whole {@code moov} was seen. */
    private int[] audioTracks;

    /**
     * Rewrites, in {@code chunk} between its position and limit, the truncated last audio sample duration of
     * each {@code moof} that lies wholly inside it. Does not move the position or limit.
     *
     * @return how many sample durations were rewritten
     */
    public int apply(ByteBuffer chunk) {
        int from = chunk.position();
        int to = chunk.limit();
        long start = streamOffset;
        long end = start + (to - from);
        streamOffset = end;
        int fixed = 0;
        while (state != State.OFF && nextBox < end) {
            // Gather the header, which may have begun in an earlier chunk.
            for (long at = nextBox + header.length(); !headerComplete && at < end; at++) {
                headerComplete = header.add(chunk.get(from + (int) (at - start)));
            }
            if (!headerComplete) {
                return fixed; // the rest of the header comes with the next chunk
            }
            long size = header.size();
            int type = header.type();
            if (state == State.SNIFFING && type != FTYP || header.toEnd() || size < header.length()) {
                // Not MP4, a box that runs to the end of the stream, or garbage the segmenter will refuse.
                state = State.OFF;
                return fixed;
            }
            state = State.WALKING;
            if (nextBox >= start && size <= end - nextBox) {
                int boxFrom = from + (int) (nextBox - start);
                int boxTo = boxFrom + (int) size;
                if (type == MOOV && audioTracks == null) {
                    audioTracks = audioTracks(chunk, boxFrom, boxTo);
                } else if (type == MOOF && audioTracks != null && !chunk.isReadOnly()) {
                    fixed += fixMoof(chunk, boxFrom, boxTo);
                }
            }
            nextBox += size;
            header.reset();
            headerComplete = false;
        }
        return fixed;
    }

    // ---- moov: which tracks are audio ----

    private static int[] audioTracks(ByteBuffer b, int moovFrom, int moovTo) {
        int[] found = new int[MAX_AUDIO_TRACKS];
        int n = 0;
        for (int trak = payload(b, moovFrom), trakEnd; trak < moovTo; trak = trakEnd) {
            trakEnd = end(b, trak, moovTo);
            if (trakEnd < 0) {
                break;
            }
            if (typeAt(b, trak) != TRAK || n == found.length) {
                continue;
            }
            int trackId = 0;
            boolean sound = false;
            for (int p = payload(b, trak), pEnd; p < trakEnd; p = pEnd) {
                pEnd = end(b, p, trakEnd);
                if (pEnd < 0) {
                    break;
                }
                int body = payload(b, p);
                if (typeAt(b, p) == TKHD && body + 4 <= pEnd) {
                    int at = body + ((b.get(body) & 0xFF) == 1 ? 20 : 12); // after the creation/modification times
                    trackId = at + 4 <= pEnd ? i32(b, at) : 0;
                } else if (typeAt(b, p) == MDIA) {
                    for (int q = body, qEnd; q < pEnd; q = qEnd) {
                        qEnd = end(b, q, pEnd);
                        if (qEnd < 0) {
                            break;
                        }
                        if (typeAt(b, q) == HDLR && payload(b, q) + 12 <= qEnd) {
                            sound = i32(b, payload(b, q) + 8) == SOUN; // handler_type
                        }
                    }
                }
            }
            if (sound && trackId != 0) {
                found[n++] = trackId;
            }
        }
        return Arrays.copyOf(found, n);
    }

    // ---- moof: the last audio sample of each traf ----

    private int fixMoof(ByteBuffer b, int moofFrom, int moofTo) {
        int fixed = 0;
        for (int traf = payload(b, moofFrom), trafEnd; traf < moofTo; traf = trafEnd) {
            trafEnd = end(b, traf, moofTo);
            if (trafEnd < 0) {
                break;
            }
            if (typeAt(b, traf) == TRAF && fixTraf(b, payload(b, traf), trafEnd)) {
                fixed++;
            }
        }
        return fixed;
    }

    /** @return true if the traf's last sample duration was rewritten */
    private boolean fixTraf(ByteBuffer b, int from, int to) {
        boolean sawTfhd = false;
        long defaultDuration = -1;
        Samples samples = new Samples();
        for (int p = from, pEnd; p < to; p = pEnd) {
            pEnd = end(b, p, to);
            if (pEnd < 0) {
                return false;
            }
            int type = typeAt(b, p);
            int body = payload(b, p);
            if (type == TFHD) {
                if (body + 8 > pEnd || !isAudio(i32(b, body + 4))) {
                    return false;
                }
                sawTfhd = true;
                int flags = i32(b, body) & 0xFFFFFF;
                int at = body + 8 + ((flags & BASE_DATA_OFFSET_PRESENT) != 0 ? 8 : 0)
                        + ((flags & SAMPLE_DESCRIPTION_INDEX_PRESENT) != 0 ? 4 : 0);
                if ((flags & DEFAULT_SAMPLE_DURATION_PRESENT) != 0) {
                    if (at + 4 > pEnd) {
                        return false;
                    }
                    defaultDuration = u32(b, at);
                }
            } else if (type == TRUN) {
                if (!sawTfhd || body + 8 > pEnd) {
                    return false;
                }
                int flags = i32(b, body) & 0xFFFFFF;
                long count = u32(b, body + 4);
                boolean perDuration = (flags & SAMPLE_DURATION_PRESENT) != 0;
                int record = 4 * Integer.bitCount(flags & (SAMPLE_DURATION_PRESENT | SAMPLE_SIZE_PRESENT
                        | SAMPLE_FLAGS_PRESENT | SAMPLE_COMPOSITION_TIME_OFFSETS_PRESENT));
                int at = body + 8 + ((flags & DATA_OFFSET_PRESENT) != 0 ? 4 : 0)
                        + ((flags & FIRST_SAMPLE_FLAGS_PRESENT) != 0 ? 4 : 0);
                if (at > pEnd || count * record > pEnd - at) {
                    return false;
                }
                if (perDuration) {
                    for (long s = 0; s < count; s++, at += record) {
                        samples.add(u32(b, at), 1, at);
                    }
                } else if (defaultDuration < 0) {
                    return false; // durations from trex, which this class does not read: nothing to compare
                } else if (count > 0) {
                    samples.add(defaultDuration, count, -1);
                }
            }
        }
        long typical = samples.typical(defaultDuration);
        if (samples.lastField < 0 || typical <= 0 || samples.last() >= typical) {
            return false;
        }
        putU32(b, samples.lastField, typical);
        return true;
    }

    /** A traf's sample durations in order, as runs of equal durations. */
    private static final class Samples {
        private long[] durations = new long[32];
        private long[] counts = new long[32];
        private int runs;
        /** Index of the last sample's duration field, or -1 if it has none (a default applies). */
        int lastField = -1;

        void add(long duration, long count, int field) {
            if (runs > 0 && durations[runs - 1] == duration) {
                counts[runs - 1] += count;
            } else {
                if (runs == durations.length) {
                    durations = Arrays.copyOf(durations, runs * 2);
                    counts = Arrays.copyOf(counts, runs * 2);
                }
                durations[runs] = duration;
                counts[runs++] = count;
            }
            lastField = field;
        }

        long last() {
            return durations[runs - 1];
        }

        /**
         * The duration of more than half of the samples before the last (Boyer-Moore majority vote, then a
         * count); for a one-sample traf, {@code fallback} (the tfhd default, or -1); -1 if there is no majority.
         */
        long typical(long fallback) {
            long candidate = -1;
            long votes = 0;
            long others = 0;
            for (int i = 0; i < runs; i++) {
                long n = i == runs - 1 ? counts[i] - 1 : counts[i];
                others += n;
                if (durations[i] == candidate) {
                    votes += n;
                } else if (votes >= n) {
                    votes -= n;
                } else {
                    candidate = durations[i];
                    votes = n - votes;
                }
            }
            if (others == 0) {
                return fallback;
            }
            long support = 0;
            for (int i = 0; i < runs; i++) {
                if (durations[i] == candidate) {
                    support += i == runs - 1 ? counts[i] - 1 : counts[i];
                }
            }
            return 2 * support > others ? candidate : -1;
        }
    }

    private boolean isAudio(int trackId) {
        for (int t : audioTracks) {
            if (t == trackId) {
                return true;
            }
        }
        return false;
    }
}
