package io.wsvideo.relay.record;

import io.wsvideo.relay.media.StreamInfo;
import io.wsvideo.relay.media.TrackInfo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a fragmented MP4 file that players can seek once it is closed, and that plays up to its last whole
 * fragment if it never is:
 *
 * <pre>
 * ftyp, moov (the publisher's, plus an mvex/mehd whose duration is filled at close)
 * free        room reserved for the index; at close it becomes a sidx (one entry per fragment: size,
 *             duration, starts with a keyframe) followed by a smaller free box
 * moof mdat, moof mdat, ...   as received, tfdt rebased so the file starts at 0
 * </pre>
 *
 * Measured: ffmpeg (and Chromium, which plays files through it) reads a sidx that covers the file to its end
 * instead of walking every fragment at open, and takes the duration from mehd; it ignores an mfra unless told
 * to, so the file has none.
 */
final class Mp4FileWriter implements FormatWriter {

    /** sidx version 1: header 12, reference_ID 4, timescale 4, earliest time 8, first_offset 8, 2 + 2. */
    private static final int SIDX_FIXED = 40;
    private static final int SIDX_ENTRY = 12;

    /** One track of the init segment. Durations are patched at {@code tkhd*} offsets of {@link Init#head}. */
    record Track(int id, long timescale, long defaultDuration, int tkhdDurationAt, int tkhdDurationBytes) {
    }

    /** The publisher's init segment, rebuilt with a mehd, parsed once per stream and shared by its files. */
    record Init(byte[] head, long movieTimescale, int mvhdDurationAt, int mvhdDurationBytes, int mehdDurationAt,
                Map<Integer, Track> tracks, int primaryTrack) {

        static Init parse(byte[] b, int len, StreamInfo info) throws IOException {
            Buf head = new Buf(len + 64);
            Boxes.Box moov = null;
            for (int p = 0; p < len; ) {
                Boxes.Box box = Boxes.box(b, p, len);
                if (box == null || box.end() > len) {
                    break;
                }
                if (box.type() == Boxes.FTYP && head.length() == 0) {
                    // WebKit writes two ftyp boxes; a file has one.
                    head.put(b, p, (int) box.size());
                } else if (box.type() == Boxes.MOOV) {
                    moov = box;
                }
                p = (int) box.end();
            }
            if (head.length() == 0 || moov == null) {
                throw new IOException("init segment lacks ftyp or moov");
            }
            int moovAt = head.length();
            head.u32(0).u32(Boxes.MOOV);
            long movieTimescale = 0;
            int mvhdAt = -1;
            int mvhdBytes = 0;
            int mehdAt = -1;
            Map<Integer, long[]> trex = new HashMap<>();
            List<int[]> traks = new ArrayList<>(); // {source start, new start}
            for (int p = moov.dataStart(); p < moov.end(); ) {
                Boxes.Box c = Boxes.box(b, p, (int) moov.end());
                if (c == null || c.end() > moov.end()) {
                    throw new IOException("malformed moov");
                }
                int d = c.dataStart();
                if (c.type() == Boxes.MVHD) {
                    boolean v1 = b[d] == 1;
                    movieTimescale = Buf.u32(b, d + (v1 ? 20 : 12));
                    mvhdAt = head.length() + (d - p) + (v1 ? 24 : 16);
                    mvhdBytes = v1 ? 8 : 4;
                    head.put(b, p, (int) c.size());
                } else if (c.type() == Boxes.MVEX) {
                    int mvexAt = head.length();
                    head.u32(0).u32(Boxes.MVEX);
                    head.u32(20).u32(Boxes.MEHD).u32(0x01000000L);
                    mehdAt = head.length();
                    head.u64(0);
                    for (int q = d; q < c.end(); ) {
                        Boxes.Box e = Boxes.box(b, q, (int) c.end());
                        if (e == null || e.end() > c.end()) {
                            throw new IOException("malformed mvex");
                        }
                        if (e.type() == Boxes.TREX) {
                            int ed = e.dataStart();
                            trex.put((int) Buf.u32(b, ed + 4), new long[] {Buf.u32(b, ed + 12)});
                        }
                        if (e.type() != Boxes.MEHD) {
                            head.put(b, q, (int) e.size());
                        }
                        q = (int) e.end();
                    }
                    head.setU32(mvexAt, head.length() - mvexAt);
                } else {
                    if (c.type() == Boxes.TRAK) {
                        traks.add(new int[] {p, head.length()});
                    }
                    head.put(b, p, (int) c.size());
                }
                p = (int) c.end();
            }
            head.setU32(moovAt, head.length() - moovAt);
            if (mvhdAt < 0 || mehdAt < 0 || movieTimescale <= 0) {
                throw new IOException("moov lacks mvhd or mvex: not a fragmented MP4");
            }
            Map<Integer, Track> tracks = new LinkedHashMap<>();
            for (int[] t : traks) {
                Track track = track(b, Boxes.box(b, t[0], len), t[1] - t[0], trex);
                if (track != null) {
                    tracks.put(track.id(), track);
                }
            }
            int primary = -1;
            for (TrackInfo t : info.tracks()) {
                if (t.kind() == TrackInfo.Kind.VIDEO && tracks.containsKey(t.number())) {
                    primary = t.number();
                    break;
                }
                if (t.kind() == TrackInfo.Kind.AUDIO && primary < 0 && tracks.containsKey(t.number())) {
                    primary = t.number();
                }
            }
            if (primary < 0) {
                throw new IOException("stream has no audio or video track");
            }
            return new Init(head.toArray(), movieTimescale, mvhdAt, mvhdBytes, mehdAt, tracks, primary);
        }

        /** A trak's id, timescale and tkhd duration field; {@code shift} moves source offsets to the new head. */
        private static Track track(byte[] b, Boxes.Box trak, int shift, Map<Integer, long[]> trex) {
            Boxes.Box tkhd = Boxes.child(b, trak, Boxes.TKHD);
            Boxes.Box mdia = Boxes.child(b, trak, Boxes.MDIA);
            Boxes.Box mdhd = mdia == null ? null : Boxes.child(b, mdia, Boxes.MDHD);
            if (tkhd == null || mdhd == null) {
                return null;
            }
            int d = tkhd.dataStart();
            boolean v1 = b[d] == 1;
            int id = (int) Buf.u32(b, d + (v1 ? 20 : 12));
            int durationAt = d + (v1 ? 28 : 20) + shift;
            int md = mdhd.dataStart();
            long timescale = Buf.u32(b, md + (b[md] == 1 ? 20 : 12));
            long[] t = trex.get(id);
            return new Track(id, timescale, t == null ? 0 : t[0], durationAt, v1 ? 8 : 4);
        }
    }

    private final FileTarget out;
    private final Init init;
    private final int indexCapacity;
    private final long indexAt;
    private final int indexBytes;
    /** Start of the file's media time, in microseconds of the source timeline; -1 until the first fragment. */
    private long baseMicros = -1;
    /** Per track id: where its media ends, in its timescale, in file time. */
    private final Map<Integer, Long> trackEnds = new HashMap<>();
    /**
     * Per fragment (one index entry each): {bytes, start in file time in the primary track's timescale or -1, 1 if
     * it starts a segment with a keyframe}.
     */
    private final List<long[]> fragments = new ArrayList<>();

    Mp4FileWriter(FileTarget out, Init init, int indexCapacity) throws IOException {
        this.out = out;
        this.init = init;
        this.indexCapacity = indexCapacity;
        out.append(ByteBuffer.wrap(init.head()));
        indexAt = out.size();
        indexBytes = SIDX_FIXED + SIDX_ENTRY * indexCapacity + 8;
        Buf free = new Buf(indexBytes);
        free.u32(indexBytes).u32(Boxes.FREE).zeros(indexBytes - 8);
        out.append(free.wrap());
    }

    @Override
    public FileTarget target() {
        return out;
    }

    @Override
    public long bytes() {
        return out.size();
    }

    @Override
    public long mediaMillis() {
        double seconds = 0;
        for (Map.Entry<Integer, Long> e : trackEnds.entrySet()) {
            Track t = init.tracks().get(e.getKey());
            seconds = Math.max(seconds, e.getValue() / (double) t.timescale());
        }
        return Math.round(seconds * 1000);
    }

    @Override
    public boolean indexFull() {
        return fragments.size() >= indexCapacity;
    }

    /**
     * Appends one segment: a {@code moof}+{@code mdat}, or, for a stream with one {@code moof} per track
     * (WebKit), the {@code moof}+{@code mdat} pairs of one time span (see {@link SinkEvents}), as one index entry.
     * A {@code moof} followed by another {@code moof} instead of its {@code mdat} is dropped: its data is nowhere
     * (WebKit's last chunk repeats the audio {@code moof}, the first copy's data offset pointing into the second).
     */
    @Override
    public void segment(byte[] b, int from, int to, boolean randomAccess) throws IOException {
        List<byte[]> moofs = new ArrayList<>();
        List<Boxes.Box> mdats = new ArrayList<>();
        for (int p = from; p < to; ) {
            Boxes.Box moof = Boxes.box(b, p, to);
            if (moof == null || moof.end() > to) {
                break; // the stream stopped inside this fragment
            }
            p = (int) moof.end();
            if (moof.type() != Boxes.MOOF) {
                continue;
            }
            Boxes.Box mdat = null;
            boolean torn = false;
            while (p < to) {
                Boxes.Box box = Boxes.box(b, p, to);
                if (box == null || box.end() > to) {
                    torn = true;
                    break;
                }
                if (box.type() == Boxes.MOOF) {
                    break;
                }
                p = (int) box.end();
                if (box.type() == Boxes.MDAT) {
                    mdat = box;
                    break;
                }
            }
            if (torn) {
                break;
            }
            if (mdat != null) {
                moofs.add(Arrays.copyOfRange(b, moof.start(), (int) moof.end()));
                mdats.add(mdat);
            }
        }
        if (moofs.isEmpty()) {
            return;
        }
        // {track id, tfdt offset in its moof, tfdt version, source time, sample durations}, per moof
        List<List<long[]>> trafsPerMoof = new ArrayList<>();
        for (byte[] m : moofs) {
            List<long[]> trafs = new ArrayList<>();
            for (int p = 8; p < m.length; ) {
                Boxes.Box traf = Boxes.box(m, p, m.length);
                if (traf == null || traf.end() > m.length) {
                    throw new IOException("malformed moof");
                }
                if (traf.type() == Boxes.TRAF) {
                    trafs.add(traf(m, traf));
                }
                p = (int) traf.end();
            }
            trafsPerMoof.add(trafs);
        }
        if (baseMicros < 0) {
            baseMicros = Long.MAX_VALUE;
            for (List<long[]> trafs : trafsPerMoof) {
                for (long[] t : trafs) {
                    if (t[1] >= 0) {
                        baseMicros = Math.min(baseMicros, t[3] * 1_000_000 / track((int) t[0]).timescale());
                    }
                }
            }
            if (baseMicros == Long.MAX_VALUE) {
                baseMicros = 0;
            }
        }
        Track primary = init.tracks().get(init.primaryTrack());
        Map<Integer, Long> ends = new HashMap<>();
        ByteBuffer[] parts = new ByteBuffer[2 * moofs.size()];
        for (int i = 0; i < moofs.size(); i++) {
            byte[] m = moofs.get(i);
            // Where this fragment starts in the primary track's timescale: its own time on that track, else the
            // earliest of its other tracks (WebKit's audio moof), so the index stays in time order.
            long primaryStart = -1;
            long otherStart = Long.MAX_VALUE;
            for (long[] t : trafsPerMoof.get(i)) {
                if (t[1] < 0) {
                    continue;
                }
                Track track = track((int) t[0]);
                long time = Math.max(0, t[3] - baseMicros * track.timescale() / 1_000_000);
                if (t[2] == 1) {
                    Buf.putU64(m, (int) t[1], time);
                } else {
                    Buf.putU32(m, (int) t[1], time);
                }
                if (track.id() == primary.id()) {
                    primaryStart = primaryStart < 0 ? time : primaryStart;
                } else {
                    otherStart = Math.min(otherStart, time * primary.timescale() / track.timescale());
                }
                ends.merge(track.id(), time + t[4], Math::max);
            }
            Boxes.Box mdat = mdats.get(i);
            parts[2 * i] = ByteBuffer.wrap(m);
            parts[2 * i + 1] = ByteBuffer.wrap(b, mdat.start(), (int) mdat.size());
            // One index entry per fragment: ffmpeg takes each sidx reference for one moof (with one reference for
            // WebKit's audio and video moofs together, it read a video moof twice after a seek). The segment's
            // first fragment carries its random access point: from there, audio and video start together.
            long start = primaryStart >= 0 ? primaryStart : otherStart == Long.MAX_VALUE ? -1 : otherStart;
            fragments.add(new long[] {m.length + mdat.size(), start, randomAccess && i == 0 ? 1 : 0});
        }
        out.append(parts);
        ends.forEach((id, end) -> trackEnds.merge(id, end, Math::max));
    }

    private Track track(int id) throws IOException {
        Track t = init.tracks().get(id);
        if (t == null) {
            throw new IOException("fragment for track " + id + ", which the moov does not declare");
        }
        return t;
    }

    /** {track id, tfdt time field offset (-1: none), tfdt version, time, sum of sample durations}. */
    private long[] traf(byte[] m, Boxes.Box traf) throws IOException {
        Boxes.Box tfhd = Boxes.child(m, traf, Boxes.TFHD);
        if (tfhd == null) {
            throw new IOException("traf without tfhd");
        }
        int d = tfhd.dataStart();
        long flags = Buf.u32(m, d) & 0xFFFFFF;
        int id = (int) Buf.u32(m, d + 4);
        if ((flags & 0x1) != 0) {
            // An absolute offset into the publisher's own output: it would point elsewhere in this file.
            throw new IOException("MP4 fragments with base-data-offset-present are not supported");
        }
        Track track = track(id);
        int p = d + 8;
        if ((flags & 0x2) != 0) {
            p += 4;
        }
        long defaultDuration = (flags & 0x8) != 0 ? Buf.u32(m, p) : track.defaultDuration();
        long total = 0;
        int tfdtAt = -1;
        int version = 0;
        long time = 0;
        for (int q = traf.dataStart(); q < traf.end(); ) {
            Boxes.Box c = Boxes.box(m, q, (int) traf.end());
            if (c == null || c.end() > traf.end()) {
                throw new IOException("malformed traf");
            }
            int cd = c.dataStart();
            if (c.type() == Boxes.TFDT) {
                version = m[cd];
                tfdtAt = cd + 4;
                time = version == 1 ? Buf.u64(m, tfdtAt) : Buf.u32(m, tfdtAt);
            } else if (c.type() == Boxes.TRUN) {
                total += trunDuration(m, c, defaultDuration);
            }
            q = (int) c.end();
        }
        return new long[] {id, tfdtAt, version, time, total};
    }

    private static long trunDuration(byte[] m, Boxes.Box trun, long defaultDuration) throws IOException {
        int d = trun.dataStart();
        long flags = Buf.u32(m, d) & 0xFFFFFF;
        long count = Buf.u32(m, d + 4);
        int p = d + 8 + ((flags & 0x1) != 0 ? 4 : 0) + ((flags & 0x4) != 0 ? 4 : 0);
        if ((flags & 0x100) == 0) {
            return count * defaultDuration;
        }
        int perSample = Long.bitCount(flags & 0xF00) * 4;
        if (p + count * perSample > trun.end()) {
            throw new IOException("trun shorter than its samples");
        }
        long total = 0;
        for (long i = 0; i < count; i++, p += perSample) {
            total += Buf.u32(m, p);
        }
        return total;
    }

    @Override
    public boolean finish() throws IOException {
        if (fragments.isEmpty()) {
            out.delete();
            return false;
        }
        if (fragments.size() <= indexCapacity) {
            out.patch(indexAt, sidx());
        }
        long movieDuration = Math.round(mediaMillis() / 1000.0 * init.movieTimescale());
        out.patch(init.mehdDurationAt(), u64(movieDuration));
        out.patch(init.mvhdDurationAt(), field(movieDuration, init.mvhdDurationBytes()));
        for (Track t : init.tracks().values()) {
            Long end = trackEnds.get(t.id());
            if (end != null) {
                long d = Math.round(end / (double) t.timescale() * init.movieTimescale());
                out.patch(t.tkhdDurationAt(), field(d, t.tkhdDurationBytes()));
            }
        }
        out.closeAndSync();
        return true;
    }

    /** The sidx for the primary track and a free box after it, exactly filling the reserved space. */
    private byte[] sidx() {
        Track primary = init.tracks().get(init.primaryTrack());
        int n = fragments.size();
        long[] starts = new long[n];
        long last = 0;
        for (int i = 0; i < n; i++) {
            long s = fragments.get(i)[1];
            starts[i] = s >= 0 ? Math.max(s, last) : last;
            last = starts[i];
        }
        long end = Math.max(last, trackEnds.getOrDefault(primary.id(), last));
        int sidxSize = SIDX_FIXED + SIDX_ENTRY * n;
        int freeSize = indexBytes - sidxSize;
        Buf b = new Buf(indexBytes);
        b.u32(sidxSize).u32(Boxes.SIDX).u32(0x01000000L).u32(primary.id()).u32(primary.timescale())
                .u64(starts[0]).u64(freeSize).u16(0).u16(n);
        for (int i = 0; i < n; i++) {
            long[] f = fragments.get(i);
            long duration = (i + 1 < n ? starts[i + 1] : end) - starts[i];
            b.u32(f[0] & 0x7FFFFFFFL).u32(Math.min(0xFFFFFFFFL, duration))
                    .u32(f[2] == 1 ? 0x90000000L : 0);
        }
        b.u32(freeSize).u32(Boxes.FREE).zeros(freeSize - 8);
        return b.toArray();
    }

    private static byte[] u64(long v) {
        byte[] b = new byte[8];
        Buf.putU64(b, 0, v);
        return b;
    }

    private static byte[] field(long v, int bytes) {
        if (bytes == 8) {
            return u64(v);
        }
        byte[] b = new byte[4];
        Buf.putU32(b, 0, Math.min(0xFFFFFFFFL, v));
        return b;
    }
}
