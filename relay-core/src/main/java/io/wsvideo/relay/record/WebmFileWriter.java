package io.wsvideo.relay.record;

import io.wsvideo.relay.media.StreamInfo;
import io.wsvideo.relay.media.TrackInfo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a WebM/Matroska file that is seekable once closed and playable up to its last Cluster if it never is:
 *
 * <pre>
 * EBML header (the publisher's)
 * Segment, size unknown until close (then patched)
 *   SeekHead -> Info, Tracks (a Void holds room for the Cues entry, filled at close)
 *   Info (the publisher's, with a Void holding room for Duration, filled at close)
 *   Tracks (the publisher's)
 *   Cluster, Cluster, ...   each with its size (MediaRecorder writes them with unknown size), timestamps
 *                           rebased so the file starts at 0
 *   Cues (one CuePoint per keyframe Cluster of the primary track, naming every track), appended at close
 * </pre>
 *
 * A Cluster is written whole, in one write, once the next one starts (or the stream ends), so a killed
 * process leaves only whole Clusters behind.
 */
final class WebmFileWriter implements FormatWriter {

    /** SeekHead with three Seek entries (Info, Tracks, Cues) of 21 bytes each: 4 + 1 + 63. */
    private static final int SEEK_HEAD_BYTES = 68;
    /** Duration: ID (2) + size (1) + 64-bit float (8). */
    private static final int DURATION_BYTES = 11;
    /** CueTrackPositions per CuePoint at most: keeps a CuePoint within a one-byte size (126). */
    private static final int MAX_CUE_TRACKS = 4;

    /** Audio-only streams have a "keyframe" in every Cluster (~120 ms): one cue per this much is plenty. */
    private static final long AUDIO_CUE_SPACING_MILLIS = 500;

    /**
     * What the publisher's init segment holds, parsed once per stream and shared by its files. {@code cueTracks}:
     * the primary track, then the other audio and video tracks, each given a CueTrackPositions in every CuePoint.
     */
    record Init(byte[] ebmlHeader, byte[] infoChildren, byte[] tracks, long timestampScale, int primaryTrack,
                boolean primaryIsVideo, String docType, int[] cueTracks) {

        static Init parse(byte[] b, int len, StreamInfo info) throws IOException {
            Ebml.Header ebml = Ebml.header(b, 0, len);
            if (ebml == null || ebml.id() != Ebml.EBML || ebml.unknownSize()) {
                throw new IOException("init segment does not start with an EBML header");
            }
            int ebmlEnd = (int) (ebml.length() + ebml.size());
            String docType = "webm";
            for (int p = ebml.length(); p < ebmlEnd; ) {
                Ebml.Header c = Ebml.header(b, p, ebmlEnd);
                if (c == null || c.unknownSize()) {
                    break;
                }
                if (c.id() == Ebml.DOC_TYPE) {
                    docType = new String(b, p + c.length(), (int) c.size(), StandardCharsets.US_ASCII).trim();
                }
                p += c.length() + (int) c.size();
            }
            Ebml.Header segment = Ebml.header(b, ebmlEnd, len);
            if (segment == null || segment.id() != Ebml.SEGMENT) {
                throw new IOException("no Segment after the EBML header");
            }
            byte[] infoChildren = null;
            byte[] tracks = null;
            long scale = Ebml.DEFAULT_TIMESTAMP_SCALE;
            for (int p = ebmlEnd + segment.length(); p < len; ) {
                Ebml.Header c = Ebml.header(b, p, len);
                if (c == null || c.unknownSize() || p + c.length() + c.size() > len) {
                    break;
                }
                int data = p + c.length();
                int end = (int) (data + c.size());
                if (c.id() == Ebml.INFO) {
                    Buf kept = new Buf((int) c.size());
                    for (int q = data; q < end; ) {
                        Ebml.Header e = Ebml.header(b, q, end);
                        if (e == null || e.unknownSize() || q + e.length() + e.size() > end) {
                            break;
                        }
                        int next = (int) (q + e.length() + e.size());
                        if (e.id() == Ebml.TIMESTAMP_SCALE) {
                            scale = Buf.uint(b, q + e.length(), (int) Math.min(8, e.size()));
                        }
                        if (e.id() != Ebml.DURATION && e.id() != Ebml.VOID && e.id() != Ebml.CRC_32) {
                            kept.put(b, q, next - q);
                        }
                        q = next;
                    }
                    infoChildren = kept.toArray();
                } else if (c.id() == Ebml.TRACKS) {
                    tracks = java.util.Arrays.copyOfRange(b, p, end);
                }
                p = end;
            }
            if (infoChildren == null || tracks == null) {
                throw new IOException("init segment lacks Info or Tracks");
            }
            if (scale <= 0) {
                throw new IOException("bad TimestampScale " + scale);
            }
            TrackInfo primary = null;
            for (TrackInfo t : info.tracks()) {
                if (t.kind() == TrackInfo.Kind.VIDEO) {
                    primary = t;
                    break;
                }
                if (t.kind() == TrackInfo.Kind.AUDIO && primary == null) {
                    primary = t;
                }
            }
            if (primary == null) {
                throw new IOException("stream has no audio or video track");
            }
            // Cues for the audio track too: Chromium's demuxer seeks on the audio track when its start time is the
            // earliest, as with Firefox's Opus (a CodecDelay makes it negative), and fails to open a file whose
            // Cues name only the video track ("demuxer seek failed").
            int[] cueTracks = java.util.stream.IntStream.concat(java.util.stream.IntStream.of(primary.number()),
                    info.tracks().stream().filter(t -> t.kind() == TrackInfo.Kind.VIDEO
                            || t.kind() == TrackInfo.Kind.AUDIO).mapToInt(TrackInfo::number)).distinct()
                    .limit(MAX_CUE_TRACKS).toArray();
            return new Init(java.util.Arrays.copyOf(b, ebmlEnd), infoChildren, tracks, scale, primary.number(),
                    primary.kind() == TrackInfo.Kind.VIDEO, docType, cueTracks);
        }

        String extension() {
            return "webm".equals(docType) ? "webm" : "mkv";
        }
    }

    private final FileTarget out;
    private final Init init;
    private final long segmentSizeAt;
    private final long segmentDataStart;
    private final long seekHeadAt;
    private final long infoPosition;
    private final long tracksPosition;
    private final long durationAt;

    /** Source timestamp (ticks) of the file's first Cluster; every written timestamp is relative to it. */
    private long base = -1;
    /** Per track number: {last block timestamp, gap to the one before}, in source ticks. */
    private final Map<Integer, long[]> lastBlock = new HashMap<>();
    private long endTicks;
    /** {time in file ticks, Cluster position in the Segment} per cue. */
    private final List<long[]> cues = new ArrayList<>();
    private int clusters;

    WebmFileWriter(FileTarget out, Init init) throws IOException {
        this.out = out;
        this.init = init;
        Buf h = new Buf(512);
        h.put(init.ebmlHeader());
        Ebml.id(h, Ebml.SEGMENT);
        segmentSizeAt = h.length();
        Ebml.size8(h, Ebml.UNKNOWN);
        segmentDataStart = h.length();
        seekHeadAt = h.length();
        infoPosition = SEEK_HEAD_BYTES;
        int infoSize = init.infoChildren().length + DURATION_BYTES;
        tracksPosition = infoPosition + 4 + 8 + infoSize;
        seekHead(h, -1);
        Ebml.id(h, Ebml.INFO);
        Ebml.size8(h, infoSize);
        h.put(init.infoChildren());
        durationAt = h.length();
        Ebml.voidElement(h, DURATION_BYTES);
        h.put(init.tracks());
        out.append(h.wrap());
    }

    private void seekHead(Buf h, long cuesPosition) {
        int entries = cuesPosition < 0 ? 2 : 3;
        Ebml.id(h, Ebml.SEEK_HEAD);
        Ebml.size1(h, 21 * entries);
        seek(h, Ebml.INFO, infoPosition);
        seek(h, Ebml.TRACKS, tracksPosition);
        if (cuesPosition >= 0) {
            seek(h, Ebml.CUES, cuesPosition);
        } else {
            Ebml.voidElement(h, 21);
        }
    }

    private static void seek(Buf h, int id, long position) {
        Ebml.id(h, Ebml.SEEK);
        Ebml.size1(h, 18);
        Ebml.id(h, Ebml.SEEK_ID);
        Ebml.size1(h, 4);
        h.u32(id);
        Ebml.uint8(h, Ebml.SEEK_POSITION, position);
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
        return base < 0 ? 0 : ticksToMillis(endTicks - base);
    }

    private long ticksToMillis(long ticks) {
        return Math.round(ticks * (init.timestampScale() / 1_000_000.0));
    }

    @Override
    public void segment(byte[] b, int from, int to, boolean randomAccess) throws IOException {
        Ebml.Header h = Ebml.header(b, from, to);
        if (h == null || h.id() != Ebml.CLUSTER) {
            return;
        }
        int bodyStart = from + h.length();
        int bodyEnd = h.unknownSize() ? to : (int) Math.min(to, bodyStart + h.size());
        long timestamp = -1;
        long keyTime = -1;
        List<int[]> kept = new ArrayList<>();
        int keptBytes = 0;
        List<long[]> blocks = new ArrayList<>();
        for (int p = bodyStart; p < bodyEnd; ) {
            Ebml.Header c = Ebml.header(b, p, bodyEnd);
            if (c == null || c.unknownSize() || !Ebml.clusterChild(c.id()) || p + c.length() + c.size() > bodyEnd) {
                break; // the end of this Cluster: the next element, or bytes not complete (the stream stopped)
            }
            int data = p + c.length();
            int next = (int) (data + c.size());
            switch (c.id()) {
                case Ebml.TIMESTAMP -> timestamp = Buf.uint(b, data, (int) Math.min(8, c.size()));
                // Positions change in the new file, and the checksum would no longer match.
                case Ebml.POSITION, Ebml.PREV_SIZE, Ebml.CRC_32, Ebml.VOID -> {
                }
                default -> {
                    if (timestamp < 0) {
                        return; // blocks before the Timestamp: not a Cluster anyone can place
                    }
                    long[] block = block(b, c.id(), data, next);
                    if (block != null) {
                        int track = (int) block[0];
                        long time = timestamp + block[1];
                        if (keyTime < 0 && track == init.primaryTrack()) {
                            keyTime = time;
                        }
                        blocks.add(new long[] {track, time, block[2]});
                    }
                    kept.add(new int[] {p, next});
                    keptBytes += next - p;
                }
            }
            p = next;
        }
        if (timestamp < 0 || kept.isEmpty()) {
            return;
        }
        if (base < 0) {
            base = timestamp;
        }
        long position = out.size() - segmentDataStart;
        Buf header = new Buf(32);
        Ebml.id(header, Ebml.CLUSTER);
        Ebml.size8(header, 10 + keptBytes);
        Ebml.uint8(header, Ebml.TIMESTAMP, Math.max(0, timestamp - base));
        ByteBuffer[] parts = new ByteBuffer[kept.size() + 1];
        parts[0] = header.wrap();
        for (int i = 0; i < kept.size(); i++) {
            int[] r = kept.get(i);
            parts[i + 1] = ByteBuffer.wrap(b, r[0], r[1] - r[0]);
        }
        out.append(parts);
        clusters++;
        for (long[] block : blocks) {
            // A block lasts until the track's next one; the last one as long as the one before it.
            int track = (int) block[0];
            long time = block[1];
            long[] was = lastBlock.get(track);
            long gap = block[2] > 0 ? block[2] : was == null ? 0 : time - was[0];
            if (gap <= 0) {
                gap = was == null ? 0 : was[1];
            }
            lastBlock.put(track, new long[] {time, gap});
            endTicks = Math.max(endTicks, time + gap);
        }
        if (randomAccess) {
            long cueTime = Math.max(0, (keyTime >= 0 ? keyTime : timestamp) - base);
            long spacing = init.primaryIsVideo() ? 0 : AUDIO_CUE_SPACING_MILLIS * 1_000_000 / init.timestampScale();
            if (cues.isEmpty() || cueTime - cues.get(cues.size() - 1)[0] >= spacing) {
                cues.add(new long[] {cueTime, position});
            }
        }
    }

    /**
     * A SimpleBlock's or BlockGroup's {track, relative timestamp, duration (0: unknown)}, or null for anything
     * else (or a block too short to read).
     */
    private static long[] block(byte[] b, int id, int data, int end) {
        int at = data;
        int blockEnd = end;
        long duration = 0;
        if (id == Ebml.BLOCK_GROUP) {
            at = -1;
            for (int q = data; q < end; ) {
                Ebml.Header g = Ebml.header(b, q, end);
                if (g == null || g.unknownSize() || q + g.length() + g.size() > end) {
                    break;
                }
                int gData = q + g.length();
                if (g.id() == Ebml.BLOCK) {
                    at = gData;
                    blockEnd = (int) (gData + g.size());
                } else if (g.id() == Ebml.BLOCK_DURATION) {
                    duration = Buf.uint(b, gData, (int) Math.min(8, g.size()));
                }
                q = (int) (gData + g.size());
            }
            if (at < 0) {
                return null;
            }
        } else if (id != Ebml.SIMPLE_BLOCK) {
            return null;
        }
        long track = Ebml.varint(b, at, blockEnd);
        if (track < 0) {
            return null;
        }
        int t = at + Ebml.varintLength(b[at] & 0xFF);
        if (t + 2 > blockEnd) {
            return null;
        }
        short relative = (short) ((b[t] & 0xFF) << 8 | (b[t + 1] & 0xFF));
        return new long[] {track, relative, duration};
    }

    @Override
    public boolean finish() throws IOException {
        if (clusters == 0) {
            out.delete();
            return false;
        }
        long cuesPosition = out.size() - segmentDataStart;
        Buf points = new Buf(cues.size() * 24);
        for (long[] cue : cues) {
            Buf point = new Buf(16 + 24 * init.cueTracks().length);
            Ebml.uint(point, Ebml.CUE_TIME, cue[0]);
            for (int number : init.cueTracks()) {
                Buf track = new Buf(24);
                Ebml.uint(track, Ebml.CUE_TRACK, number);
                Ebml.uint(track, Ebml.CUE_CLUSTER_POSITION, cue[1]);
                Ebml.id(point, Ebml.CUE_TRACK_POSITIONS);
                Ebml.size1(point, track.length());
                point.put(track.array(), 0, track.length());
            }
            Ebml.id(points, Ebml.CUE_POINT);
            Ebml.size1(points, point.length());
            points.put(point.array(), 0, point.length());
        }
        Buf cuesElement = new Buf(points.length() + 12);
        Ebml.id(cuesElement, Ebml.CUES);
        Ebml.size8(cuesElement, points.length());
        cuesElement.put(points.array(), 0, points.length());
        out.append(cuesElement.wrap());

        Buf seekHead = new Buf(SEEK_HEAD_BYTES);
        seekHead(seekHead, cuesPosition);
        out.patch(seekHeadAt, seekHead.toArray());
        Buf duration = new Buf(DURATION_BYTES);
        Ebml.float64(duration, Ebml.DURATION, Math.max(0, endTicks - base));
        out.patch(durationAt, duration.toArray());
        out.patch(segmentSizeAt, Ebml.size8(out.size() - segmentDataStart));
        out.closeAndSync();
        return true;
    }
}
