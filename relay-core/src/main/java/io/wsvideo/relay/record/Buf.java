package io.wsvideo.relay.record;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A growable byte array with big-endian writes and in-place patches, for building container headers and
 * holding the segment being received. Not thread-safe: each belongs to one writer thread.
 */
final class Buf {

    private byte[] bytes;
    private int length;

    Buf(int capacity) {
        bytes = new byte[Math.max(16, capacity)];
    }

    int length() {
        return length;
    }

    /** The backing array; valid up to {@link #length()} until the next write. */
    byte[] array() {
        return bytes;
    }

    byte[] toArray() {
        return Arrays.copyOf(bytes, length);
    }

    ByteBuffer wrap() {
        return ByteBuffer.wrap(bytes, 0, length);
    }

    private void ensure(int more) {
        long need = (long) length + more;
        if (need > Integer.MAX_VALUE - 16) {
            throw new IllegalStateException("buffer over 2 GiB");
        }
        if (need > bytes.length) {
            bytes = Arrays.copyOf(bytes, (int) Math.min(Integer.MAX_VALUE - 16, Math.max(need, bytes.length * 2L)));
        }
    }

    Buf u8(int v) {
        ensure(1);
        bytes[length++] = (byte) v;
        return this;
    }

    Buf u16(int v) {
        return u8(v >>> 8).u8(v);
    }

    Buf u32(long v) {
        ensure(4);
        for (int shift = 24; shift >= 0; shift -= 8) {
            bytes[length++] = (byte) (v >>> shift);
        }
        return this;
    }

    Buf u64(long v) {
        ensure(8);
        for (int shift = 56; shift >= 0; shift -= 8) {
            bytes[length++] = (byte) (v >>> shift);
        }
        return this;
    }

    Buf put(byte[] b) {
        return put(b, 0, b.length);
    }

    Buf put(byte[] b, int from, int len) {
        ensure(len);
        System.arraycopy(b, from, bytes, length, len);
        length += len;
        return this;
    }

    /** Appends the remaining bytes of {@code b} without moving its position. */
    Buf put(ByteBuffer b) {
        int n = b.remaining();
        ensure(n);
        b.get(b.position(), bytes, length, n);
        length += n;
        return this;
    }

    Buf zeros(int n) {
        ensure(n);
        Arrays.fill(bytes, length, length + n, (byte) 0);
        length += n;
        return this;
    }

    void setU32(int at, long v) {
        for (int k = 0; k < 4; k++) {
            bytes[at + k] = (byte) (v >>> (24 - 8 * k));
        }
    }

    /** Drops the first {@code n} bytes. */
    void discard(int n) {
        System.arraycopy(bytes, n, bytes, 0, length - n);
        length -= n;
    }

    void clear() {
        length = 0;
    }

    // Big-endian reads from any array, shared by the EBML and MP4 code.

    static long u32(byte[] b, int at) {
        return (b[at] & 0xFFL) << 24 | (b[at + 1] & 0xFFL) << 16 | (b[at + 2] & 0xFFL) << 8 | (b[at + 3] & 0xFFL);
    }

    static long u64(byte[] b, int at) {
        return u32(b, at) << 32 | u32(b, at + 4);
    }

    /** An unsigned integer of {@code n} (0..8) bytes. */
    static long uint(byte[] b, int at, int n) {
        long v = 0;
        for (int k = 0; k < n; k++) {
            v = v << 8 | (b[at + k] & 0xFF);
        }
        return v;
    }

    static void putU32(byte[] b, int at, long v) {
        for (int k = 0; k < 4; k++) {
            b[at + k] = (byte) (v >>> (24 - 8 * k));
        }
    }

    static void putU64(byte[] b, int at, long v) {
        putU32(b, at, v >>> 32);
        putU32(b, at + 4, v);
    }
}
