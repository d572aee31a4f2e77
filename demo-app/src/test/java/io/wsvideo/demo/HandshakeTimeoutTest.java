package io.wsvideo.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.wsvideo.relay.StreamChecker;
import io.wsvideo.relay.jakarta.JakartaRelayConfig;
import io.wsvideo.relay.testing.RawWs;
import io.wsvideo.relay.testing.Recording;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Slow and silent clients against the standalone demo (issue 12): connections that never finish their HTTP
 * request are closed after {@code handshakeTimeoutMillis}, 500 of them from one address do not keep a viewer at
 * another address from connecting and playing, and unfinished connections count against
 * {@code maxSessionsPerRemoteAddress} before any upgrade. A WebSocket that is upgraded has no such deadline,
 * however quiet it is.
 */
class HandshakeTimeoutTest {

    private static final long TIMEOUT_MILLIS = 2000;

    private static DemoServer start(int perAddress) throws Exception {
        return DemoServer.start("127.0.0.1", 0, JakartaRelayConfig.builder().handshakeTimeoutMillis(TIMEOUT_MILLIS)
                .maxSessionsPerRemoteAddress(perAddress).build());
    }

    /** A raw TCP connection from {@code from} that sends {@code bytes} (maybe nothing) and then nothing more. */
    private static Socket connect(String from, int port, String bytes) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
        if (!bytes.isEmpty()) {
            s.getOutputStream().write(bytes.getBytes(StandardCharsets.ISO_8859_1));
        }
        return s;
    }

    /** Whether the server closed {@code s} (end of stream or reset); waits at most {@code millis}. */
    private static boolean closedByServer(Socket s, int millis) throws IOException {
        s.setSoTimeout(millis);
        InputStream in = s.getInputStream();
        try {
            while (true) {
                if (in.read() < 0) {
                    return true;
                }
            }
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    private static int countClosed(List<Socket> sockets) throws IOException {
        int n = 0;
        for (Socket s : sockets) {
            if (s.isClosed() || closedByServer(s, 1)) {
                n++;
                s.close();
            }
        }
        return n;
    }

    /** Waits (bounded) until every socket was closed by the server; returns the milliseconds it took. */
    private static long awaitAllClosed(List<Socket> sockets, long sinceNanos, Duration max) throws Exception {
        long deadline = System.nanoTime() + max.toNanos();
        int closed = 0;
        while (System.nanoTime() < deadline) {
            closed += countClosed(sockets.stream().filter(s -> !s.isClosed()).toList());
            if (closed == sockets.size()) {
                return (System.nanoTime() - sinceNanos) / 1_000_000;
            }
            Thread.sleep(50);
        }
        throw new AssertionError(closed + " of " + sockets.size() + " connections closed within " + max);
    }

    @Test
    void fiveHundredUnfinishedHandshakesAreClosedAfterTheTimeoutWhileViewersElsewherePlay() throws Exception {
        Recording rec = Recording.load("webm-vp8-opus");
        try (DemoServer server = start(0)) {
            int port = server.port();
            // A viewer that is upgraded and then hears nothing (no publisher on its channel) must stay.
            RawWs quiet = RawWs.open("127.0.0.1", port, "/relay/view/quiet", Map.of());
            assertThat(quiet.read().text()).contains("\"type\":\"waiting\"");
            Bystander bystander = Bystander.start(port, "healthy", null);
            List<Socket> slow = new ArrayList<>();
            try {
                long opened = System.nanoTime();
                long[] openedAt = new long[500];
                for (int i = 0; i < 500; i++) {
                    String bytes = switch (i % 3) {
                        case 0 -> "";
                        case 1 -> "GET /relay/view/x HTTP/1.1\r\nHost: 127.0.0.1\r\n";
                        default -> "GET /relay/view/x HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                                + "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n";
                    };
                    slow.add(connect("127.0.0.3", port, bytes));
                    openedAt[i] = System.nanoTime();
                }
                // None of those opened in the last half timeout is closed yet (the machine may be slow: the
                // first ones may be past their deadline already).
                List<Socket> young = new ArrayList<>();
                long now = System.nanoTime();
                for (int i = 0; i < 500; i++) {
                    if (now - openedAt[i] < Duration.ofMillis(TIMEOUT_MILLIS / 2).toNanos()) {
                        young.add(slow.get(i));
                    }
                }
                assertThat(countClosed(young)).as("closed before the handshake timeout, of %d", young.size()).isZero();
                // While they hang: a new viewer from another address connects and plays.
                CheckedViewer fresh = CheckedViewer.open("127.0.0.2", port, "healthy",
                        StreamChecker.Published.of(rec.bytes(), rec.mime()));
                fresh.await(Duration.ofSeconds(10), () -> fresh.mediaBytes() > 0, "media for a viewer at 127.0.0.2");
                // A slowloris: a byte every half second on the last ones opened keeps none of them alive.
                for (int t = 0; t < 3; t++) {
                    for (int i = 499; i > 470; i -= 3) {
                        try {
                            slow.get(i).getOutputStream().write('X');
                        } catch (IOException e) {
                            // Closed by the server already (the machine is slow): what it should do.
                        }
                    }
                    Thread.sleep(500);
                }
                long millis = awaitAllClosed(slow, opened, Duration.ofMillis(TIMEOUT_MILLIS + 8000));
                System.out.printf("HandshakeTimeoutTest: 500 unfinished handshakes all closed %d ms after they "
                        + "opened (timeout %d ms)%n", millis, TIMEOUT_MILLIS);
                assertThat(fresh.problem()).isNull();
                assertThat(fresh.closed()).isNull();
                fresh.close();
                bystander.finish();
                // Twice the timeout later, the quiet viewer is still there.
                quiet.socket.setSoTimeout(200);
                try {
                    RawWs.Message m = quiet.read();
                    throw new AssertionError("the quiet viewer got " + m);
                } catch (SocketTimeoutException expected) {
                    // Still open, nothing to read.
                }
            } finally {
                bystander.close();
                quiet.close();
                for (Socket s : slow) {
                    s.close();
                }
            }
        }
    }

    @Test
    void unfinishedHandshakesCountAgainstTheLimitPerAddress() throws Exception {
        int perAddress = 16;
        try (DemoServer server = start(perAddress)) {
            int port = server.port();
            List<Socket> silent = new ArrayList<>();
            try {
                for (int i = 0; i < 50; i++) {
                    silent.add(connect("127.0.0.4", port, ""));
                }
                // Those past the limit are closed at once, long before the timeout.
                long deadline = System.nanoTime() + Duration.ofMillis(TIMEOUT_MILLIS / 2).toNanos();
                int closed = 0;
                while (closed < 50 - perAddress && System.nanoTime() < deadline) {
                    closed += countClosed(silent.stream().filter(s -> !s.isClosed()).toList());
                    Thread.sleep(20);
                }
                assertThat(closed).isEqualTo(50 - perAddress);
                // The address has no room left even for a proper handshake; another address does.
                try (Socket more = connect("127.0.0.4", port, "")) {
                    assertThat(closedByServer(more, 1000)).isTrue();
                }
                try (RawWs other = RawWs.open("127.0.0.5", port, "/relay/view/c", Map.of())) {
                    assertThat(other.read().text()).contains("\"type\":\"waiting\"");
                }
                // After the timeout, the held ones are gone and the address may connect again.
                awaitAllClosed(silent.stream().filter(s -> !s.isClosed()).toList(), System.nanoTime(),
                        Duration.ofMillis(TIMEOUT_MILLIS + 8000));
                try (RawWs again = RawWs.open("127.0.0.4", port, "/relay/view/c", Map.of())) {
                    assertThat(again.read().text()).contains("\"type\":\"waiting\"");
                }
            } finally {
                for (Socket s : silent) {
                    s.close();
                }
            }
        }
    }
}
