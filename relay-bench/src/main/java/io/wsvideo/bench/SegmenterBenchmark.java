package io.wsvideo.bench;

import io.wsvideo.relay.media.MalformedStreamException;
import io.wsvideo.relay.media.SegmentListener;
import io.wsvideo.relay.media.Segmenter;
import io.wsvideo.relay.media.SegmenterLimits;
import io.wsvideo.relay.media.StreamInfo;
import io.wsvideo.relay.testing.Recording;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Segmenter throughput on real MediaRecorder recordings, fed in their recorded Blobs: one operation parses the
 * whole recording with a fresh segmenter. Bytes per second = recording size x operations per second (the
 * recording sizes are printed at setup, and {@code run.sh} reports MB/s).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SegmenterBenchmark {

    @Param({"webm-vp8-opus-long", "mp4-h264-opus"})
    public String recording;

    private List<ByteBuffer> chunks;
    private String mime;

    @Setup
    public void setUp() {
        Recording rec = Recording.load(recording);
        chunks = rec.chunks();
        mime = rec.mime();
        System.out.println("\n" + recording + ": " + rec.bytes().length + " bytes per operation");
    }

    @Benchmark
    public void parseRecording(Blackhole bh) throws MalformedStreamException {
        Counter c = new Counter(bh);
        Segmenter s = Segmenter.create(mime, SegmenterLimits.defaults(), c);
        for (ByteBuffer b : chunks) {
            s.feed(b);
        }
        bh.consume(c.events);
    }

    private static final class Counter implements SegmentListener {
        final Blackhole bh;
        int events;

        Counter(Blackhole bh) {
            this.bh = bh;
        }

        @Override
        public void onInitSegment(long endOffset, StreamInfo info) {
            bh.consume(info);
            events++;
        }

        @Override
        public void onSegmentStart(long offset, long timestampMillis) {
            events++;
        }

        @Override
        public void onRandomAccessPoint(long segmentOffset) {
            events++;
        }
    }
}
