package io.wsvideo.relay.media.internal;

import static io.wsvideo.relay.media.internal.Malformed.fourcc;
import static io.wsvideo.relay.media.internal.Malformed.invalid;
import static io.wsvideo.relay.media.internal.Mp4Box.*;

import io.wsvideo.relay.media.MalformedStreamException;
import io.wsvideo.relay.media.SegmentListener;
import io.wsvideo.relay.media.SegmenterLimits;
import io.wsvideo.relay.media.StreamInfo;
import io.wsvideo.relay.media.TrackInfo;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Push parser for fragmented MP4 (ISO/IEC 14496-12) as MediaRecorder writes it: {@code ftyp moov} then
 * {@code moof mdat} pairs.
 *
 * <p>Top-level box headers are read a byte at a time. {@code moov} and {@code moof} are small and need random
 * access, so they are held whole (bounded by {@link SegmenterLimits#maxInitSegmentBytes()}) and parsed once
 * complete; {@code mdat} and everything else is streamed over without being held.
 */
public final class Mp4Segmenter implements ContainerParser {

    // Sample flags (8.8.3.1).
    static final int SAMPLE_IS_NON_SYNC_SAMPLE = 0x00010000;
    static final int SAMPLE_DEPENDS_ON_SHIFT = 24;
    /** sample_depends_on value: the sample does not depend on others (an I picture). */
    static final int SAMPLE_DEPENDS_ON_NONE = 2;

    /**
     * Most samples one moof may declare, and most frames that may wait for their data. A trun without
     * per-sample fields declares any number in 8 bytes; each is a frame to keep until its bytes arrive.
     * MediaRecorder writes a few dozen per fragment; 60 fps video with 48 kHz AAC in 10 s fragments, about
     * 1,100.
     */
    static final int MAX_FRAGMENT_SAMPLES = 1 << 14;

    /** Bytes of VisualSampleEntry and AudioSampleEntry (version 0) fields before their child boxes. */
    static final int VISUAL_SAMPLE_ENTRY_SIZE = 78;
    static final int AUDIO_SAMPLE_ENTRY_SIZE = 28;

    private enum State {
        HEADER, BUFFER, SKIP, SKIP_TO_END
    }

    private final SegmenterLimits limits;
    private final SegmentListener listener;

    private State state = State.HEADER;
    /** Absolute stream offset of the next byte to be consumed. */
    private long pos;

    // The top-level box header being read.
    private final Mp4Box.Header header = new Mp4Box.Header();
    private long boxStart;
    private int boxType;

    private long remaining;
    private byte[] box;
    private int boxLength;

    private final Map<Integer, Track> tracksById = new LinkedHashMap<>();
    /** Frames described by moofs whose data has not all arrived yet. */
    private final PendingFrames pending = new PendingFrames();
    /** Samples declared so far by the moof being parsed. */
    private int fragmentSamples;
    private StreamInfo moovInfo;
    private StreamInfo info;
    private int primaryTrack = -1;
    /**
     * Start of the moofs without the primary track since the last moof with it, or -1. WebKit writes one
     * moof per track, audio first: a keyframe's access point is the audio moof before its video moof.
     */
    private long primaryLessSince = -1;

    public Mp4Segmenter(SegmenterLimits limits, SegmentListener listener) {
        this.limits = limits;
        this.listener = listener;
    }

    @Override
    public StreamInfo info() {
        return info;
    }

    @Override
    public long framesFrom() {
        // A moof being read may describe data inside itself; frames waiting for data lie where they lie.
        long from = state == State.BUFFER || state == State.HEADER && header.started() ? boxStart : pos;
        return Math.min(from, pending.lowestOffset());
    }

    @Override
    public void feed(ByteBuffer buf, int from, int to) throws MalformedStreamException {
        int i = from;
        while (i < to) {
            switch (state) {
                case HEADER -> {
                    if (!header.started()) {
                        boxStart = pos;
                    }
                    pos++;
                    pending.reportComplete(pos, listener);
                    if (header.add(buf.get(i++))) {
                        boxType = header.type();
                        onHeader();
                    }
                }
                case BUFFER -> {
                    int n = (int) Math.min(Math.min(remaining, to - i), untilNextFrameEnd());
                    buf.get(i, box, boxLength, n);
                    boxLength += n;
                    i += n;
                    pos += n;
                    remaining -= n;
                    pending.reportComplete(pos, listener);
                    if (remaining == 0) {
                        byte[] whole = box;
                        box = null;
                        nextBox();
                        if (boxType == MOOV) {
                            parseMoov(whole);
                        } else {
                            parseMoof(whole, pos - whole.length);
                            pending.reportComplete(pos, listener);
                        }
                    }
                }
                case SKIP -> {
                    int n = (int) Math.min(Math.min(remaining, to - i), untilNextFrameEnd());
                    i += n;
                    pos += n;
                    remaining -= n;
                    pending.reportComplete(pos, listener);
                    if (remaining == 0) {
                        nextBox();
                    }
                }
                case SKIP_TO_END -> {
                    int n = (int) Math.min(to - i, untilNextFrameEnd());
                    pos += n;
                    i += n;
                    pending.reportComplete(pos, listener);
                }
                default -> throw new IllegalStateException(state.name());
            }
        }
    }

    /**
     * Bytes to the end of the first frame still waiting for its data (at least 1): bulk states stop there, so
     * it is reported at the same stream position however the stream was cut.
     */
    private long untilNextFrameEnd() {
        return Math.max(1, pending.nextEnd() - pos);
    }

    private void nextBox() {
        state = State.HEADER;
        header.reset();
    }

    private void onHeader() throws MalformedStreamException {
        boolean toEnd = header.toEnd();
        long size = header.size();
        int headerLength = header.length();
        String name = fourcc(boxType);
        if (size < 0) {
            throw invalid("box '%s' at offset %d declares a size over 2^63", name, boxStart);
        }
        if (!toEnd && size < headerLength) {
            throw invalid("box '%s' at offset %d is smaller than its header", name, boxStart);
        }
        if (!toEnd && size > limits.maxElementBytes()) {
            throw invalid("box '%s' at offset %d declares %d bytes, over the limit of %d", name, boxStart, size,
                    limits.maxElementBytes());
        }
        boolean hold;
        if (boxType == MOOF) {
            if (info == null) {
                completeInit();
            }
            if (toEnd) {
                throw invalid("moof at offset %d runs to the end of the stream", boxStart);
            }
            if (size > limits.maxInitSegmentBytes()) {
                throw invalid("moof at offset %d is %d bytes, over the limit of %d", boxStart, size,
                        limits.maxInitSegmentBytes());
            }
            hold = true;
        } else if (info == null) {
            if (toEnd || boxStart + size > limits.maxInitSegmentBytes()) {
                throw invalid("init segment is over the limit of %d bytes", limits.maxInitSegmentBytes());
            }
            hold = boxType == MOOV && moovInfo == null;
        } else {
            if (toEnd && boxType != MDAT) {
                throw invalid("box '%s' at offset %d runs to the end of the stream; only mdat may", name, boxStart);
            }
            hold = false;
        }
        if (toEnd) {
            state = State.SKIP_TO_END;
            return;
        }
        remaining = size - headerLength;
        if (hold) {
            box = new byte[(int) size];
            header.copyTo(box);
            boxLength = headerLength;
        }
        if (remaining == 0) {
            byte[] whole = box;
            box = null;
            nextBox();
            if (hold && boxType == MOOV) {
                parseMoov(whole);
            } else if (hold) {
                parseMoof(whole, boxStart);
                pending.reportComplete(pos, listener);
            }
        } else {
            state = hold ? State.BUFFER : State.SKIP;
        }
    }

    private void completeInit() throws MalformedStreamException {
        if (moovInfo == null) {
            throw invalid("moof at offset %d comes before any moov", boxStart);
        }
        if (boxStart > limits.maxInitSegmentBytes()) {
            throw invalid("init segment is over the limit of %d bytes", limits.maxInitSegmentBytes());
        }
        info = moovInfo;
        listener.onInitSegment(boxStart, info);
    }

    // ---- moov ----

    private void parseMoov(byte[] held) throws MalformedStreamException {
        ByteBuffer b = ByteBuffer.wrap(held);
        Map<Integer, int[]> trex = new HashMap<>(); // track_ID -> {duration, size, flags}
        List<Track> parsed = new ArrayList<>();
        children(b, payload(b, 0), b.capacity(), 2, (type, payload, end, depth) -> {
            if (type == TRAK) {
                if (parsed.size() == SegmenterLimits.MAX_TRACKS) {
                    throw invalid("more than %d tracks", SegmenterLimits.MAX_TRACKS);
                }
                parsed.add(parseTrak(b, payload, end, depth));
            } else if (type == MVEX) {
                children(b, payload, end, depth + 1, (t, p, e, d) -> {
                    if (t == TREX) {
                        need(b, p, e, 24, t);
                        trex.put(i32(b, p + 4), new int[] {i32(b, p + 12), i32(b, p + 16), i32(b, p + 20)});
                    }
                });
            }
        });
        List<TrackInfo> infos = new ArrayList<>();
        for (Track t : parsed) {
            if (tracksById.containsKey(t.id)) {
                throw invalid("moov declares track %d twice", t.id);
            }
            int[] defaults = trex.get(t.id);
            if (defaults != null) {
                t.trexDuration = defaults[0];
                t.trexSize = defaults[1];
                t.trexFlags = defaults[2];
                t.hasTrex = true;
            }
            tracksById.put(t.id, t);
            infos.add(t.info);
        }
        for (TrackInfo.Kind kind : new TrackInfo.Kind[] {TrackInfo.Kind.VIDEO, TrackInfo.Kind.AUDIO}) {
            for (TrackInfo t : infos) {
                if (primaryTrack < 0 && t.kind() == kind) {
                    primaryTrack = t.number();
                }
            }
        }
        moovInfo = StreamInfo.of(StreamInfo.Container.MP4, infos);
    }

    private Track parseTrak(ByteBuffer b, int payload, int end, int depth) throws MalformedStreamException {
        Track t = new Track();
        int[] handler = {0};
        int[] entry = {0, -1, -1, 0}; // type, payload, end, depth of the first sample entry
        children(b, payload, end, depth + 1, (type, p, e, d) -> {
            if (type == TKHD) {
                int version = need(b, p, e, 4, type);
                int at = p + (version == 1 ? 20 : 12);
                need(b, at, e, 4, type);
                t.id = i32(b, at);
            } else if (type == MDIA) {
                children(b, p, e, d + 1, (t2, p2, e2, d2) -> {
                    if (t2 == MDHD) {
                        int version = need(b, p2, e2, 4, t2);
                        int at = p2 + (version == 1 ? 20 : 12);
                        need(b, at, e2, 4, t2);
                        t.timescale = u32(b, at);
                    } else if (t2 == HDLR) {
                        need(b, p2, e2, 12, t2);
                        handler[0] = i32(b, p2 + 8);
                    } else if (t2 == MINF) {
                        children(b, p2, e2, d2 + 1, (t3, p3, e3, d3) -> {
                            if (t3 == STBL) {
                                children(b, p3, e3, d3 + 1, (t4, p4, e4, d4) -> {
                                    if (t4 == STSD && entry[1] < 0) {
                                        need(b, p4, e4, 8, t4);
                                        if (u32(b, p4 + 4) > 0) {
                                            children(b, p4 + 8, e4, d4 + 1, (t5, p5, e5, d5) -> {
                                                if (entry[1] < 0) {
                                                    entry[0] = t5;
                                                    entry[1] = p5;
                                                    entry[2] = e5;
                                                    entry[3] = d5;
                                                }
                                            });
                                        }
                                    }
                                });
                            }
                        });
                    }
                });
            }
        });
        if (t.id <= 0) {
            throw invalid("trak without a valid tkhd track_ID");
        }
        TrackInfo.Kind kind = handler[0] == VIDE ? TrackInfo.Kind.VIDEO
                : handler[0] == SOUN ? TrackInfo.Kind.AUDIO : TrackInfo.Kind.OTHER;
        String codecId = entry[1] < 0 ? null : fourcc(entry[0]);
        SampleEntry codec = new SampleEntry();
        int width = 0;
        int height = 0;
        int sampleRate = 0;
        int channels = 0;
        if (entry[1] >= 0 && kind != TrackInfo.Kind.OTHER) {
            int p = entry[1];
            int e = entry[2];
            int boxesFrom;
            if (kind == TrackInfo.Kind.VIDEO) {
                need(b, p, e, VISUAL_SAMPLE_ENTRY_SIZE, entry[0]);
                width = u16(b, p + 24);
                height = u16(b, p + 26);
                boxesFrom = p + VISUAL_SAMPLE_ENTRY_SIZE;
            } else {
                need(b, p, e, AUDIO_SAMPLE_ENTRY_SIZE, entry[0]);
                // QuickTime sound sample description versions 1 and 2 insert more fields before the boxes.
                int version = u16(b, p + 8);
                boxesFrom = p + AUDIO_SAMPLE_ENTRY_SIZE + (version == 1 ? 16 : version == 2 ? 36 : 0);
                need(b, p, e, boxesFrom - p, entry[0]);
                channels = u16(b, p + 16);
                sampleRate = version == 2 ? 0 : (int) (u32(b, p + 24) >>> 16); // 16.16 fixed point
            }
            codec = sampleEntry(b, entry[0], boxesFrom, e, entry[3]);
        }
        t.info = new TrackInfo(t.id, kind, codecId, codec.codec, width, height, codec.codec, sampleRate, channels,
                codec.description);
        return t;
    }

    /** What a sample entry's configuration box says: the codec string and WebCodecs' description. */
    private static final class SampleEntry {
        String codec;
        byte[] description;
    }

    private SampleEntry sampleEntry(ByteBuffer b, int entryType, int from, int to, int depth)
            throws MalformedStreamException {
        SampleEntry found = new SampleEntry();
        if (entryType == OPUS) {
            found.codec = "opus";
        } else if (entryType == MP4A) {
            found.codec = CodecStrings.aac(0x40, null);
        }
        children(b, from, to, depth + 1, (type, p, e, d) -> {
            if (found.description != null || found.codec != null && entryType != OPUS && entryType != MP4A) {
                return;
            }
            if ((entryType == AVC1 || entryType == AVC3) && type == AVCC) {
                found.codec = CodecStrings.avc(fourcc(entryType), bytes(b, p, e), 0, e - p);
                found.description = found.codec != null ? bytes(b, p, e) : null;
            } else if (entryType == VP09 && type == VPCC) {
                // After the FullBox version and flags.
                found.codec = p + 4 > e ? null : CodecStrings.vpcC(bytes(b, p + 4, e), 0, e - p - 4);
            } else if (entryType == AV01 && type == AV1C) {
                found.codec = CodecStrings.av1(bytes(b, p, e), 0, e - p);
            } else if (entryType == OPUS && type == DOPS) {
                found.description = CodecStrings.opusHead(bytes(b, p, e));
            } else if (entryType == MP4A && type == ESDS && e - p > 4) {
                Esds esds = Esds.parse(b, p + 4, e); // after the FullBox version and flags
                if (esds != null) {
                    found.codec = CodecStrings.aac(esds.objectTypeIndication(), esds.decoderSpecificInfo());
                    found.description = esds.decoderSpecificInfo();
                }
            }
        });
        return found;
    }

    // ---- moof ----

    private void parseMoof(byte[] held, long moofOffset) throws MalformedStreamException {
        ByteBuffer b = ByteBuffer.wrap(held);
        fragmentSamples = 0;
        List<Fragment> fragments = new ArrayList<>();
        children(b, payload(b, 0), b.capacity(), 2, (type, payload, end, depth) -> {
            if (type == TRAF) {
                fragments.add(parseTraf(b, payload, end, depth));
            }
        });

        long segmentMillis = -1;
        for (Fragment f : fragments) {
            if (f.decodeTime >= 0 && (segmentMillis < 0 || f.track.id == primaryTrack)) {
                segmentMillis = millis(f.decodeTime, f.track.timescale);
                if (f.track.id == primaryTrack) {
                    break;
                }
            }
        }
        listener.onSegmentStart(moofOffset, segmentMillis);

        boolean hasPrimary = false;
        for (Fragment f : fragments) {
            if (f.track.id == primaryTrack && !f.runs.isEmpty()) {
                hasPrimary = true;
                if (f.runs.get(0).sync) {
                    // Start with the other tracks' moofs just before, which cover the same time: from the
                    // video moof alone, a viewer gets video a fragment (~1 s) before audio, and WebKit's
                    // MediaSource then stalls or hangs (docs/browsers.md).
                    listener.onRandomAccessPoint(primaryLessSince >= 0 ? primaryLessSince : moofOffset);
                }
                break;
            }
        }
        primaryLessSince = hasPrimary ? -1 : primaryLessSince >= 0 ? primaryLessSince : moofOffset;

        // Without base_data_offset, a traf's data follows the previous traf's (8.8.7.1).
        long previousDataEnd = moofOffset;
        boolean first = true;
        for (Fragment f : fragments) {
            long base = (f.tfhdFlags & BASE_DATA_OFFSET_PRESENT) != 0 ? f.baseDataOffset
                    : first || (f.tfhdFlags & DEFAULT_BASE_IS_MOOF) != 0 ? moofOffset : previousDataEnd;
            first = false;
            long next = base;
            long time = f.decodeTime;
            // Without tfdt, a fragment's decode time continues where the track's previous one ended.
            long frameTime = f.decodeTime >= 0 ? f.decodeTime : f.track.nextDecodeTime;
            for (Run r : f.runs) {
                long offset = r.hasDataOffset ? base + r.dataOffset : next;
                listener.onBlock(offset, f.track.id, time < 0 ? -1 : millis(time, f.track.timescale), r.sync);
                frameTime = frames(b, f.track, r, moofOffset, offset, frameTime);
                next = r.totalSize < 0 ? offset : offset + r.totalSize;
                time = time < 0 || r.totalDuration < 0 ? -1 : time + r.totalDuration;
            }
            f.track.nextDecodeTime = frameTime;
            previousDataEnd = next;
        }
    }

    /**
     * Queues each sample of a run as a frame, its data laid end to end from {@code offset}, to be reported once
     * its bytes have arrived; returns the decode time after the run. A run whose sample sizes are unknown (no
     * per-sample size, no default) has frames that cannot be found, and reports none.
     */
    private long frames(ByteBuffer b, Track track, Run r, long moofOffset, long offset, long decodeTime)
            throws MalformedStreamException {
        long moofEnd = moofOffset + b.capacity();
        long dts = decodeTime;
        long at = offset;
        int record = r.recordSize;
        for (int s = 0; s < r.count; s++) {
            int q = r.table + s * record;
            long duration = r.perDuration ? u32(b, q) : Math.max(r.defaultDuration, 0);
            q += r.perDuration ? 4 : 0;
            long size = r.perSize ? u32(b, q) : r.defaultSize;
            q += r.perSize ? 4 : 0;
            int flags = s == 0 && r.hasFirstSampleFlags ? r.firstSampleFlags : r.perFlags ? i32(b, q) : r.defaultFlags;
            q += r.perFlags ? 4 : 0;
            // Version 0 offsets are unsigned, version 1 signed (8.8.8.1).
            long cto = !r.perCto ? 0 : r.version == 0 ? u32(b, q) : i32(b, q);
            if (size >= 0) {
                if (size > limits.maxElementBytes()) {
                    throw invalid("sample of %d bytes in the moof at offset %d is over the limit of %d", size,
                            moofOffset, limits.maxElementBytes());
                }
                if (at < moofOffset) {
                    throw invalid("sample data at offset %d lies before its moof at offset %d", at, moofOffset);
                }
                // Sample data lies in an mdat, which is no larger than that either.
                if (at + size - moofEnd > limits.maxElementBytes()) {
                    throw invalid("sample data at offset %d lies too far past its moof at offset %d", at,
                            moofOffset);
                }
                if (pending.size() == MAX_FRAGMENT_SAMPLES) {
                    throw invalid("over %d samples wait for their data", MAX_FRAGMENT_SAMPLES);
                }
                pending.add(track.id, sync(flags), micros(dts + cto, track, moofOffset), at, (int) size);
                at += size;
            }
            dts += duration;
        }
        return dts;
    }

    private static boolean sync(int sampleFlags) {
        int dependsOn = sampleFlags >>> SAMPLE_DEPENDS_ON_SHIFT & 0x3;
        return (sampleFlags & SAMPLE_IS_NON_SYNC_SAMPLE) == 0 || dependsOn == SAMPLE_DEPENDS_ON_NONE;
    }

    /** {@code time} in the track's timescale, in microseconds (rounded down). */
    private static long micros(long time, Track track, long moofOffset) throws MalformedStreamException {
        long timescale = track.timescale;
        if (timescale <= 0) {
            throw invalid("track %d has no timescale, so its samples have no time", track.id);
        }
        try {
            return Math.addExact(Math.multiplyExact(Math.floorDiv(time, timescale), 1_000_000L),
                    Math.floorMod(time, timescale) * 1_000_000L / timescale);
        } catch (ArithmeticException e) {
            throw invalid("sample time %d in the moof at offset %d is out of range", time, moofOffset);
        }
    }

    private Fragment parseTraf(ByteBuffer b, int payload, int end, int depth) throws MalformedStreamException {
        Fragment f = new Fragment();
        children(b, payload, end, depth + 1, (type, p, e, d) -> {
            if (type == TFHD) {
                need(b, p, e, 8, type);
                int flags = i32(b, p) & 0xFFFFFF;
                int trackId = i32(b, p + 4);
                f.track = tracksById.get(trackId);
                if (f.track == null) {
                    throw invalid("moof has a traf for track %d, which moov does not declare", u32(b, p + 4));
                }
                f.tfhdFlags = flags;
                int at = p + 8;
                if ((flags & BASE_DATA_OFFSET_PRESENT) != 0) {
                    need(b, at, e, 8, type);
                    f.baseDataOffset = i64(b, at);
                    at += 8;
                }
                if ((flags & SAMPLE_DESCRIPTION_INDEX_PRESENT) != 0) {
                    at += 4;
                }
                if ((flags & DEFAULT_SAMPLE_DURATION_PRESENT) != 0) {
                    need(b, at, e, 4, type);
                    f.defaultDuration = u32(b, at);
                    at += 4;
                }
                if ((flags & DEFAULT_SAMPLE_SIZE_PRESENT) != 0) {
                    need(b, at, e, 4, type);
                    f.defaultSize = u32(b, at);
                    at += 4;
                }
                if ((flags & DEFAULT_SAMPLE_FLAGS_PRESENT) != 0) {
                    need(b, at, e, 4, type);
                    f.defaultFlags = i32(b, at);
                    f.hasDefaultFlags = true;
                }
            } else if (type == TFDT) {
                int version = need(b, p, e, 8, type);
                if (version == 1) {
                    need(b, p, e, 12, type);
                    f.decodeTime = i64(b, p + 4);
                } else {
                    f.decodeTime = u32(b, p + 4);
                }
            } else if (type == TRUN) {
                if (f.track == null) {
                    throw invalid("trun before tfhd in a moof");
                }
                Run r = parseTrun(b, p, e, f);
                if (r != null) {
                    f.runs.add(r);
                }
            }
        });
        if (f.track == null) {
            throw invalid("traf without a tfhd");
        }
        return f;
    }

    /** Null for a run with no samples: it has nothing to report. */
    private Run parseTrun(ByteBuffer b, int p, int e, Fragment f) throws MalformedStreamException {
        need(b, p, e, 8, TRUN);
        int flags = i32(b, p) & 0xFFFFFF;
        long count = u32(b, p + 4);
        int at = p + 8;
        Run r = new Run();
        if ((flags & DATA_OFFSET_PRESENT) != 0) {
            need(b, at, e, 4, TRUN);
            r.hasDataOffset = true;
            r.dataOffset = i32(b, at);
            at += 4;
        }
        int firstSampleFlags = 0;
        boolean hasFirstSampleFlags = (flags & FIRST_SAMPLE_FLAGS_PRESENT) != 0;
        if (hasFirstSampleFlags) {
            need(b, at, e, 4, TRUN);
            firstSampleFlags = i32(b, at);
            at += 4;
        }
        boolean perDuration = (flags & SAMPLE_DURATION_PRESENT) != 0;
        boolean perSize = (flags & SAMPLE_SIZE_PRESENT) != 0;
        boolean perFlags = (flags & SAMPLE_FLAGS_PRESENT) != 0;
        boolean perCto = (flags & SAMPLE_COMPOSITION_TIME_OFFSETS_PRESENT) != 0;
        int record = 4 * ((perDuration ? 1 : 0) + (perSize ? 1 : 0) + (perFlags ? 1 : 0) + (perCto ? 1 : 0));
        if (count * record > e - at) {
            throw invalid("trun declares %d samples but is too short for them", count);
        }

        if (count == 0) {
            return null;
        }
        if (count > MAX_FRAGMENT_SAMPLES - fragmentSamples) {
            throw invalid("moof declares over %d samples", MAX_FRAGMENT_SAMPLES);
        }
        fragmentSamples += (int) count;
        int defaultFlags = f.hasDefaultFlags ? f.defaultFlags : f.track.hasTrex ? f.track.trexFlags : 0;
        int sampleFlags = defaultFlags;
        if (hasFirstSampleFlags) {
            sampleFlags = firstSampleFlags;
        } else if (perFlags && count > 0) {
            sampleFlags = i32(b, at + (perDuration ? 4 : 0) + (perSize ? 4 : 0));
        }
        r.sync = sync(sampleFlags);

        long defaultDuration = f.defaultDuration >= 0 ? f.defaultDuration : f.track.hasTrex ? f.track.trexDuration
                & 0xFFFFFFFFL : -1;
        long defaultSize = f.defaultSize >= 0 ? f.defaultSize : f.track.hasTrex ? f.track.trexSize & 0xFFFFFFFFL : -1;
        r.version = u8(b, p);
        r.count = (int) count;
        r.table = at;
        r.recordSize = record;
        r.perDuration = perDuration;
        r.perSize = perSize;
        r.perFlags = perFlags;
        r.perCto = perCto;
        r.hasFirstSampleFlags = hasFirstSampleFlags;
        r.firstSampleFlags = firstSampleFlags;
        r.defaultFlags = defaultFlags;
        r.defaultDuration = defaultDuration;
        r.defaultSize = defaultSize;
        long duration = 0;
        long size = 0;
        for (long s = 0; (perDuration || perSize) && s < count; s++) {
            int q = at;
            if (perDuration) {
                duration += u32(b, q);
                q += 4;
            }
            if (perSize) {
                size += u32(b, q);
            }
            at += record;
        }
        r.totalDuration = perDuration ? duration : defaultDuration < 0 ? -1 : defaultDuration * count;
        r.totalSize = perSize ? size : defaultSize < 0 ? -1 : defaultSize * count;
        return r;
    }

    private static long millis(long time, long timescale) {
        if (timescale <= 0 || time < 0) {
            return -1;
        }
        return time < Long.MAX_VALUE / 1000 ? time * 1000 / timescale : time / timescale * 1000;
    }

    // ---- box walking over a held box ----

    @FunctionalInterface
    private interface BoxVisitor {
        void visit(int type, int payload, int end, int depth) throws MalformedStreamException;
    }

    /** Visits the boxes in {@code b[from, to)}; each must fit in that range. */
    private void children(ByteBuffer b, int from, int to, int depth, BoxVisitor visitor)
            throws MalformedStreamException {
        if (depth > limits.maxNestingDepth()) {
            throw invalid("boxes nested deeper than %d levels", limits.maxNestingDepth());
        }
        for (int p = from, end; p < to; p = end) {
            end = end(b, p, to);
            if (end < 0) {
                throw to - p < HEADER_SIZE ? invalid("box header overruns its parent box")
                        : invalid("box '%s' overruns its parent box", fourcc(typeAt(b, p)));
            }
            visitor.visit(typeAt(b, p), payload(b, p), end, depth);
        }
    }

    private static byte[] bytes(ByteBuffer b, int from, int to) {
        byte[] out = new byte[to - from];
        b.get(from, out);
        return out;
    }

    /** Checks that {@code n} bytes are there and returns the first, which is a FullBox's version. */
    private static int need(ByteBuffer b, int at, int end, int n, int type) throws MalformedStreamException {
        if (n > end - at) {
            throw invalid("box '%s' is too short", fourcc(type));
        }
        return u8(b, at);
    }

    /** What a moov says about one track, plus its trex defaults. */
    private static final class Track {
        int id;
        long timescale;
        TrackInfo info;
        boolean hasTrex;
        int trexDuration;
        int trexSize;
        int trexFlags;
        /** Where the next fragment's decode time starts when it has no tfdt. */
        long nextDecodeTime;
    }

    /** One traf. */
    private static final class Fragment {
        Track track;
        int tfhdFlags;
        long baseDataOffset;
        long defaultDuration = -1;
        long defaultSize = -1;
        int defaultFlags;
        boolean hasDefaultFlags;
        long decodeTime = -1;
        final List<Run> runs = new ArrayList<>();
    }

    /** One trun: its totals, and where its sample table lies in the held moof with the defaults it falls back on. */
    private static final class Run {
        boolean hasDataOffset;
        long dataOffset;
        boolean sync;
        long totalDuration;
        long totalSize;
        int version;
        int count;
        int table;
        int recordSize;
        boolean perDuration;
        boolean perSize;
        boolean perFlags;
        boolean perCto;
        boolean hasFirstSampleFlags;
        int firstSampleFlags;
        int defaultFlags;
        long defaultDuration;
        long defaultSize;
    }
}
