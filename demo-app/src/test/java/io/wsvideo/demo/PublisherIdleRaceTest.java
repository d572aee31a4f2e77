package io.wsvideo.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.wsvideo.relay.jakarta.JakartaRelayConfig;
import io.wsvideo.relay.testing.RawWs;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Regression test for a Tyrus 2.2 race the abuse tests ran into: a new session arms its idle timer with the
 * container's default timeout, 0, which runs at once and closes the session if the endpoint has set a positive
 * timeout by then (the publish endpoint sets 30 s in {@code onOpen}). Under load, fresh publishers were closed
 * "because of the idle timeout" within milliseconds: 11 of 800 here before {@link DemoServer} gave the
 * container a positive default.
 */
class PublisherIdleRaceTest {

    @Test
    void freshPublishersAreNotClosedForIdlingAtOnce() throws Exception {
        try (DemoServer server = DemoServer.start("127.0.0.1", 0, JakartaRelayConfig.defaults())) {
            ExecutorService pool = Executors.newFixedThreadPool(8);
            AtomicInteger idleCloses = new AtomicInteger();
            AtomicInteger opened = new AtomicInteger();
            List<Future<?>> all = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int thread = t;
                all.add(pool.submit(() -> {
                    for (int i = 0; i < 60; i++) {
                        try (RawWs p = RawWs.open("127.0.0." + (2 + thread), server.port(), "/relay/publish/race-"
                                + thread + "-" + i + "?mime=video/webm", Map.of())) {
                            assertThat(p.statusCode()).isEqualTo(101);
                            opened.incrementAndGet();
                            p.socket.setSoTimeout(100);
                            try {
                                RawWs.Message m = p.read();
                                if (m.isClose() && String.valueOf(m.reason()).contains("idle")) {
                                    idleCloses.incrementAndGet();
                                }
                            } catch (java.net.SocketTimeoutException stillOpen) {
                                // As it should be.
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : all) {
                f.get(60, TimeUnit.SECONDS);
            }
            pool.shutdown();
            assertThat(opened.get()).isEqualTo(480);
            assertThat(idleCloses.get()).as("publishers closed for idling right after they connected").isZero();
        }
    }
}
