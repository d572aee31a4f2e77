package io.wsvideo.bench;

import io.wsvideo.loadtest.LiveStream;
import io.wsvideo.relay.testing.Recording;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * An endless, valid WebM stream at 2 Mbit/s in 100 ms chunks for benchmarks that publish far more chunks than
 * fit in memory: the init segment, then one loop of a real recording's Clusters ({@link LiveStream}) as a ring
 * of chunks whose Cluster timestamps are moved on by one loop period each time the ring comes round.
 *
 * <p>The ring's buffers are reused, which the hub's contract forbids in general (it keeps published chunks for
 * late joiners and slow viewers). It is safe here: the benchmarks' sinks complete every send at once, nobody
 * joins late, and a buffer is rewritten only a whole loop (about 10 s of stream, ten keyframes) after it was
 * published, long after the late-join cache let go of it.
 */
final class LoopedStream {

    final String mime;
    final ByteBuffer init;
    private final ByteBuffer[] ring;
    private final long periodMillis;
    /** Per Cluster of the loop: where its 4 timestamp bytes are ({chunk, position} for each byte) and the value. */
    private final int[][] timestampBytes;
    private final long[] baseTimestamps;
    private int next;
    private long pass;

    private LoopedStream(String mime, ByteBuffer init, ByteBuffer[] ring, long periodMillis, int[][] tsBytes,
                         long[] base) {
        this.mime = mime;
        this.init = init;
        this.ring = ring;
        this.periodMillis = periodMillis;
        this.timestampBytes = tsBytes;
        this.baseTimestamps = base;
    }

    static LoopedStream of(String recording, long bytesPerSecond) {
        Recording rec = Recording.load(recording);
        // Two whole loops and a bit: loop 1 lies between two loop starts, with chunk cuts as the publisher's.
        LiveStream probe = LiveStream.build(rec.mime(), rec.bytes(), bytesPerSecond, 1, 100);
        int secs = (int) (3 * probe.loopPeriodMillis() / 1000 + 2);
        LiveStream s = LiveStream.build(rec.mime(), rec.bytes(), bytesPerSecond, secs, 100);
        long period = s.loopPeriodMillis();
        long firstTs = s.firstClusterTimestamp();
        int from = (int) s.clusterOffsetOf(firstTs + period);
        int to = (int) s.clusterOffsetOf(firstTs + 2 * period);
        if (from < 0 || to < 0) {
            throw new IllegalStateException("loop boundaries not found");
        }
        List<int[]> cuts = new ArrayList<>();
        int start = from;
        for (int i = 0; i < s.chunkCount(); i++) {
            int end = s.chunkStart(i) + s.chunkLength(i);
            if (end > from && end < to) {
                cuts.add(new int[] {start, end});
                start = end;
            }
        }
        cuts.add(new int[] {start, to});
        ByteBuffer[] ring = new ByteBuffer[cuts.size()];
        for (int i = 0; i < ring.length; i++) {
            int[] c = cuts.get(i);
            byte[] copy = java.util.Arrays.copyOfRange(s.bytes, c[0], c[1]);
            ring[i] = ByteBuffer.wrap(copy);
        }
        List<int[]> tsPositions = new ArrayList<>();
        List<Long> base = new ArrayList<>();
        for (long ts = firstTs + period; ; ) {
            long at = s.clusterOffsetOf(ts);
            if (at >= to || at < 0) {
                break;
            }
            int[] where = new int[8];
            for (int b = 0; b < 4; b++) {
                int abs = (int) at + 14 + b;
                int chunk = 0;
                while (cuts.get(chunk)[1] <= abs) {
                    chunk++;
                }
                where[2 * b] = chunk;
                where[2 * b + 1] = abs - cuts.get(chunk)[0];
            }
            tsPositions.add(where);
            base.add(ts);
            ts = s.nextClusterTimestamp(ts);
            if (ts < 0) {
                break;
            }
        }
        ByteBuffer init = ByteBuffer.wrap(java.util.Arrays.copyOfRange(s.bytes, 0, s.initLength));
        // The stream must go on from the init segment straight into the loop: the loop starts at a Cluster.
        return new LoopedStream(s.mime, init, ring, period, tsPositions.toArray(new int[0][]),
                base.stream().mapToLong(Long::longValue).toArray());
    }

    int ringSize() {
        return ring.length;
    }

    /** The next chunk; the same buffer objects come round again, with new timestamps. */
    ByteBuffer next() {
        if (next == ring.length) {
            next = 0;
            pass++;
            for (int c = 0; c < timestampBytes.length; c++) {
                long ts = baseTimestamps[c] + pass * periodMillis;
                int[] w = timestampBytes[c];
                for (int b = 0; b < 4; b++) {
                    ring[w[2 * b]].put(w[2 * b + 1], (byte) (ts >>> (24 - 8 * b)));
                }
            }
        }
        return ring[next++];
    }
}
