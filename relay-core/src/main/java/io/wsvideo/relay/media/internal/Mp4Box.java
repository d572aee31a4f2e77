package io.wsvideo.relay.media.internal;

import java.nio.ByteBuffer;

/**
 * The one ISO BMFF box reader of the relay (ISO/IEC 14496-12 4.2), shared by {@link Mp4Segmenter} and
 * {@link Mp4AudioDurationFix}: box types, the flags they read, the header of a box arriving a byte at a time
 * ({@link Header}), and bounds-checked walking of boxes held in a buffer ({@link #end}, {@link #payload}).
 * Reads are absolute and big-endian whatever the buffer's byte order; nothing moves a buffer's position.
 */
final class Mp4Box {

    static final int HEADER_SIZE = 8;
    static final int LARGE_HEADER_SIZE = 16;
    static final int USERTYPE_SIZE = 16;

    // Box types, named as in ISO/IEC 14496-12 and the codec bindings.
    static final int FTYP = type("ftyp");
    static final int MOOV = type("moov");
    static final int TRAK = type("trak");
    static final int TKHD = type("tkhd");
    static final int MDIA = type("mdia");
    static final int MDHD = type("mdhd");
    static final int HDLR = type("hdlr");
    static final int MINF = type("minf");
    static final int STBL = type("stbl");
    static final int STSD = type("stsd");
    static final int MVEX = type("mvex");
    static final int TREX = type("trex");
    static final int MOOF = type("moof");
    static final int TRAF = type("traf");
    static final int TFHD = type("tfhd");
    static final int TFDT = type("tfdt");
    static final int TRUN = type("trun");
    static final int MDAT = type("mdat");
    static final int UUID = type("uuid");
    static final int AVC1 = type("avc1");
    static final int AVC3 = type("avc3");
    static final int AVCC = type("avcC");
    static final int VP09 = type("vp09");
    static final int VPCC = type("vpcC");
    static final int AV01 = type("av01");
    static final int AV1C = type("av1C");
    static final int OPUS = type("Opus");
    static final int DOPS = type("dOps");
    static final int MP4A = type("mp4a");
    static final int ESDS = type("esds");

    // hdlr handler_type values.
    static final int VIDE = type("vide");
    static final int SOUN = type("soun");

    // tfhd flags.
    static final int BASE_DATA_OFFSET_PRESENT = 0x000001;
    static final int SAMPLE_DESCRIPTION_INDEX_PRESENT = 0x000002;
    static final int DEFAULT_SAMPLE_DURATION_PRESENT = 0x000008;
    static final int DEFAULT_SAMPLE_SIZE_PRESENT = 0x000010;
    static final int DEFAULT_SAMPLE_FLAGS_PRESENT = 0x000020;
    static final int DEFAULT_BASE_IS_MOOF = 0x020000;

    // trun flags.
    static final int DATA_OFFSET_PRESENT = 0x000001;
    static final int FIRST_SAMPLE_FLAGS_PRESENT = 0x000004;
    static final int SAMPLE_DURATION_PRESENT = 0x000100;
    static final int SAMPLE_SIZE_PRESENT = 0x000200;
    static final int SAMPLE_FLAGS_PRESENT = 0x000400;
    static final int SAMPLE_COMPOSITION_TIME_OFFSETS_PRESENT = 0x000800;

    private Mp4Box() {
    }

    static int type(String fourcc) {
        return fourcc.charAt(0) << 24 | fourcc.charAt(1) << 16 | fourcc.charAt(2) << 8 | fourcc.charAt(3);
    }

    /**
     * End of the box at {@code p} inside a parent ending at {@code to} (a size of 0 runs to {@code to}), or -1
     * if its header or its declared size does not fit there.
     */
    static int end(ByteBuffer b, int p, int to) {
        if (to - p < HEADER_SIZE) {
            return -1;
        }
        long size = u32(b, p);
        int header = HEADER_SIZE;
        if (size == 1) {
            if (to - p < LARGE_HEADER_SIZE) {
                return -1;
            }
            size = i64(b, p + 8);
            header = LARGE_HEADER_SIZE;
        } else if (size == 0) {
            size = to - p;
        }
        if (i32(b, p + 4) == UUID) {
            header += USERTYPE_SIZE;
        }
        return size < header || size > to - p ? -1 : p + (int) size;
    }

    /** First byte after the header of the box at {@code p}, whose bounds {@link #end} checked. */
    static int payload(ByteBuffer b, int p) {
        int n = u32(b, p) == 1 ? LARGE_HEADER_SIZE : HEADER_SIZE;
        return i32(b, p + 4) == UUID ? p + n + USERTYPE_SIZE : p + n;
    }

    /** The type of the box at {@code p}. */
    static int typeAt(ByteBuffer b, int p) {
        return i32(b, p + 4);
    }

    static int u8(ByteBuffer b, int at) {
        return b.get(at) & 0xFF;
    }

    static int u16(ByteBuffer b, int at) {
        return (b.get(at) & 0xFF) << 8 | (b.get(at + 1) & 0xFF);
    }

    static int i32(ByteBuffer b, int at) {
        return (b.get(at) & 0xFF) << 24 | (b.get(at + 1) & 0xFF) << 16 | (b.get(at + 2) & 0xFF) << 8
                | (b.get(at + 3) & 0xFF);
    }

    static long u32(ByteBuffer b, int at) {
        return i32(b, at) & 0xFFFFFFFFL;
    }

    static long i64(ByteBuffer b, int at) {
        return (long) i32(b, at) << 32 | u32(b, at + 4);
    }

    static void putU32(ByteBuffer b, int at, long v) {
        b.put(at, (byte) (v >>> 24));
        b.put(at + 1, (byte) (v >>> 16));
        b.put(at + 2, (byte) (v >>> 8));
        b.put(at + 3, (byte) v);
    }

    /**
     * The header of a box that arrives a byte at a time, possibly across chunks: 8 bytes, 16 with a 64-bit
     * {@code largesize}, 16 more for a {@code uuid} box's usertype.
     */
    static final class Header {
        private final byte[] bytes = new byte[LARGE_HEADER_SIZE + USERTYPE_SIZE];
        private final ByteBuffer view = ByteBuffer.wrap(bytes);
        private int length;
        private int needed = HEADER_SIZE;

        /** Adds the header's next byte; true when the header is complete. */
        boolean add(byte b) {
            bytes[length++] = b;
            if (length == HEADER_SIZE) {
                if (u32(view, 0) == 1) {
                    needed = LARGE_HEADER_SIZE;
                }
                if (type() == UUID) {
                    needed += USERTYPE_SIZE;
                }
            }
            return length == needed;
        }

        /** Starts over for the next box. */
        void reset() {
            length = 0;
            needed = HEADER_SIZE;
        }

        /** Bytes of the header read so far. */
        int length() {
            return length;
        }

        boolean started() {
            return length > 0;
        }

        /** The box type; valid once 8 bytes are in. */
        int type() {
            return i32(view, 4);
        }

        /** True for a box whose size field is 0: it runs to the end of the stream. */
        boolean toEnd() {
            return u32(view, 0) == 0;
        }

        /** The declared size, header included (negative for a {@code largesize} over 2^63; 0: see {@link #toEnd}). */
        long size() {
            long size32 = u32(view, 0);
            return size32 == 1 ? i64(view, 8) : size32;
        }

        /** Copies the complete header into {@code dst} at 0. */
        void copyTo(byte[] dst) {
            System.arraycopy(bytes, 0, dst, 0, length);
        }
    }
}
