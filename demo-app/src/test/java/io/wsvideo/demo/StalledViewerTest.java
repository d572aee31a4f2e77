package io.wsvideo.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.wsvideo.relay.RelayConfig;
import io.wsvideo.relay.ViewerStats;
import io.wsvideo.relay.jakarta.JakartaRelayConfig;
import io.wsvideo.relay.testing.Recording;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A viewer whose TCP connection stops reading, on the real Tyrus server: the relay's bounded queue, not
 * the container's, must take the strain, so the viewer is skipped and then evicted, and others are not.
 */
class StalledViewerTest {

    /** Opens a WebSocket with a raw socket, reads the handshake response, then never reads again. */
    static Socket stalledViewer(int port, String path) throws Exception {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
        s.setReceiveBufferSize(4096);
        OutputStream out = s.getOutputStream();
        out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                + "Sec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = s.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new AssertionError("handshake failed: " + head);
            }
            head.append((char) b);
        }
        assertThat(head.toString()).startsWith("HTTP/1.1 101");
        return s;
    }

    @Test
    void aViewerThatStopsReadingIsSkippedThenEvictedWhileAnotherKeepsUp() throws Exception {
        RelayConfig relay = RelayConfig.builder().maxQueueBytes(200_000).maxQueueAgeMillis(1_000)
                .maxSkipsPerMinute(3).maxStallMillis(5_000).build();
        Recording rec = Recording.load("webm-vp8-opus-long");
        try (DemoServer server = DemoServer.start("127.0.0.1", 0, JakartaRelayConfig.builder().relay(relay).build(),
                null, 64 * 1024);
             Socket stalled = stalledViewer(server.port(), "/relay/view/stall")) {
            WsClient healthy = WsClient.connect("ws://127.0.0.1:" + server.port() + "/relay/view/stall");
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            int rounds = 0;
            while (System.nanoTime() < deadline && server.hub().stats().viewersEvicted() == 0 && rounds < 40) {
                WsClient publisher = WsClient.connect("ws://127.0.0.1:" + server.port() + "/relay/publish/stall");
                for (ByteBuffer c : rec.chunks()) {
                    publisher.sendBinary(c);
                    Thread.sleep(5);
                }
                publisher.close();
                rounds++;
                var ch = server.hub().stats().channel("stall");
                for (ViewerStats v : ch.viewers()) {
                    assertThat(v.queuedBytes()).as("queued for viewer %d", v.id()).isLessThanOrEqualTo(200_000);
                }
            }
            var stats = server.hub().stats();
            System.out.printf("stalled viewer: rounds=%d, evicted=%d, skips=%d%n", rounds,
                    stats.viewersEvicted(), stats.channel("stall") == null ? -1 : stats.channel("stall").skips());
            assertThat(stats.viewersEvicted()).isEqualTo(1);
            assertThat(stats.channel("stall").skips()).isGreaterThan(0);
            WsClient.await(Duration.ofSeconds(10), () -> healthy.bytes().length == rec.bytes().length);
            assertThat(healthy.bytes()).isEqualTo(Recording.asRelayed(rec.bytes()));
        }
    }

}
