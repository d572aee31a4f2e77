package io.wsvideo.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.wsvideo.demo.Browser.Engine;
import io.wsvideo.relay.jakarta.JakartaRelayConfig;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Each engine starts, opens the demo, and reports what it can record and play: the measured rows of
 * docs/browsers.md (printed as "engine support" lines). Asserts what the rest of the matrix relies on.
 */
class BrowserEnginesTest {

    private static DemoServer server;

    @BeforeAll
    static void startServer() throws Exception {
        server = DemoServer.start("127.0.0.1", 0, JakartaRelayConfig.defaults());
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    static final String PROBE = """
            const types = ['video/webm;codecs=vp8,opus', 'video/webm;codecs=vp9,opus', 'video/webm;codecs=av01.0.04M.08,opus',
              'video/mp4;codecs=avc1.42C015,opus', 'video/mp4;codecs=avc1.4D002A,mp4a.40.2', 'video/mp4;codecs=avc1,mp4a',
              'video/mp4'];
            const rec = window.MediaRecorder ? types.filter((t) => MediaRecorder.isTypeSupported(t)) : [];
            const mse = window.MediaSource ? types.filter((t) => MediaSource.isTypeSupported(t)) : [];
            const mms = window.ManagedMediaSource ? types.filter((t) => ManagedMediaSource.isTypeSupported(t)) : null;
            const wc = [];
            if (window.VideoDecoder) {
              for (const codec of ['vp8', 'vp09.00.10.08', 'av01.0.04M.08', 'avc1.42C015', 'avc1.4D002A']) {
                try { if ((await VideoDecoder.isConfigSupported({ codec })).supported) wc.push(codec); } catch (e) { /* no */ }
              }
            }
            const wca = [];
            if (window.AudioDecoder) {
              for (const c of [{ codec: 'opus', sampleRate: 48000, numberOfChannels: 1 },
                               { codec: 'mp4a.40.2', sampleRate: 44100, numberOfChannels: 1 }]) {
                try { if ((await AudioDecoder.isConfigSupported(c)).supported) wca.push(c.codec); } catch (e) { /* no */ }
              }
            }
            let camera = null;
            try {
              const s = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
              camera = s.getTracks().map((t) => t.kind).sort().join('+');
              s.getTracks().forEach((t) => t.stop());
            } catch (e) { camera = 'refused: ' + e.name; }
            return { ua: navigator.userAgent, rec, mse, mms, videoDecoder: wc, audioDecoder: wca, camera };
            """;

    @ParameterizedTest
    @EnumSource(Engine.class)
    @SuppressWarnings("unchecked")
    void reportsWhatItRecordsAndPlays(Engine engine) throws Exception {
        try (Browser b = Browsers.start(engine)) {
            b.open("http://localhost:" + server.port() + "/watch?channel=probe");
            Map<String, Object> r = (Map<String, Object>) b.js(PROBE);
            System.out.printf("engine support %s (%s): %s%n", engine.label(), b.version(), r);
            assertThat(r.get("camera")).as("fake camera and microphone").isEqualTo("audio+video");
            assertThat((Iterable<String>) r.get("mse")).as("MSE").contains("video/webm;codecs=vp8,opus",
                    "video/mp4;codecs=avc1.42C015,opus");
            switch (engine) {
                case CHROMIUM, FIREFOX -> assertThat((Iterable<String>) r.get("rec")).contains("video/webm;codecs=vp8,opus");
                case WEBKIT -> {
                    assertThat((Iterable<String>) r.get("rec")).contains("video/mp4;codecs=avc1.4D002A,mp4a.40.2")
                            .doesNotContain("video/webm;codecs=vp8,opus");
                    assertThat(r.get("mms")).as("ManagedMediaSource").isNotNull();
                }
            }
        }
    }
}
