package io.wsvideo.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.wsvideo.demo.Browser.Engine;
import io.wsvideo.relay.RelayConfig;
import io.wsvideo.relay.jakarta.JakartaRelayConfig;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import java.util.ArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The browser matrix: one viewer engine (a subclass each, so each engine is its own test class) watches
 * channels from every source: Chromium broadcasting WebM VP8/VP9 + Opus and MP4 H.264 + Opus, Firefox
 * broadcasting WebM VP8 + Opus, and WebKit's MP4 H.264 + AAC recording replayed by a WebSocket client with its
 * timing. For each, the viewer page ({@code /watch?mode=mse}, and {@code mode=webcodecs} where the engine
 * runs it) must:
 * <ol>
 *   <li>opened 3 s into the broadcast, show moving video within 2 s, with audio where the source has it;
 *   <li>survive a skip: its link stalls, the relay drops it to the next key frame, it plays on;
 *   <li>follow a broadcaster restart (a new stream) without reloading.
 * </ol>
 * The broadcasting browsers and the viewer stay open for the whole class; each source gets a new channel.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ViewerMatrix {

    /** Who publishes, and what. */
    enum Source {
        CHROMIUM_VP8(Engine.CHROMIUM, "video/webm;codecs=vp8,opus"),
        CHROMIUM_VP9(Engine.CHROMIUM, "video/webm;codecs=vp9,opus"),
        CHROMIUM_H264(Engine.CHROMIUM, "video/mp4;codecs=avc1,opus"),
        FIREFOX_VP8(Engine.FIREFOX, "video/webm;codecs=vp8,opus"),
        WEBKIT_FIXTURE(null, "webkit-mp4-h264-aac");

        final Engine broadcaster;
        final String mimeOrFixture;

        Source(Engine broadcaster, String mimeOrFixture) {
            this.broadcaster = broadcaster;
            this.mimeOrFixture = mimeOrFixture;
        }
    }

    private final Engine viewerEngine;
    private final List<String> modes;
    private final long lateJoinLimitMs;
    private DemoServer server;
    private TcpProxy proxy;
    private Browser viewer;
    private Browser chromium;
    private Browser firefox;

    /**
     * @param modes the watch page's player modes this engine runs ({@code mse}, {@code webcodecs})
     * @param lateJoinLimitMs how soon after the page loaded the video must move (2 s; see docs/browsers.md
     *     for WebKit's)
     */
    ViewerMatrix(Engine viewerEngine, List<String> modes, long lateJoinLimitMs) {
        this.viewerEngine = viewerEngine;
        this.modes = modes;
        this.lateJoinLimitMs = lateJoinLimitMs;
    }

    Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (Source s : Source.values()) {
            for (String m : modes) {
                out.add(Arguments.of(s, m));
            }
        }
        return out.stream();
    }

    @BeforeAll
    void start() throws Exception {
        Browsers.require(viewerEngine);
        // Small queue bounds, so that a stalled viewer is skipped within seconds.
        RelayConfig relay = RelayConfig.builder().maxQueueBytes(150_000).maxQueueAgeMillis(1_000)
                .maxSkipsPerMinute(20).build();
        server = DemoServer.start("127.0.0.1", 0, JakartaRelayConfig.builder().relay(relay).build(), null,
                64 * 1024);
        proxy = new TcpProxy(server.port());
        viewer = Browsers.start(viewerEngine);
        System.out.printf("matrix viewer %s%n", viewer.version());
    }

    @AfterAll
    void stop() {
        Browsers.close(viewer, chromium, firefox);
        if (proxy != null) {
            proxy.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private Browser broadcaster(Engine e) throws Exception {
        Browsers.require(e);
        if (e == Engine.CHROMIUM) {
            return chromium != null ? chromium : (chromium = Browsers.start(e));
        }
        return firefox != null ? firefox : (firefox = Browsers.start(e));
    }

    /** A running source: restart() makes a new stream on the same channel. */
    private interface Running extends AutoCloseable {
        void restart() throws Exception;

        @Override
        void close();
    }

    private Running publish(Source source, String channel) throws Exception {
        if (source.broadcaster == null) {
            FixturePublisher p = FixturePublisher.start(server.port(), channel, source.mimeOrFixture);
            awaitLive(channel, 1);
            return new Running() {
                @Override
                public void restart() {
                    p.restart();
                }

                @Override
                public void close() {
                    p.close();
                }
            };
        }
        Browser b = broadcaster(source.broadcaster);
        b.open("http://localhost:" + server.port() + "/stream?channel=" + channel + "&role=broadcast&mime="
                + URLEncoder.encode(source.mimeOrFixture, StandardCharsets.UTF_8));
        awaitLive(channel, 1);
        return new Running() {
            @Override
            public void restart() throws Exception {
                b.click("stop");
                await("publisher gone", Duration.ofSeconds(10), () -> !server.hub().stats().channel(channel).live());
                b.click("broadcast");
            }

            @Override
            public void close() {
                try {
                    b.click("stop");
                } catch (RuntimeException e) {
                    // The page may be gone.
                }
            }
        };
    }

    private void awaitLive(String channel, long streams) throws InterruptedException {
        await("publisher live on " + channel, Duration.ofSeconds(20), () -> {
            var ch = server.hub().stats().channel(channel);
            return ch != null && ch.live() && ch.streams() >= streams && ch.chunksIn() > 1;
        });
    }

    private static void await(String what, Duration limit, Supplier<Boolean> condition) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!Boolean.TRUE.equals(condition.get())) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for: " + what);
            }
            Thread.sleep(50);
        }
    }

    private static double num(Map<String, Object> s, String key) {
        Object v = s == null ? null : s.get(key);
        return v instanceof Number n ? n.doubleValue() : 0;
    }

    /** Frames shown so far: MSE's requestVideoFrameCallback count where there is one, WebCodecs' drawn frames. */
    private static double frames(Map<String, Object> s) {
        for (String k : List.of("framesPresented", "framesDrawn", "totalVideoFrames")) {
            if (s != null && s.get(k) != null) {
                return num(s, k);
            }
        }
        return 0;
    }

    /** Milliseconds until the page shows video whose frames and clock both advance. */
    private long msUntilMovingVideo(Duration limit) throws InterruptedException {
        long t0 = System.nanoTime();
        long deadline = t0 + limit.toNanos();
        Map<String, Object> first = null;
        Map<String, Object> s = null;
        while (System.nanoTime() < deadline) {
            s = viewer.playerStats();
            if (s != null && num(s, "videoWidth") > 0 && frames(s) > 0) {
                if (first == null) {
                    first = s;
                } else if (frames(s) > frames(first) && num(s, "currentTime") > num(first, "currentTime")) {
                    return (System.nanoTime() - t0) / 1_000_000;
                }
            }
            Thread.sleep(25);
        }
        throw new AssertionError(viewerEngine.label() + ": no moving video within " + limit + ": " + s + " status="
                + viewer.text("status"));
    }

    /**
     * What the page's video element says of its audio: decoded audio bytes (Chromium and WebKit), else
     * Firefox's mozHasAudio, else (WebKitGTK) whether an audio track is enabled.
     */
    private Object audioEvidence() {
        return viewer.js("""
                const v = document.getElementById('video');
                if (typeof v.webkitAudioDecodedByteCount === 'number') return v.webkitAudioDecodedByteCount;
                if (typeof v.mozHasAudio === 'boolean') return v.mozHasAudio;
                // WebKitGTK has neither: an enabled audio track is what it tells.
                return !!(v.audioTracks && Array.from(v.audioTracks).some((t) => t.enabled));
                """);
    }

    /** MSE mode: the video element decodes audio (every source here has it). */
    private void assertAudio(Source source) throws InterruptedException {
        Object before = audioEvidence();
        Thread.sleep(1000);
        Object after = audioEvidence();
        System.out.printf("matrix %s <- %s: audio evidence %s -> %s%n", viewerEngine.label(), source, before, after);
        if (after instanceof Number n) {
            assertThat(n.longValue()).as("decoded audio bytes keep rising").isGreaterThan(((Number) before).longValue());
        } else {
            assertThat(after).as("the video element has audio").isEqualTo(Boolean.TRUE);
        }
    }

    @ParameterizedTest(name = "{0} in {1}")
    @MethodSource("cases")
    void playsLateJoinSkipAndRestart(Source source, String mode) throws Exception {
        String channel = ("m" + viewerEngine + source + mode).toLowerCase().replace("_", "");
        try (Running running = publish(source, channel)) {
            Thread.sleep(2500);

            // 1. Late join: timed from the loaded page (its player connects on load) to moving video.
            long t0 = System.nanoTime();
            viewer.open("http://localhost:" + proxy.port() + "/watch?channel=" + channel + "&mode=" + mode);
            long pageMs = (System.nanoTime() - t0) / 1_000_000;
            long ms = msUntilMovingVideo(Duration.ofSeconds(10));
            Map<String, Object> s = viewer.playerStats();
            System.out.printf("matrix %s <- %s (%s): moving video %d ms after the page loaded (in %d ms): %s%n",
                    viewerEngine.label(), source, mode, ms, pageMs, s);
            viewer.screenshot("matrix-" + channel);
            assertThat(s.get("mode")).as("player mode").isEqualTo(mode);
            assertThat(ms).as("%s <- %s (%s): ms from the loaded page to moving video", viewerEngine.label(), source,
                    mode).isLessThan(lateJoinLimitMs);
            if (mode.equals("mse")) {
                assertAudio(source);
            }
            viewer.js("window.wsvideoMarker = 'same page';");

            // 2. Skip: the viewer's link stalls until the relay drops it to the next key frame.
            proxy.pauseDownstream(true);
            try {
                await("the relay skipped the viewer", Duration.ofSeconds(30),
                        () -> server.hub().stats().channel(channel).skips() > 0);
            } finally {
                proxy.pauseDownstream(false);
            }
            await("the page was told of the skip", Duration.ofSeconds(20), () -> num(viewer.playerStats(), "skips") > 0);
            long skipMs = msUntilMovingVideo(Duration.ofSeconds(10));
            System.out.printf("matrix %s <- %s: moving again %d ms after the skip notice%n", viewerEngine.label(),
                    source, skipMs);

            // 3. Restart: a new stream on the same channel; the open page follows without reloading.
            running.restart();
            awaitLive(channel, 2);
            await("second stream announced", Duration.ofSeconds(15), () -> num(viewer.playerStats(), "streams") >= 2);
            long restartMs = msUntilMovingVideo(Duration.ofSeconds(10));
            System.out.printf("matrix %s <- %s: moving again %d ms after the new stream was announced%n",
                    viewerEngine.label(), source, restartMs);
            assertThat(viewer.js("return window.wsvideoMarker;")).isEqualTo("same page");
            assertThat(viewer.playerStats().get("mode")).isEqualTo(mode);
        }
    }
}
