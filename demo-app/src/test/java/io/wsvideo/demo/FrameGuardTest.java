package io.wsvideo.demo;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.websocket.CloseReason;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.glassfish.tyrus.spi.Connection;
import org.glassfish.tyrus.spi.ReadHandler;
import org.glassfish.tyrus.spi.Writer;
import org.junit.jupiter.api.Test;

/**
 * {@link FrameGuard} is in the path of every byte the standalone demo reads: within the limits it must hand
 * Tyrus exactly the bytes it got, in any split, never more than one frame at a time; past them it closes with
 * the right code and hands on nothing of the offending frame.
 */
class FrameGuardTest {

    private static final int LIMIT = 300_000;

    /** What Tyrus would get: the bytes, and each call's slice. */
    private static final class Tyrus implements ReadHandler {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final List<int[]> calls = new ArrayList<>();

        @Override
        public void handle(ByteBuffer data) {
            int start = bytes.size();
            byte[] b = new byte[data.remaining()];
            data.get(b);
            bytes.writeBytes(b);
            calls.add(new int[] {start, bytes.size()});
        }
    }

    /** The connection: records the close. */
    private static final class Closes implements Connection {
        final List<CloseReason> closes = new ArrayList<>();

        @Override
        public ReadHandler getReadHandler() {
            return null;
        }

        @Override
        public Writer getWriter() {
            return null;
        }

        @Override
        public CloseListener getCloseListener() {
            return null;
        }

        @Override
        public void close(CloseReason reason) {
            closes.add(reason);
        }
    }

    /** A client frame: FIN flag, opcode, masked (or not), payload of {@code n} random bytes. */
    private static byte[] frame(boolean fin, int opcode, int n, boolean masked, Random r) {
        ByteBuffer f = ByteBuffer.allocate(14 + n);
        f.put((byte) ((fin ? 0x80 : 0) | opcode));
        int mask = masked ? 0x80 : 0;
        if (n <= 125) {
            f.put((byte) (mask | n));
        } else if (n <= 0xFFFF) {
            f.put((byte) (mask | 126)).putShort((short) n);
        } else {
            f.put((byte) (mask | 127)).putLong(n);
        }
        if (masked) {
            f.putInt(r.nextInt());
        }
        // A pattern that differs from place to place (a shifted or repeated byte shows), cheaper than random.
        int seed = r.nextInt();
        for (int i = 0; i < n; i++) {
            f.put((byte) (seed + i * 31 + (i >>> 8)));
        }
        return java.util.Arrays.copyOf(f.array(), f.position());
    }

    /** Feeds {@code stream} in pieces of 1 to {@code maxPiece} bytes, each in a buffer with other bytes around it. */
    private static void feed(FrameGuard guard, byte[] stream, int maxPiece, Random r) {
        for (int at = 0; at < stream.length; ) {
            int n = Math.min(stream.length - at, 1 + r.nextInt(maxPiece));
            ByteBuffer b = ByteBuffer.allocate(n + 20);
            b.position(7);
            b.put(stream, at, n).flip().position(7);
            guard.handle(b);
            at += n;
        }
    }

