package io.wsvideo.demo;

import io.wsvideo.relay.testing.Recording;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
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
 * <p>{@link #restart()} closes the connection and publishes anew from the start of the recording: what a
 * broadcaster's restart looks like to the relay.
 */
final class FixturePublisher implements AutoCloseable {

    private final String url;
    private final Recording rec;
    private final List<ByteBuffer> chunks;
    private final long[] millis;
    private final Thread thread;
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
