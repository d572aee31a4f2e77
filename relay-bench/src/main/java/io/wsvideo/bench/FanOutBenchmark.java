package io.wsvideo.bench;

import io.wsvideo.relay.Peer;
import io.wsvideo.relay.Publisher;
import io.wsvideo.relay.RelayConfig;
import io.wsvideo.relay.RelayHub;
import io.wsvideo.relay.SendCallback;
import io.wsvideo.relay.ViewerSink;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * What the hub costs to hand one published chunk to every viewer of a channel, without any network: every
 * viewer's sink completes its send at once, on the publishing thread, as a transport whose socket always has
 * room would. One operation = one 100 ms chunk of a 2 Mbit/s WebM stream (about 25 KB) through
 * {@code Publisher.onData}: segmenting, late-join cache, each viewer's queue and drain loop.
 *
 * <p>Divide the time per operation by {@code viewers} for the cost per viewer per chunk; run with
 * {@code -prof gc} and divide {@code gc.alloc.rate.norm} the same way for the allocation per viewer per chunk.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class FanOutBenchmark {

    @Param({"1", "100", "1000", "10000"})
    public int viewers;

    private RelayHub hub;
    private Publisher publisher;
    private LoopedStream stream;
    private CountingSink[] sinks;

    /**
     * Completes every send at once. Keeps the last buffer it was given, as a transport hands it on: otherwise
     * the JIT may see that the hub's per-send {@code duplicate()} never escapes and leave it out.
     */
    static final class CountingSink implements ViewerSink {
        long bytes;
        long messages;
        ByteBuffer last;

        @Override
        public void sendBinary(ByteBuffer data, SendCallback callback) {
            bytes += data.remaining();
            last = data;
            messages++;
            callback.completed(null);
        }

        @Override
        public void sendText(String text, SendCallback callback) {
            messages++;
            callback.completed(null);
        }

        @Override
        public void close(int code, String reason) {
            throw new IllegalStateException("viewer closed: " + code + " " + reason);
        }
    }

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        stream = LoopedStream.of("webm-vp8-opus-long", 250_000);
        hub = RelayHub.create(RelayConfig.builder().maxViewersPerChannel(Math.max(10_000, viewers)).build());
        sinks = new CountingSink[viewers];
        for (int i = 0; i < viewers; i++) {
            sinks[i] = new CountingSink();
            hub.openViewer("bench", sinks[i]);
        }
        Peer peer = (code, reason) -> {
            throw new IllegalStateException("publisher closed: " + code + " " + reason);
        };
        publisher = hub.openPublisher("bench", stream.mime, peer);
        publisher.onData(stream.init);
        // One whole loop: every viewer is past its first keyframe and live.
        for (int i = 0; i < stream.ringSize(); i++) {
            publisher.onData(stream.next());
        }
        long live = 0;
        for (CountingSink s : sinks) {
            live += s.bytes > stream.init.capacity() ? 1 : 0;
        }
        if (live != viewers) {
            throw new IllegalStateException(live + " of " + viewers + " viewers are live");
        }
    }

    @Benchmark
    public void publishOneChunk() {
        publisher.onData(stream.next());
    }

    /**
     * The figures hold only if every viewer stayed live: no skip, no eviction. Checked once at the end, since
     * {@code stats()} allocates per viewer and the GC profiler would count it in the last iteration.
     */
    private void checkEveryViewerStayedLive() {
        io.wsvideo.relay.ChannelStats ch = hub.stats().channel("bench");
        if (ch == null || ch.viewerCount() != viewers || ch.skips() != 0 || ch.evictions() != 0) {
            throw new IllegalStateException("viewers skipped or evicted: " + (ch == null ? "no channel"
                    : ch.viewerCount() + " viewers, " + ch.skips() + " skips, " + ch.evictions() + " evictions"));
        }
    }

    @TearDown(Level.Trial)
    public void tearDown(Blackhole bh) {
        long total = 0;
        for (CountingSink s : sinks) {
            total += s.bytes;
        }
        bh.consume(total);
        checkEveryViewerStayedLive();
        // No hub.close(): closing N viewers costs O(N^2) allocation today (each leaves the channel by copying
        // its viewer array), and JMH's GC profiler would count that in the last iteration. The fork ends here.
    }
}
