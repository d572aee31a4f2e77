package io.wsvideo.relay.record;

/**
 * The EBML (RFC 8794) and Matroska (RFC 9559) pieces the WebM writer and the file lister need: element IDs
 * named as in the specifications, header reads from complete byte arrays, and element writes.
 */
final class Ebml {

    static final int EBML = 0x1A45DFA3;
    static final int DOC_TYPE = 0x4282;
    static final int SEGMENT = 0x18538067;
    static final int SEEK_HEAD = 0x114D9B74;
    static final int SEEK = 0x4DBB;
    static final int SEEK_ID = 0x53AB;
    static final int SEEK_POSITION = 0x53AC;
    static final int INFO = 0x1549A966;
    static final int TIMESTAMP_SCALE = 0x2AD7B1;
    static final int DURATION = 0x4489;
    static final int TRACKS = 0x1654AE6B;
    static final int TRACK_ENTRY = 0xAE;
    static final int TRACK_NUMBER = 0xD7;
    static final int TRACK_TYPE = 0x83;
    static final int CODEC_ID = 0x86;
    static final int CLUSTER = 0x1F43B675;
    static final int TIMESTAMP = 0xE7;
    static final int SILENT_TRACKS = 0x5854;
    static final int POSITION = 0xA7;
    static final int PREV_SIZE = 0xAB;
    static final int SIMPLE_BLOCK = 0xA3;
    static final int BLOCK_GROUP = 0xA0;
    static final int BLOCK = 0xA1;
    static final int BLOCK_DURATION = 0x9B;
    static final int REFERENCE_BLOCK = 0xFB;
    static final int ENCRYPTED_BLOCK = 0xAF;
    static final int CUES = 0x1C53BB6B;
    static final int CUE_POINT = 0xBB;
    static final int CUE_TIME = 0xB3;
    static final int CUE_TRACK_POSITIONS = 0xB7;
    static final int CUE_TRACK = 0xF7;
    static final int CUE_CLUSTER_POSITION = 0xF1;
    static final int VOID = 0xEC;
    static final int CRC_32 = 0xBF;

    static final int TRACK_TYPE_VIDEO = 1;
    static final int TRACK_TYPE_AUDIO = 2;
    /** TimestampScale default: ticks of one millisecond. */
    static final long DEFAULT_TIMESTAMP_SCALE = 1_000_000L;
    /** The size field of an element whose size is not known (8 bytes, all value bits set). */
    static final long UNKNOWN = -1;

    private Ebml() {
    }

    /**
     * An element header: its ID, how many bytes the ID and size take, and its payload size ({@link #UNKNOWN}
     * when the size field says so).
     */
    record Header(int id, int length, long size) {
        boolean unknownSize() {
            return size == UNKNOWN;
        }
    }

    /**
     * Reads the element header at {@code b[at]}.
     *
     * @return null if {@code b[at, end)} does not hold the whole header, or the bytes are not a valid header
     */
    static Header header(byte[] b, int at, int end) {
        if (at >= end) {
            return null;
        }
        int idLength = varintLength(b[at] & 0xFF);
        if (idLength == 0 || idLength > 4 || at + idLength >= end) {
            return null;
        }
        int id = (int) Buf.uint(b, at, idLength);
        int sizeAt = at + idLength;
        int sizeLength = varintLength(b[sizeAt] & 0xFF);
        if (sizeLength == 0 || sizeAt + sizeLength > end) {
            return null;
        }
        long size = b[sizeAt] & (0xFF >>> sizeLength);
        for (int k = 1; k < sizeLength; k++) {
            size = size << 8 | (b[sizeAt + k] & 0xFF);
        }
        if (size == (1L << (7 * sizeLength)) - 1) {
            size = UNKNOWN;
        }
        return new Header(id, idLength + sizeLength, size);
    }

    /** Length of an EBML varint from its first byte; 0 for the byte 0 (a length over 8). */
    static int varintLength(int firstByte) {
        return firstByte == 0 ? 0 : Integer.numberOfLeadingZeros(firstByte) - 23;
    }

    /** A varint's value (marker bit removed) at {@code b[at]}, or -1 if incomplete; its length from {@link #varintLength}. */
    static long varint(byte[] b, int at, int end) {
        if (at >= end) {
            return -1;
        }
        int n = varintLength(b[at] & 0xFF);
        if (n == 0 || at + n > end) {
            return -1;
        }
        long v = b[at] & (0xFF >>> n);
        for (int k = 1; k < n; k++) {
            v = v << 8 | (b[at + k] & 0xFF);
        }
        return v;
    }

    static void id(Buf out, int id) {
        if ((id & 0xFF000000) != 0) {
            out.u32(id);
        } else if ((id & 0xFF0000) != 0) {
            out.u8(id >>> 16).u16(id);
        } else if ((id & 0xFF00) != 0) {
            out.u16(id);
        } else {
            out.u8(id);
        }
    }

    /** A size field of 8 bytes, so that it can be patched in place later whatever the value. */
    static void size8(Buf out, long size) {
        out.u8(0x01).u8((int) (size >>> 48)).u16((int) (size >>> 32)).u32(size);
    }

    static byte[] size8(long size) {
        Buf b = new Buf(8);
        size8(b, size);
        return b.toArray();
    }

    /** A size field of 1 byte (sizes up to 126). */
    static void size1(Buf out, int size) {
        if (size < 0 || size > 126) {
            throw new IllegalArgumentException("size " + size);
        }
        out.u8(0x80 | size);
    }

    /** An unsigned integer element in as few bytes as the value needs. */
    static void uint(Buf out, int id, long value) {
        int n = 1;
        while (n < 8 && (value >>> (8 * n)) != 0) {
            n++;
        }
        id(out, id);
        size1(out, n);
        for (int k = n - 1; k >= 0; k--) {
            out.u8((int) (value >>> (8 * k)));
        }
    }

    /** An unsigned integer element with an 8-byte value, for fields patched later. */
    static void uint8(Buf out, int id, long value) {
        id(out, id);
        size1(out, 8);
        out.u64(value);
    }

    static void float64(Buf out, int id, double value) {
        id(out, id);
        size1(out, 8);
        out.u64(Double.doubleToLongBits(value));
    }

    /** A Void element of exactly {@code total} bytes (at least 2). */
    static void voidElement(Buf out, int total) {
        if (total < 2) {
            throw new IllegalArgumentException("a Void takes at least 2 bytes, asked for " + total);
        }
        out.u8(VOID);
        if (total - 2 <= 126) {
            size1(out, total - 2);
            out.zeros(total - 2);
        } else {
            size8(out, total - 9);
            out.zeros(total - 9);
        }
    }

    /** Whether an element of this ID may appear directly inside a Cluster (else it ends an unknown-size one). */
    static boolean clusterChild(int id) {
        return switch (id) {
            case TIMESTAMP, SILENT_TRACKS, POSITION, PREV_SIZE, SIMPLE_BLOCK, BLOCK_GROUP, ENCRYPTED_BLOCK, VOID,
                    CRC_32 -> true;
            default -> false;
        };
    }
}
