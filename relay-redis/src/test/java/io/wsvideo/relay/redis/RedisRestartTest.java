package io.wsvideo.relay.redis;

import static io.wsvideo.relay.redis.TestViewer.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.wsvideo.relay.Publisher;
import io.wsvideo.relay.RelayConfig;
import io.wsvideo.relay.redis.ClusterNode.TestPeer;
import io.wsvideo.relay.testing.Recording;
import io.wsvideo.relay.testing.StreamAnalysis;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** Redis goes away under a running stream (SIGKILL) and comes back on the same port. */
class RedisRestartTest {

    @Test
    void aRedisRestartEndsRelayedStreamsAndTheyComeBackAtAKeyframe() throws Exception {
        Recording rec = Recording.load("webm-vp8-opus-long");
        byte[] all = Recording.asRelayed(rec.bytes());
        List<ByteBuffer> chunks = rec.chunks();
        long[] millis = rec.chunkMillis();
        try (RedisServerProcess redis = RedisServerProcess.start();
             ClusterNode a = new ClusterNode("A", RelayConfig.defaults(), ClusterNode.fastConfig(redis.uri()));
             ClusterNode b = new ClusterNode("B", RelayConfig.defaults(), ClusterNode.fastConfig(redis.uri()));
             ClusterNode c = new ClusterNode("C", RelayConfig.defaults(), ClusterNode.fastConfig(redis.uri()))) {
            for (ClusterNode n : List.of(a, b, c)) {
                await(n + " connected", 10_000, n.bridge::isConnected);
            }
            TestViewer onA = new TestViewer();
            TestViewer onB = new TestViewer();
            TestViewer onC = new TestViewer();
            a.hub.openViewer("live", onA);
            b.hub.openViewer("live", onB);
            c.hub.openViewer("live", onC);
            await("B and C subscribed", 10_000,
                    () -> b.bridge.stats().requestsOut() > 0 && c.bridge.stats().requestsOut() > 0);
            Publisher p = a.hub.openPublisher("live", rec.mime(), new TestPeer());
            await("B and C relay", 10_000, () -> b.live("live") && c.live("live"));

            // The recording at its own pace (10 s), Redis killed after about 1.5 s of it.
            CountDownLatch killNow = new CountDownLatch(1);
            Thread feeder = new Thread(() -> {
                long t0 = System.nanoTime();
                for (int i = 0; i < chunks.size(); i++) {
                    long due = t0 + millis[i] * 1_000_000L;
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        try {
                            Thread.sleep(wait / 1_000_000L, (int) (wait % 1_000_000L));
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                    p.onData(ByteBuffer.allocate(chunks.get(i).remaining()).put(chunks.get(i).duplicate()).flip());
                    if (millis[i] >= 1500) {
                        killNow.countDown();
                    }
                }
            }, "feeder");
            feeder.start();
            killNow.await();
            await("B and C have bytes", 5_000, () -> onB.bytesOfLastStream().length > 0
                    && onC.bytesOfLastStream().length > 0);
            redis.kill();

            for (TestViewer v : List.of(onB, onC)) {
                await("viewers on B and C are told", 5_000, () -> v.count("ended") == 1);
                assertThat(v.lastText()).contains("lost the relay cluster");
            }
            assertThat(b.bridge.isConnected()).isFalse();
            long lostAt = System.nanoTime();

            redis.startAgain();
            for (TestViewer v : List.of(onB, onC)) {
                await("viewers on B and C get the stream again", 10_000, () -> v.count("stream") == 2);
            }
            long recoveredMillis = (System.nanoTime() - lostAt) / 1_000_000L;
            feeder.join(20_000);
            assertThat(feeder.isAlive()).isFalse();

            // The publisher's own node never noticed: its viewer has every byte of one stream.
            await("A's viewer has everything", 5_000, () -> onA.bytesOfLastStream().length == all.length);
            assertThat(onA.bytesOfLastStream()).isEqualTo(all);
            assertThat(onA.count("ended")).isZero();

            // B and C: init segment, then everything from a keyframe on, to the end.
            StreamAnalysis an = StreamAnalysis.of(all, rec.mime());
            byte[] init = Arrays.copyOf(all, (int) an.initEnd());
            for (TestViewer v : List.of(onB, onC)) {
                await("the rest of the stream", 10_000,
                        () -> endsWith(v.bytesOfLastStream(), Arrays.copyOfRange(all, all.length - 100, all.length)));
                byte[] got = v.bytesOfLastStream();
                assertThat(Arrays.copyOf(got, init.length)).isEqualTo(init);
                long from = all.length - (got.length - init.length);
                assertThat(an.raps()).contains(from);
                assertThat(Arrays.copyOfRange(got, init.length, got.length))
                        .isEqualTo(Arrays.copyOfRange(all, (int) from, all.length));
            }
            assertThat(a.bridge.stats().connects()).isEqualTo(2);
            System.out.println("Redis restart: relayed streams back " + recoveredMillis + " ms after the loss was seen");
        }
    }

    @Test
    void aNodeStartedWhileRedisIsDownRunsAloneThenJoins() throws Exception {
        Recording rec = Recording.load("webm-vp8-opus");
        try (RedisServerProcess redis = RedisServerProcess.notStarted();
             ClusterNode a = new ClusterNode("A", RelayConfig.defaults(), ClusterNode.fastConfig(redis.uri()));
             ClusterNode b = new ClusterNode("B", RelayConfig.defaults(), ClusterNode.fastConfig(redis.uri()))) {
            TestViewer localOnA = new TestViewer();
            TestViewer onB = new TestViewer();
            a.hub.openViewer("solo", localOnA);
            b.hub.openViewer("solo", onB);
            Publisher p = a.hub.openPublisher("solo", rec.mime(), new TestPeer());
            List<ByteBuffer> chunks = rec.chunks();
            for (ByteBuffer c : chunks.subList(0, 10)) {
                p.onData(ByteBuffer.allocate(c.remaining()).put(c.duplicate()).flip()); // writable, as transports give it
            }
            assertThat(a.bridge.isConnected()).isFalse();
            assertThat(localOnA.count("stream")).isEqualTo(1);

            redis.startAgain();
            await("both nodes joined", 10_000, () -> a.bridge.isConnected() && b.bridge.isConnected());
            await("B relays A's stream from its last keyframe", 10_000, () -> onB.count("stream") == 1);
            for (ByteBuffer c : chunks.subList(10, chunks.size())) {
                p.onData(ByteBuffer.allocate(c.remaining()).put(c.duplicate()).flip()); // writable, as transports give it
            }
            byte[] all = Recording.asRelayed(rec.bytes());
            await("B has the end of the stream", 10_000, () -> endsWith(onB.bytesOfLastStream(),
                    Arrays.copyOfRange(all, all.length - 100, all.length)));
            assertThat(localOnA.bytesOfLastStream()).isEqualTo(all);
        }
    }

    private static boolean endsWith(byte[] a, byte[] suffix) {
        return a.length >= suffix.length
                && Arrays.equals(a, a.length - suffix.length, a.length, suffix, 0, suffix.length);
    }

}