    @Test
    void withinTheLimitsTyrusGetsEveryByteInOrderAndAtMostOneFrameACall() {
        Random r = new Random(5);
        for (int round = 0; round < 60; round++) {
            // Every tenth round byte by byte (or nearly), with small frames.
            boolean tiny = round % 10 == 0;
            int limit = tiny ? 3000 : LIMIT;
            ByteArrayOutputStream stream = new ByteArrayOutputStream();
            List<Integer> frameEnds = new ArrayList<>();
            int[] sizes = tiny ? new int[] {0, 1, 125, 126, 127, limit} : new int[] {0, 1, 125, 126, 65_535, 65_536, LIMIT};
            for (int i = 0; i < 12; i++) {
                int kind = r.nextInt(4);
                if (kind == 0) {
                    stream.writeBytes(frame(true, 9, r.nextInt(126), true, r)); // ping
                } else if (kind == 1) {
                    // A message in three fragments, within the limit in all.
                    int part = r.nextInt(limit / 3);
                    stream.writeBytes(frame(false, 2, part, true, r));
                    frameEnds.add(stream.size());
                    stream.writeBytes(frame(false, 0, part, true, r));
                    frameEnds.add(stream.size());
                    stream.writeBytes(frame(true, 0, part, true, r));
                } else {
                    int n = r.nextBoolean() ? sizes[r.nextInt(sizes.length)] : r.nextInt(limit + 1);
                    stream.writeBytes(frame(true, kind == 2 ? 1 : 2, n, true, r));
                }
                frameEnds.add(stream.size());
            }
            byte[] all = stream.toByteArray();
            Tyrus tyrus = new Tyrus();
            Closes closes = new Closes();
            feed(FrameGuard.of(tyrus, closes, LIMIT), all, tiny ? 3 : 200_000, r);
            assertThat(closes.closes).isEmpty();
            assertThat(tyrus.bytes.toByteArray()).isEqualTo(all);
            for (int[] call : tyrus.calls) {
                // The frame the call starts in ends at or after the call's end.
                int i = java.util.Collections.binarySearch(frameEnds, call[0] + 1);
                int end = frameEnds.get(i >= 0 ? i : -i - 1);
                assertThat(call[1]).as("call %d..%d crosses the frame end %d", call[0], call[1], end)
                        .isLessThanOrEqualTo(end);
            }
        }
    }

    @Test
    void aFrameOverTheLimitIsRefusedWith1009AtItsHeaderAndNothingOfItIsHandedOn() {
        Random r = new Random(6);
        byte[] ok = frame(true, 2, 1000, true, r);
        byte[] over = frame(true, 2, LIMIT + 1, true, r);
        Tyrus tyrus = new Tyrus();
        Closes closes = new Closes();
        FrameGuard guard = FrameGuard.of(tyrus, closes, LIMIT);
        ByteBuffer both = ByteBuffer.allocate(ok.length + over.length).put(ok).put(over).flip();
        guard.handle(both);
        guard.handle(ByteBuffer.wrap(new byte[5000]));
        assertThat(closes.closes).singleElement().satisfies(c -> {
            assertThat(c.getCloseCode().getCode()).isEqualTo(1009);
            assertThat(c.getReasonPhrase()).isEqualTo("message larger than " + LIMIT + " bytes");
        });
        assertThat(tyrus.bytes.toByteArray()).isEqualTo(ok);
    }

    @Test
    void fragmentsPastTheLimitAreRefusedWith1009() {
        Random r = new Random(7);
        Tyrus tyrus = new Tyrus();
        Closes closes = new Closes();
        FrameGuard guard = FrameGuard.of(tyrus, closes, LIMIT);
        byte[] first = frame(false, 1, LIMIT / 2, true, r);
        guard.handle(ByteBuffer.wrap(first));
        guard.handle(ByteBuffer.wrap(frame(false, 0, LIMIT / 2, true, r)));
        assertThat(closes.closes).isEmpty();
        guard.handle(ByteBuffer.wrap(frame(false, 0, 1, true, r)));
        assertThat(closes.closes).singleElement().satisfies(c -> assertThat(c.getCloseCode().getCode()).isEqualTo(1009));
        assertThat(tyrus.bytes.size()).isEqualTo(2 * first.length);
    }

    @Test
    void anUnmaskedFrameIsAProtocolError() {
        Tyrus tyrus = new Tyrus();
        Closes closes = new Closes();
        FrameGuard guard = FrameGuard.of(tyrus, closes, LIMIT);
        guard.handle(ByteBuffer.wrap(frame(true, 1, 2, false, new Random(8))));
        assertThat(closes.closes).singleElement().satisfies(c -> {
            assertThat(c.getCloseCode().getCode()).isEqualTo(1002);
            assertThat(c.getReasonPhrase()).isEqualTo(FrameGuard.UNMASKED);
        });
        assertThat(tyrus.bytes.size()).isZero();
    }
}
