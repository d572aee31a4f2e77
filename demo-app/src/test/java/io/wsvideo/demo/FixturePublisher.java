package io.wsvideo.demo;

import io.wsvideo.relay.media.MalformedStreamException;
import io.wsvideo.relay.media.SegmentListener;
import io.wsvideo.relay.media.Segmenter;
import io.wsvideo.relay.media.SegmenterLimits;
import io.wsvideo.relay.media.StreamInfo;
import io.wsvideo.relay.testing.Recording;
import java.io.ByteArrayOutputStream;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Publishes a recorded fragmented-MP4 fixture as its recorder sent it: the init chunk, then each media chunk
 * at its recorded time. The recording is short (WebKit's is 8 s), so after its last whole chunk the media
 * chunks play again, their {@code tfdt} and {@code mfhd} moved on by what came before: one continuous
 * stream for as long as the test needs, with key frames where the recording had them. The recording's last
 * chunk (written at {@code stop()}, unreliable in WebKit) is left out of the loop.
 *
 * <p>A WebM fixture (Firefox's {@code firefox-webm-vp8-opus}: a live Firefox broadcaster's stream without a
 * Firefox) loops from its first key-frame Cluster to its last one, each pass with every Cluster Timestamp
 * moved on by the loop's length; see {@link WebmLoop}.
 *
 * <p>{@link #restart()} closes the connection and publishes anew from the start of the recording: what a
 * broadcaster's restart looks like to the relay.
 */
final class FixturePublisher implements AutoCloseable {

    private final String url;
    private final Recording rec;
    private final List<ByteBuffer> chunks;
    private final long[] millis;
    private final Thread thread;
    /** For a WebM fixture, else null. */
    private final WebmLoop webm;
    /** Guarded by this. */
    private WsClient ws;
    private volatile boolean stop;
    private volatile boolean restart;
    private volatile Throwable problem;
    private volatile long chunksSent;
    private volatile int connections;

    private FixturePublisher(int port, String channel, Recording rec) {
        this.rec = rec;
        this.url = "ws://127.0.0.1:" + port + "/relay/publish/" + channel + "?mime="
                + URLEncoder.encode(rec.mime(), StandardCharsets.UTF_8);
        this.chunks = rec.chunks();
        this.millis = rec.chunkMillis();
        try {
            this.webm = rec.mime().contains("mp4") ? null : WebmLoop.of(rec);
        } catch (MalformedStreamException e) {
            throw new IllegalArgumentException(rec.name() + " does not parse", e);
        }
        this.thread = new Thread(this::run, "fixture-publisher-" + channel);
        thread.setDaemon(true);
    }

    static FixturePublisher start(int port, String channel, String fixture) {
        FixturePublisher p = new FixturePublisher(port, channel, Recording.load(fixture));
        p.thread.start();
        return p;
    }

    void restart() {
        restart = true;
    }

    long chunksSent() {
        return chunksSent;
    }

    int connections() {
        return connections;
    }

    Throwable problem() {
        return problem;
    }

    private void run() {
        try {
            while (!stop) {
                restart = false;
                WsClient c = WsClient.connect(url);
                synchronized (this) {
                    ws = c;
                }
                connections++;
                publishUntilRestart(c);
                c.close();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            if (!stop) {
                problem = t;
            }
        }
    }

    private void publishUntilRestart(WsClient c) throws Exception {
        if (webm != null) {
            long t0 = System.nanoTime();
            for (long pass = 0; !stop && !restart; pass++) {
                for (int i = 0; i < webm.pieces() && !stop && !restart; i++) {
                    if (pass == 0 || webm.inLoop(i)) {
                        send(c, webm.piece(i, pass), t0, webm.millis(i) + pass * webm.loopMillis());
                    }
                }
            }
            return;
        }
        long t0 = System.nanoTime();
        int loopFirst = 1;
        int loopEnd = chunks.size() - 1; // the last chunk is left out
        long loopMillis = millis[loopEnd] - millis[loopFirst];
        // Per track: how far one pass of the loop moves its decode time; and its sequence numbers.
        Map<Integer, Long> firstTfdt = Fragments.tfdts(chunks.get(loopFirst));
        Map<Integer, Long> afterTfdt = Fragments.tfdts(chunks.get(loopEnd));
        long seqPerLoop = Fragments.sequence(chunks.get(loopEnd)) - Fragments.sequence(chunks.get(loopFirst));
        send(c, chunks.get(0), t0, millis[0]);
        for (long pass = 0; !stop && !restart; pass++) {
            for (int i = loopFirst; i < loopEnd && !stop && !restart; i++) {
                ByteBuffer chunk = chunks.get(i);
                if (pass > 0) {
                    chunk = copy(chunk);
                    Map<Integer, Long> shift = new HashMap<>();
                    for (Map.Entry<Integer, Long> e : firstTfdt.entrySet()) {
                        shift.put(e.getKey(), pass * (afterTfdt.get(e.getKey()) - e.getValue()));
                    }
                    Fragments.shift(chunk, shift, pass * seqPerLoop);
                }
                send(c, chunk, t0, millis[i] + pass * loopMillis);
            }
        }
    }

    private void send(WsClient c, ByteBuffer chunk, long t0, long atMillis) throws Exception {
        long wait = atMillis - (System.nanoTime() - t0) / 1_000_000;
        if (wait > 0) {
            Thread.sleep(wait);
        }
        c.sendBinary(chunk);
        chunksSent++;
    }

    private static ByteBuffer copy(ByteBuffer b) {
        ByteBuffer c = ByteBuffer.allocate(b.remaining());
        c.put(b.duplicate()).flip();
        return c;
    }

    @Override
    public void close() {
        stop = true;
        thread.interrupt();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            if (ws != null) {
                ws.close();
            }
        }
    }

    /**
     * A WebM recording cut for replay in a loop: its bytes up to its last random access point, in pieces at the
     * recorded chunk boundaries (and at the loop's start), each with its recorded arrival time. Pass 0 is the
     * recording itself; pass {@code k} repeats the pieces from the first random access point on, every Cluster
     * Timestamp plus {@code k} times the loop's length. The last group of pictures is left out: it is cut short
     * at {@code stop()}, and the loop must end where a key frame starts a Cluster.
     */
    static final class WebmLoop {
        private static final int CLUSTER = 0x1F43B675;
        private static final int TIMESTAMP = 0xE7;

        private final byte[] bytes;
        private final int loopStart;
        private final long loopMillis;
        /** Piece i is bytes [cuts[i], cuts[i + 1]), arriving at millis[i]. */
        private final int[] cuts;
        private final long[] millis;
        /** Each Cluster Timestamp element in the loop: {start, end, value}. */
        private final List<long[]> timestamps;

        private WebmLoop(byte[] bytes, int loopStart, long loopMillis, int[] cuts, long[] millis,
                List<long[]> timestamps) {
            this.bytes = bytes;
            this.loopStart = loopStart;
            this.loopMillis = loopMillis;
            this.cuts = cuts;
            this.millis = millis;
            this.timestamps = timestamps;
        }

        static WebmLoop of(Recording rec) throws MalformedStreamException {
            byte[] b = rec.bytes();
            Map<Long, Long> clusterMillis = new HashMap<>();
            List<Long> raps = new ArrayList<>();
            Segmenter s = Segmenter.create(rec.mime(), SegmenterLimits.defaults(), new SegmentListener() {
                @Override
                public void onInitSegment(long endOffset, StreamInfo info) {
                }

                @Override
                public void onSegmentStart(long offset, long timestampMillis) {
                    clusterMillis.put(offset, timestampMillis);
                }

                @Override
                public void onRandomAccessPoint(long segmentOffset) {
                    raps.add(segmentOffset);
                }
            });
            s.feed(ByteBuffer.wrap(b));
            if (raps.size() < 2) {
                throw new IllegalArgumentException(rec.name() + ": a loop needs two random access points");
            }
            int loopStart = (int) (long) raps.get(0);
            int loopEnd = (int) (long) raps.get(raps.size() - 1);
            long loopMillis = clusterMillis.get((long) loopEnd) - clusterMillis.get((long) loopStart);

            List<Integer> cutList = new ArrayList<>();
            List<Long> millisList = new ArrayList<>();
            int at = 0;
            long[] chunkMillis = rec.chunkMillis();
            for (int i = 0; i < chunkMillis.length && at < loopEnd; i++) {
                int end = Math.min(at + rec.chunks().get(i).remaining(), loopEnd);
                if (at < loopStart && end > loopStart) {
                    cutList.add(at);
                    millisList.add(chunkMillis[i]);
                    at = loopStart;
                }
                cutList.add(at);
                millisList.add(chunkMillis[i]);
                at = end;
            }
            cutList.add(loopEnd);

            List<long[]> timestamps = new ArrayList<>();
            for (long cluster : clusterMillis.keySet().stream().sorted().toList()) {
                if (cluster >= loopStart && cluster < loopEnd) {
                    timestamps.add(timestampElement(b, (int) cluster));
                }
            }
            int[] cuts = cutList.stream().mapToInt(Integer::intValue).toArray();
            for (long[] t : timestamps) {
                for (int c : cuts) {
                    if (c > t[0] && c < t[1]) {
                        throw new IllegalArgumentException(rec.name() + ": a chunk ends inside a Cluster Timestamp");
                    }
                }
            }
            return new WebmLoop(b, loopStart, loopMillis, cuts,
                    millisList.stream().mapToLong(Long::longValue).toArray(), timestamps);
        }

        /** The Timestamp element of the Cluster at {@code cluster}: {start, end, value}. */
        private static long[] timestampElement(byte[] b, int cluster) {
            int p = cluster + 4; // the Cluster ID
            p += varintLength(b[p]);
            while (p < b.length) {
                int idLength = varintLength(b[p]);
                int id = (int) uint(b, p, idLength);
                int sizeLength = varintLength(b[p + idLength]);
                long size = uint(b, p + idLength, sizeLength) & ~(1L << (7 * sizeLength)); // the length marker
                int body = p + idLength + sizeLength;
                if (id == TIMESTAMP) {
                    return new long[] {p, body + size, uint(b, body, (int) size)};
                }
                if (id == CLUSTER) {
                    break;
                }
                p = (int) (body + size);
            }
            throw new IllegalArgumentException("no Timestamp in the Cluster at " + cluster);
        }

        /** An EBML ID's or size's length from its first byte. */
        private static int varintLength(byte first) {
            return Integer.numberOfLeadingZeros(first & 0xFF) - 23;
        }

        private static long uint(byte[] b, int at, int n) {
            long v = 0;
            for (int i = 0; i < n; i++) {
                v = v << 8 | (b[at + i] & 0xFF);
            }
            return v;
        }

        int pieces() {
            return millis.length;
        }

        /** Whether piece {@code i} is repeated by every pass (it lies in the loop), not only sent by the first. */
        boolean inLoop(int i) {
            return cuts[i] >= loopStart;
        }

        long millis(int i) {
            return millis[i];
        }

        long loopMillis() {
            return loopMillis;
        }

        /** Piece {@code i} of pass {@code pass}: a fresh buffer. */
        ByteBuffer piece(int i, long pass) {
            int from = cuts[i];
            int to = cuts[i + 1];
            ByteArrayOutputStream out = new ByteArrayOutputStream(to - from + 16);
            int cursor = from;
            for (long[] t : timestamps) {
                if (pass == 0 || t[0] < from || t[0] >= to) {
                    continue;
                }
                out.write(bytes, cursor, (int) t[0] - cursor);
                long value = t[2] + pass * loopMillis;
                int n = Math.max(1, (64 - Long.numberOfLeadingZeros(value) + 7) / 8);
                out.write(TIMESTAMP);
                out.write(0x80 | n);
                for (int k = n - 1; k >= 0; k--) {
                    out.write((int) (value >>> (8 * k)));
                }
                cursor = (int) t[1];
            }
            out.write(bytes, cursor, to - cursor);
            return ByteBuffer.wrap(out.toByteArray());
        }
    }

    /** Just enough of ISO BMFF to move fragments in time: top-level moof, its mfhd, traf, tfhd and tfdt. */
    static final class Fragments {

        private Fragments() {
        }

        /** track_ID to the first baseMediaDecodeTime of that track in the chunk. */
        static Map<Integer, Long> tfdts(ByteBuffer chunk) {
            Map<Integer, Long> out = new HashMap<>();
            int[] track = {0};
            walk(chunk, (type, b, at, body, end) -> {
                if (type.equals("tfhd")) {
                    track[0] = b.getInt(body + 4);
                } else if (type.equals("tfdt")) {
                    long t = b.get(body) == 1 ? b.getLong(body + 4) : b.getInt(body + 4) & 0xFFFFFFFFL;
                    out.putIfAbsent(track[0], t);
                }
            });
            return out;
        }

        /** The first mfhd sequence_number in the chunk. */
        static long sequence(ByteBuffer chunk) {
            long[] seq = {-1};
            walk(chunk, (type, b, at, body, end) -> {
                if (type.equals("mfhd") && seq[0] < 0) {
                    seq[0] = b.getInt(body + 4) & 0xFFFFFFFFL;
                }
            });
            return seq[0];
        }

        /** Adds the per-track shift to every tfdt and {@code seq} to every mfhd, in place. */
        static void shift(ByteBuffer chunk, Map<Integer, Long> tfdtShift, long seq) {
            int[] track = {0};
            walk(chunk, (type, b, at, body, end) -> {
                switch (type) {
                    case "mfhd" -> b.putInt(body + 4, (int) ((b.getInt(body + 4) & 0xFFFFFFFFL) + seq));
                    case "tfhd" -> track[0] = b.getInt(body + 4);
                    case "tfdt" -> {
                        long d = tfdtShift.getOrDefault(track[0], 0L);
                        if (b.get(body) == 1) {
                            b.putLong(body + 4, b.getLong(body + 4) + d);
                        } else {
                            b.putInt(body + 4, (int) ((b.getInt(body + 4) & 0xFFFFFFFFL) + d));
                        }
                    }
                    default -> { }
                }
            });
        }

        interface Visitor {
            void box(String type, ByteBuffer b, int at, int body, int end);
        }

        /** Visits top-level boxes and, inside moof and traf, their children (32-bit sizes: MediaRecorder's). */
        private static void walk(ByteBuffer chunk, Visitor v) {
            walk(chunk, chunk.position(), chunk.limit(), v);
        }

        private static void walk(ByteBuffer b, int from, int to, Visitor v) {
            for (int at = from; at + 8 <= to; ) {
                int size = b.getInt(at);
                if (size < 8 || at + size > to) {
                    return;
                }
                String type = new String(new byte[] {b.get(at + 4), b.get(at + 5), b.get(at + 6), b.get(at + 7)},
                        StandardCharsets.US_ASCII);
                v.box(type, b, at, at + 8, at + size);
                if (type.equals("moof") || type.equals("traf")) {
                    walk(b, at + 8, at + size, v);
                }
                at += size;
            }
        }
    }
}
