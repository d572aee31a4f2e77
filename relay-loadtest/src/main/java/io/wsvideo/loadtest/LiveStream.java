package io.wsvideo.loadtest;

import io.wsvideo.relay.media.internal.WebmAlphaModeFix;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A long live WebM stream at a chosen bitrate, built from a real (short, low-bitrate) MediaRecorder recording
 * so the relay sees real container bytes, in 100 ms chunks like {@code MediaRecorder.start(100)}.
 *
 * <p>How: the recording's init segment (EBML header, Segment of unknown size, Info, Tracks) is kept as is.
 * Its Clusters are replayed in a loop, each written as {@code Cluster(unknown size) Timestamp(4 bytes)} with
 * the timestamp moved on by one loop period per pass, so the stream stays one valid, monotonic Matroska
 * Segment for as long as needed (replaying the file twice would start a second EBML header, which the relay
 * rightly refuses). Every SimpleBlock is kept byte for byte and followed by an EBML {@code Void} element
 * (ID {@code 0xEC}, valid anywhere) sized in proportion to the block, which raises the bitrate to the target
 * while keeping video bursts (keyframes) bursty. Chunks are cut by media time: chunk {@code k} holds every
 * element whose time is before {@code (k + 1) * chunkMillis}, plus the first byte of the next element, as
 * MediaRecorder's Blobs end with the first ID byte of the next element.
 *
 * <p>Every Cluster header is exactly {@value #CLUSTER_HEADER_BYTES} bytes and its timestamp is unique, so a
 * viewer that is resumed at a keyframe Cluster (after joining or a skip) can tell from those bytes alone
 * where in the stream it is: {@link #clusterOffset(long)}.
 */
public final class LiveStream {

    static final int EBML = 0x1A45DFA3;
    static final int SEGMENT = 0x18538067;
    static final int CLUSTER = 0x1F43B675;
    static final int TIMESTAMP = 0xE7;
    static final int SIMPLE_BLOCK = 0xA3;

    /** Cluster ID (4) + unknown size (8) + Timestamp ID (1) + size (1) + 4-byte value. */
    static final int CLUSTER_HEADER_BYTES = 18;
    private static final byte[] CLUSTER_PREFIX = {
        0x1F, 0x43, (byte) 0xB6, 0x75, 0x01, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF,
        (byte) 0xFF, (byte) 0xFF, (byte) 0xE7, (byte) 0x84};

    public final String mime;
    /** The whole stream; never written after {@link #build}. */
    public final byte[] bytes;
    public final int initLength;
    /**
     * The init segment as this project's relay hands it to viewers: Chromium's {@code AlphaMode = 1} cleared
     * (relay-core's WebmAlphaModeFix; the Node and C relays pass it as published). A viewer's init segment
     * is right when it equals either.
     */
    final byte[] relayedInit;
    public final int chunkMillis;
    /** Chunk {@code i} is {@code bytes[chunkEnds[i - 1], chunkEnds[i])}, due {@code dueMillis[i]} after start. */
    final int[] chunkEnds;
    final long[] dueMillis;
    private final long[] clusterTimestamps;
    private final int[] clusterOffsets;
    final long loopPeriodMillis;
    final long recordingBytesPerSecond;

    private LiveStream(String mime, byte[] bytes, int initLength, int chunkMillis, int[] chunkEnds, long[] dueMillis,
                       long[] clusterTimestamps, int[] clusterOffsets, long loopPeriodMillis,
                       long recordingBytesPerSecond) {
        this.mime = mime;
        this.bytes = bytes;
        this.initLength = initLength;
        this.relayedInit = Arrays.copyOf(bytes, initLength);
        new WebmAlphaModeFix().apply(ByteBuffer.wrap(relayedInit));
        this.chunkMillis = chunkMillis;
        this.chunkEnds = chunkEnds;
        this.dueMillis = dueMillis;
        this.clusterTimestamps = clusterTimestamps;
        this.clusterOffsets = clusterOffsets;
        this.loopPeriodMillis = loopPeriodMillis;
        this.recordingBytesPerSecond = recordingBytesPerSecond;
    }

    public int chunkCount() {
        return chunkEnds.length;
    }

    public int chunkStart(int i) {
        return i == 0 ? 0 : chunkEnds[i - 1];
    }

    public int chunkLength(int i) {
        return chunkEnds[i] - chunkStart(i);
    }

    /** Index of the chunk holding stream byte {@code offset}. */
    int chunkOf(long offset) {
        int i = Arrays.binarySearch(chunkEnds, (int) offset);
        // chunkEnds are exclusive: an exact hit means the byte starts the next chunk.
        return i >= 0 ? i + 1 : -i - 1;
    }

    /** Where the Cluster with this (rewritten) timestamp starts, or -1. */
    long clusterOffset(long timestamp) {
        int i = Arrays.binarySearch(clusterTimestamps, timestamp);
        return i >= 0 ? clusterOffsets[i] : -1;
    }

    /** How long one pass over the recording lasts; Cluster timestamps move on by this much per pass. */
    public long loopPeriodMillis() {
        return loopPeriodMillis;
    }

    public long firstClusterTimestamp() {
        return clusterTimestamps[0];
    }

    /** Where the Cluster with this timestamp starts, or -1. */
    public long clusterOffsetOf(long timestamp) {
        return clusterOffset(timestamp);
    }

    /** The timestamp of the Cluster after the one with {@code timestamp}, or -1. */
    public long nextClusterTimestamp(long timestamp) {
        int i = Arrays.binarySearch(clusterTimestamps, timestamp);
        return i >= 0 && i + 1 < clusterTimestamps.length ? clusterTimestamps[i + 1] : -1;
    }

    /** The timestamp in a Cluster header of {@link #CLUSTER_HEADER_BYTES} bytes, or -1 if it is not one. */
    static long clusterTimestamp(byte[] header) {
        for (int i = 0; i < CLUSTER_PREFIX.length; i++) {
            if (header[i] != CLUSTER_PREFIX[i]) {
                return -1;
            }
        }
        return ((header[14] & 0xFFL) << 24) | ((header[15] & 0xFFL) << 16) | ((header[16] & 0xFFL) << 8)
                | (header[17] & 0xFFL);
    }

    public long totalBytes() {
        return chunkEnds.length == 0 ? 0 : chunkEnds[chunkEnds.length - 1];
    }

    /** Bytes published once the first {@code chunks} chunks are out. */
    long bytesAfterChunks(int chunks) {
        return chunks == 0 ? 0 : chunkEnds[chunks - 1];
    }

    /**
     * @param recording         a WebM recording as MediaRecorder wrote it (unknown-size Segment and Clusters)
     * @param bytesPerSecond    target rate; below the recording's own rate the recording is left unpadded
     * @param seconds           how much stream to build
     */
    public static LiveStream build(String mime, byte[] recording, long bytesPerSecond, int seconds, int chunkMillis) {
        Parsed p = parse(recording);
        long recordingBytes = 0;
        for (Cluster c : p.clusters) {
            recordingBytes += CLUSTER_HEADER_BYTES;
            for (Block b : c.blocks) {
                recordingBytes += b.bytes.length;
            }
        }
        long recordingRate = recordingBytes * 1000 / p.periodMillis;
        double padFactor = Math.max(0, (double) bytesPerSecond / recordingRate - 1);

        ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(Integer.MAX_VALUE - 64,
                Math.max(recordingRate, bytesPerSecond) * (seconds + 2L)));
        out.write(recording, 0, p.initLength);
        List<long[]> cuts = new ArrayList<>(); // {offset, mediaMillis} of every element start
        List<long[]> clusters = new ArrayList<>(); // {timestamp, offset}
        long endMillis = (long) seconds * 1000 + chunkMillis;
        double carry = 0;
        byte[] header = new byte[CLUSTER_HEADER_BYTES];
        System.arraycopy(CLUSTER_PREFIX, 0, header, 0, CLUSTER_PREFIX.length);
        outer:
        for (int loop = 0; ; loop++) {
            for (Cluster c : p.clusters) {
                long ts = c.timestamp - p.firstMillis + (long) loop * p.periodMillis;
                if (ts >= endMillis) {
                    break outer;
                }
                if (ts > 0xFFFFFFFFL) {
                    throw new IllegalArgumentException("stream too long for 4-byte Cluster timestamps");
                }
                header[14] = (byte) (ts >>> 24);
                header[15] = (byte) (ts >>> 16);
                header[16] = (byte) (ts >>> 8);
                header[17] = (byte) ts;
                cuts.add(new long[] {out.size(), ts});
                clusters.add(new long[] {ts, out.size()});
                out.write(header, 0, header.length);
                for (Block b : c.blocks) {
                    cuts.add(new long[] {out.size(), ts + b.relativeMillis});
                    carry += b.bytes.length * padFactor;
                    int pad = (int) carry;
                    carry -= writeBlock(out, b.bytes, pad);
                }
            }
        }
        byte[] bytes = out.toByteArray();

        int chunks = seconds * 1000 / chunkMillis;
        List<int[]> ends = new ArrayList<>();
        List<Long> due = new ArrayList<>();
        int ci = 0;
        int lastEnd = 0;
        for (int k = 0; k < chunks; k++) {
            long boundary = (long) (k + 1) * chunkMillis;
            while (ci < cuts.size() && cuts.get(ci)[1] < boundary) {
                ci++;
            }
            int end = ci < cuts.size() ? (int) cuts.get(ci)[0] + 1 : bytes.length;
            if (end > lastEnd) {
                ends.add(new int[] {end});
                due.add((long) k * chunkMillis);
                lastEnd = end;
            }
        }
        int[] chunkEnds = ends.stream().mapToInt(e -> e[0]).toArray();
        long[] dueMillis = due.stream().mapToLong(Long::longValue).toArray();
        long[] cts = new long[clusters.size()];
        int[] cos = new int[clusters.size()];
        for (int i = 0; i < cts.length; i++) {
            cts[i] = clusters.get(i)[0];
            cos[i] = (int) clusters.get(i)[1];
        }
        return new LiveStream(mime, bytes, p.initLength, chunkMillis, chunkEnds, dueMillis, cts, cos,
                p.periodMillis, recordingRate);
    }

    /**
     * Writes a block of the recording, a SimpleBlock grown by about {@code pad} bytes of zeros at the end of its
     * payload (its frame's payload, for the relay's frame view: both views then carry the padding, and their
     * costs compare), anything else as it is. @return the bytes added
     */
    static int writeBlock(ByteArrayOutputStream out, byte[] block, int pad) {
        if (pad <= 0 || (block[0] & 0xFF) != SIMPLE_BLOCK) {
            out.write(block, 0, block.length);
            return 0;
        }
        int sizeLength = Reader.length(block[1] & 0xFF);
        int content = block.length - 1 - sizeLength;
        int grown = content + pad;
        // The size field may need more bytes: they come out of the padding.
        int newSizeLength = sizeLengthFor(grown);
        grown -= newSizeLength - sizeLength;
        newSizeLength = sizeLengthFor(grown);
        if (grown < content) {
            out.write(block, 0, block.length);
            return 0;
        }
        out.write(SIMPLE_BLOCK);
        for (int i = newSizeLength - 1; i >= 0; i--) {
            int b = (int) ((long) grown >>> (8 * i)) & 0xFF;
            out.write(i == newSizeLength - 1 ? b | (0x80 >>> (newSizeLength - 1)) : b);
        }
        out.write(block, 1 + sizeLength, content);
        out.write(new byte[grown - content], 0, grown - content);
        return 1 + newSizeLength + grown - block.length;
    }

    /** Bytes of the shortest EBML size field for {@code size} (all ones is reserved for "unknown"). */
    private static int sizeLengthFor(long size) {
        int n = 1;
        while (size >= (1L << (7 * n)) - 1) {
            n++;
        }
        return n;
    }

    private record Block(byte[] bytes, long relativeMillis) {
    }

    private record Cluster(long timestamp, List<Block> blocks) {
    }

    private record Parsed(int initLength, List<Cluster> clusters, long firstMillis, long periodMillis) {
    }

    /** Reads the recording's init segment and Clusters; a truncated last element is left out. */
    private static Parsed parse(byte[] d) {
        Reader r = new Reader(d);
        if (r.id() != EBML) {
            throw new IllegalArgumentException("not WebM: no EBML header");
        }
        r.skip(r.size());
        if (r.id() != SEGMENT) {
            throw new IllegalArgumentException("not WebM: no Segment after the EBML header");
        }
        r.size();
        int initLength = -1;
        List<Cluster> clusters = new ArrayList<>();
        Cluster current = null;
        long maxMillis = Long.MIN_VALUE;
        while (r.pos < d.length) {
            int start = r.pos;
            int id = r.id();
            long size = r.size();
            if (id == CLUSTER) {
                if (initLength < 0) {
                    initLength = start;
                }
                current = new Cluster(-1, new ArrayList<>());
                clusters.add(current);
                continue;
            }
            if (size < 0 || r.pos + size > d.length) {
                break;
            }
            if (current == null) {
                r.skip(size);
                continue;
            }
            if (id == TIMESTAMP) {
                long ts = 0;
                for (int i = 0; i < size; i++) {
                    ts = (ts << 8) | (d[r.pos + i] & 0xFF);
                }
                clusters.set(clusters.size() - 1, current = new Cluster(ts, current.blocks()));
                r.skip(size);
            } else if (id == SIMPLE_BLOCK) {
                int p = r.pos;
                int trackLength = Reader.length(d[p] & 0xFF);
                int rel = (short) (((d[p + trackLength] & 0xFF) << 8) | (d[p + trackLength + 1] & 0xFF));
                r.skip(size);
                current.blocks().add(new Block(Arrays.copyOfRange(d, start, r.pos), rel));
                maxMillis = Math.max(maxMillis, current.timestamp() + rel);
            } else {
                // Anything else in a Cluster (BlockGroup, Void...) is kept in place with the previous time.
                r.skip(size);
                long rel = current.blocks().isEmpty() ? 0 : current.blocks().get(current.blocks().size() - 1)
                        .relativeMillis();
                current.blocks().add(new Block(Arrays.copyOfRange(d, start, r.pos), rel));
            }
        }
        if (initLength < 0 || clusters.isEmpty()) {
            throw new IllegalArgumentException("no Cluster in the recording");
        }
        if (clusters.get(clusters.size() - 1).blocks().isEmpty()) {
            clusters.remove(clusters.size() - 1);
        }
        for (Cluster c : clusters) {
            if (c.timestamp() < 0) {
                throw new IllegalArgumentException("a Cluster without Timestamp");
            }
        }
        long first = clusters.get(0).timestamp();
        // One loop lasts until just after the last block: its own duration is about one audio frame (60 ms).
        long period = ((maxMillis - first + 60) + 9) / 10 * 10;
        return new Parsed(initLength, clusters, first, period);
    }

    private static final class Reader {
        final byte[] d;
        int pos;

        Reader(byte[] d) {
            this.d = d;
        }

        static int length(int first) {
            for (int l = 1; l <= 8; l++) {
                if ((first & (0x80 >>> (l - 1))) != 0) {
                    return l;
                }
            }
            throw new IllegalArgumentException("bad EBML varint");
        }

        int id() {
            int l = length(d[pos] & 0xFF);
            int v = 0;
            for (int i = 0; i < l; i++) {
                v = (v << 8) | (d[pos + i] & 0xFF);
            }
            pos += l;
            return v;
        }

        /** @return the size, or -1 when unknown (all ones) */
        long size() {
            int l = length(d[pos] & 0xFF);
            long v = d[pos] & (0xFF >>> l);
            boolean allOnes = v == (0xFF >>> l);
            for (int i = 1; i < l; i++) {
                v = (v << 8) | (d[pos + i] & 0xFF);
                allOnes &= (d[pos + i] & 0xFF) == 0xFF;
            }
            pos += l;
            return allOnes ? -1 : v;
        }

        void skip(long n) {
            pos += (int) n;
        }
    }
}
