package io.wsvideo.relay;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/** Shared helpers for hub tests: a manual clock, a recording publisher peer, the segmenter's view. */
final class HubTestSupport {

    private HubTestSupport() {
    }

    /** A clock the test moves by hand. */
    static final class ManualClock {
        final AtomicLong nanos = new AtomicLong(1_000_000_000L);

        long now() {
            return nanos.get();
        }

        void advanceMillis(long ms) {
            nanos.addAndGet(ms * 1_000_000L);
        }
    }

    /** A publisher connection that records how the hub closed it. */
    static final class RecordingPeer implements Peer {
        volatile Integer code;
        volatile String reason;

        @Override
        public synchronized void close(int code, String reason) {
            if (this.code == null) {
                this.code = code;
                this.reason = reason;
            }
        }
    }

    static boolean startsWith(byte[] a, byte[] prefix) {
        return a.length >= prefix.length && Arrays.equals(a, 0, prefix.length, prefix, 0, prefix.length);
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    /** Byte arrays compared without printing them: lengths and the first difference. */
    static void assertSameBytes(byte[] actual, byte[] expected) {
        int mismatch = Arrays.mismatch(actual, expected);
        if (mismatch >= 0) {
            throw new AssertionError("bytes differ at offset " + mismatch + ": got " + actual.length
                    + " bytes, expected " + expected.length);
        }
    }
}
