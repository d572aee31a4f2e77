package io.wsvideo.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.wsvideo.relay.HubTestSupport.RecordingPeer;
import io.wsvideo.relay.StreamChecker.Published;
import io.wsvideo.relay.testing.Recording;
import io.wsvideo.relay.testing.RetainedSize;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * 1,000 viewers join and leave in a loop while a publisher streams and restarts (issue 8), on the real hub
 * with its sweeper thread: four threads churn 250 viewer slots each, a fifth completes parked sends in random
 * order. Every viewer checks what it receives as it arrives ({@link StreamChecker}). Afterwards: no channel,
 * no media held by the hub, no thread left.
 */
class ViewerChurnTest {

    private static final long CHURN_MILLIS = Long.getLong("churn.millis", 3000);

    /** A viewer that checks its stream as it arrives and keeps none of it. */
    private static final class CheckingSink implements ViewerSink {
        final StreamChecker checker;
        final boolean parks;
        final AsyncSink.Completions completions;
        final AtomicInteger inFlight = new AtomicInteger();
        volatile Throwable problem;
        volatile Integer closeCode;

        CheckingSink(StreamChecker checker, boolean parks, AsyncSink.Completions completions) {
            this.checker = checker;
            this.parks = parks;
            this.completions = completions;
        }

        @Override
        public void sendBinary(ByteBuffer data, SendCallback callback) {
            deliver(() -> checker.onBinary(data), callback);
        }

        @Override
        public void sendText(String text, SendCallback callback) {
            deliver(() -> checker.onText(text), callback);
        }

        private void deliver(Runnable check, SendCallback callback) {
            if (inFlight.incrementAndGet() > 1) {
                problem = new AssertionError("two sends in flight");
            }
            try {
                synchronized (checker) {
                    check.run();
                }
            } catch (AssertionError e) {
                if (problem == null) {
                    problem = e;
                }
            }
            Runnable done = () -> {
                inFlight.decrementAndGet();
                callback.completed(null);
            };
            if (parks) {
                completions.add(done);
            } else {
                done.run();
            }
        }

        @Override
        public void close(int code, String reason) {
            closeCode = code;
        }
    }

    @Test
    void aThousandViewersJoinAndLeaveInALoopWhileThePublisherStreamsAndRestarts() throws Exception {
        Recording rec = Recording.load("webm-vp8-opus-long");
        Published published = Published.of(rec.bytes(), rec.mime());
        List<ByteBuffer> chunks = rec.chunks();
        int threadsBefore = HubFaultTest.liveThreads();
        RelayHub hub = RelayHub.create(RelayConfig.builder().maxQueueBytes(64 << 10).maxSkipsPerMinute(1000)
                .build());
        AsyncSink.Completions completions = new AsyncSink.Completions();
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong joins = new AtomicLong();
        AtomicLong streamsPublished = new AtomicLong();
        AtomicInteger peak = new AtomicInteger();
        List<CheckingSink> all = java.util.Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            Future<?> publisher = pool.submit(() -> {
                while (running.get()) {
                    Publisher p = hub.openPublisher("live", rec.mime(), new RecordingPeer());
                    streamsPublished.incrementAndGet();
                    for (ByteBuffer c : chunks) {
                        if (!running.get()) {
                            break;
                        }
                        p.onData(c.duplicate());
                        Thread.sleep(1);
                    }
                    p.close();
                }
                return null;
            });
            List<Future<?>> churners = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                long seed = 1000 + t;
                churners.add(pool.submit(() -> {
                    Random r = new Random(seed);
                    Viewer[] slots = new Viewer[250];
                    while (running.get()) {
                        int i = r.nextInt(slots.length);
                        if (slots[i] == null) {
                            CheckingSink sink = new CheckingSink(new StreamChecker(id -> published), r.nextInt(3) == 0,
                                    completions);
                            all.add(sink);
                            slots[i] = hub.openViewer("live", sink);
                            joins.incrementAndGet();
                        } else if (r.nextInt(4) == 0) {
                            slots[i].close();
                            slots[i] = null;
                        }
                        if (r.nextInt(50) == 0) {
                            peak.accumulateAndGet(hub.stats().channel("live") == null ? 0
                                    : hub.stats().channel("live").viewerCount(), Math::max);
                            Thread.sleep(1);
                        }
                    }
                    for (Viewer v : slots) {
                        if (v != null) {
                            v.close();
                        }
                    }
                    return null;
                }));
            }
            Future<?> acker = pool.submit(() -> {
                Random r = new Random(7);
                while (running.get() || completions.size() > 0) {
                    if (!completions.completeOne(r)) {
                        Thread.sleep(1);
                    }
                }
                return null;
            });
            Thread.sleep(CHURN_MILLIS);
            running.set(false);
            publisher.get(30, TimeUnit.SECONDS);
            for (Future<?> f : churners) {
                f.get(30, TimeUnit.SECONDS);
            }
            acker.get(30, TimeUnit.SECONDS);
            while (completions.completeOne(new Random())) {
                // Completions of sends started by the last ones.
            }
        } finally {
            pool.shutdownNow();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }

        long mediaChecked = 0;
        for (CheckingSink s : all) {
            if (s.problem != null) {
                throw new AssertionError("a viewer's stream was wrong", s.problem);
            }
            assertThat(s.closeCode).as("no viewer is evicted or closed by the hub").isNull();
            mediaChecked += s.checker.summary().mediaBytes();
        }
        System.out.printf("ViewerChurnTest: %d joins, peak %d viewers, %d streams, %.1f MB checked%n", joins.get(),
                peak.get(), streamsPublished.get(), mediaChecked / 1e6);
        assertThat(joins.get()).isGreaterThanOrEqualTo(1000);
        assertThat(peak.get()).isGreaterThan(400);
        assertThat(streamsPublished.get()).isGreaterThanOrEqualTo(1);
        assertThat(hub.stats().channels()).isEmpty();
        assertThat(RetainedSize.of(hub, o -> o instanceof ViewerSink || o instanceof Peer))
                .as("bytes the hub keeps once everyone left").isLessThan(20_000);
        hub.close();
        HubFaultTest.waitForThreads(threadsBefore);
    }
}
