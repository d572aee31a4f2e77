package io.wsvideo.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.wsvideo.relay.StreamChecker.Published;
import io.wsvideo.relay.testing.Recording;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Thousands of concurrent interleavings of publish, send completion (in random order across viewers, some
 * synchronous, some failing), viewer joins and viewer closes (often while a send is in flight), each checked
 * with {@link StreamChecker}: every viewer's messages are {@code stream}, the init segment, then contiguous
 * runs of the published bytes that start at random access points (after a {@code skip} notice for every run
 * but the first). No thread may throw, the hub may never have two sends in flight to one viewer, and once
 * everyone has left the channel is gone. {@code -Dinterleavings=N} changes the count (default 5,000).
 */
class HubInterleavingTest {

    private static final int ITERATIONS = Integer.getInteger("interleavings", 5000);
    private static final String[] RECORDINGS = {"webm-vp8-opus", "webm-opus-audio", "mp4-h264-opus", "webm-vp9-opus"};

    private static final List<Published> PUBLISHED = new ArrayList<>();
    private static final List<String> MIMES = new ArrayList<>();
    private static ExecutorService threads;

    @BeforeAll
    static void load() throws Exception {
        for (String name : RECORDINGS) {
            Recording r = Recording.load(name);
            PUBLISHED.add(Published.of(r.bytes(), r.mime()));
            MIMES.add(r.mime());
        }
        threads = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "interleaving");
            t.setDaemon(true);
            return t;
        });
    }

    @AfterAll
    static void stop() throws InterruptedException {
        threads.shutdownNow();
        assertThat(threads.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    /** One viewer as the test sees it. */
    private record Watcher(AsyncSink sink, Viewer viewer, boolean fromTheStart) {
    }

    @Test
    void publishAckAndCloseInAnyOrderNeverCorruptAViewersStream() throws Exception {
        long seed = Long.getLong("interleavings.seed", 20261126L);
        int skipsSeen = 0;
        int completeStreams = 0;
        int closedMidSend = 0;
        for (int iteration = 0; iteration < ITERATIONS; iteration++) {
            Random r = new Random(seed + iteration);
            int which = r.nextInt(PUBLISHED.size());
            Published published = PUBLISHED.get(which);
            String mime = MIMES.get(which);
            boolean roomy = r.nextBoolean();
            RelayConfig config = RelayConfig.builder()
                    .maxQueueBytes(roomy ? 4 << 20 : 4_000 + r.nextInt(30_000))
                    .maxQueueAgeMillis(60_000)
                    .maxSkipsPerMinute(r.nextInt(4) == 0 ? 2 : 1000)
                    .build();
            Iteration it = new Iteration(config, published, mime, r);
            it.run();
            for (Watcher w : it.watchers) {
                assertThat(w.sink.violation).as("iteration %d", iteration).isNull();
                StreamChecker.Summary s;
                try {
                    s = StreamChecker.check(w.sink.received(), id -> published);
                } catch (AssertionError e) {
                    throw new AssertionError("iteration " + iteration + " (seed " + (seed + iteration) + "): "
                            + e.getMessage(), e);
                }
                skipsSeen += s.skips();
                if (w.sink.closeCode != null) {
                    assertThat(w.sink.closeCode).as("only eviction closes a viewer's connection")
                            .isEqualTo(CloseCodes.POLICY_VIOLATION);
                    assertThat(w.sink.closeReason).startsWith("too slow");
                }
                if (roomy && w.fromTheStart && it.leftEarly.contains(w) == false && !w.sink.failedASend
                        && w.sink.closeCode == null) {
                    // Nothing could make it skip: it must have everything, exactly once.
                    assertThat(s.mediaBytes()).as("iteration %d: complete stream", iteration)
                            .isEqualTo(published.bytes().length);
                    completeStreams++;
                }
            }
            closedMidSend += it.closedWithSendInFlight;
            assertThat(it.hub.stats().channels()).as("iteration %d: channels left", iteration).isEmpty();
            it.hub.close();
        }
        System.out.printf("HubInterleavingTest: %d interleavings, %d skips, %d complete streams, %d closes with a"
                + " send in flight%n", ITERATIONS, skipsSeen, completeStreams, closedMidSend);
        // The mix must really have happened.
        assertThat(skipsSeen).isGreaterThan(ITERATIONS / 10);
        assertThat(completeStreams).isGreaterThan(ITERATIONS / 4);
        assertThat(closedMidSend).isGreaterThan(ITERATIONS / 4);
    }

    /** One run: a publisher thread, a thread that adds and closes viewers, two threads completing sends. */
    private static final class Iteration {
        final RelayHub hub;
        final Published published;
        final String mime;
        final Random random;
        final AsyncSink.Completions completions = new AsyncSink.Completions();
        final List<Watcher> watchers = new ArrayList<>();
        final List<Watcher> leftEarly = new ArrayList<>();
        final AtomicBoolean publishing = new AtomicBoolean(true);
        final AtomicBoolean churning = new AtomicBoolean(true);
        int closedWithSendInFlight;

        Iteration(RelayConfig config, Published published, String mime, Random random) {
            this.hub = RelayHub.createForTest(config, System::nanoTime);
            this.published = published;
            this.mime = mime;
            this.random = random;
        }

        Watcher join(boolean fromTheStart) throws RelayRefusal {
            AsyncSink sink = new AsyncSink(completions, random.nextInt(3) * 30, random.nextInt(4) == 0 ? 5 : 0,
                    random.nextLong());
            Watcher w = new Watcher(sink, hub.openViewer("room", sink), fromTheStart);
            synchronized (watchers) {
                watchers.add(w);
            }
            return w;
        }

        void run() throws Exception {
            int early = 1 + random.nextInt(3);
            for (int k = 0; k < early; k++) {
                join(true);
            }
            byte[] bytes = published.bytes();
            int[] cuts = cuts(bytes.length);
            long publisherSeed = random.nextLong();
            long churnSeed = random.nextLong();
            long ackSeed = random.nextLong();

            Future<?> publisher = threads.submit(() -> {
                Random pr = new Random(publisherSeed);
                Publisher p = hub.openPublisher("room", mime, new HubTestSupport.RecordingPeer());
                int from = 0;
                for (int k = 0; k <= cuts.length; k++) {
                    int to = k < cuts.length ? cuts[k] : bytes.length;
                    p.onData(ByteBuffer.wrap(bytes, from, to - from).slice().asReadOnlyBuffer());
                    from = to;
                    if (pr.nextInt(4) == 0) {
                        Thread.yield();
                    }
                }
                publishing.set(false);
                return p;
            });
            Future<?> churn = threads.submit(() -> {
                Random cr = new Random(churnSeed);
                while (publishing.get()) {
                    int action = cr.nextInt(10);
                    if (action == 0 && watchers.size() < 8) {
                        join(false);
                    } else if (action == 1) {
                        Watcher w;
                        synchronized (watchers) {
                            w = watchers.get(cr.nextInt(watchers.size()));
                        }
                        if (!leftEarly.contains(w)) {
                            if (completions.size() > 0) {
                                closedWithSendInFlight++;
                            }
                            leftEarly.add(w);
                            w.viewer.close();
                        }
                    } else {
                        Thread.yield();
                    }
                }
                churning.set(false);
                return null;
            });
            List<Future<?>> ackers = new ArrayList<>();
            for (int a = 0; a < 2; a++) {
                long s = ackSeed + a;
                ackers.add(threads.submit(() -> {
                    Random ar = new Random(s);
                    while (publishing.get() || churning.get() || completions.size() > 0) {
                        if (!completions.completeOne(ar)) {
                            Thread.yield();
                        }
                    }
                    return null;
                }));
            }
            Publisher p = (Publisher) publisher.get(30, TimeUnit.SECONDS);
            churn.get(30, TimeUnit.SECONDS);
            for (Future<?> f : ackers) {
                f.get(30, TimeUnit.SECONDS);
            }
            while (completions.completeOne(random)) {
                // Whatever the last completions started.
            }
            // Everyone leaves; the channel must go.
            if (random.nextBoolean()) {
                p.close();
            }
            for (Watcher w : watchers) {
                w.viewer.close();
            }
            p.close();
            while (completions.completeOne(random)) {
                // Late completions of closed viewers must be harmless.
            }
        }

        /** Cuts the stream into 10 to 60 pieces, some tiny. */
        int[] cuts(int length) {
            int n = 10 + random.nextInt(50);
            java.util.TreeSet<Integer> set = new java.util.TreeSet<>();
            while (set.size() < n) {
                set.add(1 + random.nextInt(length - 1));
            }
            return set.stream().mapToInt(Integer::intValue).toArray();
        }
    }
}
