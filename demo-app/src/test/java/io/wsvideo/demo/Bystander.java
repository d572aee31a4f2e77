package io.wsvideo.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.wsvideo.relay.StreamChecker;
import io.wsvideo.relay.testing.RawWs;
import io.wsvideo.relay.testing.Recording;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A channel minding its own business while a test abuses the relay: a publisher on 127.0.0.1 streams a real
 * recording again and again (a new publisher connection each pass, {@code pauseMillis} between chunks) and a
 * viewer checks every byte it gets. {@link #finish()} lets the current pass end, then asserts that the viewer
 * got every pass whole, exactly, with no skip and no close.
 */
final class Bystander implements AutoCloseable {

    private final int port;
    private final String channel;
    private final String token;
    private final Recording rec;
    private final long pauseMillis;
    private final CheckedViewer viewer;
    private final Thread publisher;
    private volatile boolean stop;
    private volatile int passes;
    private volatile Throwable publisherProblem;

    private Bystander(int port, String channel, String token, long pauseMillis) throws Exception {
        this.port = port;
        this.channel = channel;
        this.token = token;
        this.rec = Recording.load("webm-vp8-opus");
        this.pauseMillis = pauseMillis;
        StreamChecker.Published published = StreamChecker.Published.of(rec.bytes(), rec.mime());
        this.viewer = CheckedViewer.open("127.0.0.1", port, channel, published);
        viewer.await(Duration.ofSeconds(10), () -> viewer.sawText("\"type\":\"waiting\""), "waiting");
        this.publisher = new Thread(this::publish, "bystander-publisher");
        publisher.setDaemon(true);
        publisher.start();
    }

    /** Starts streaming on {@code channel}; {@code token} may be null when publishing is open. */
    static Bystander start(int port, String channel, String token) throws Exception {
        return new Bystander(port, channel, token, 15);
    }

    private void publish() {
        try {
            while (!stop) {
                String path = "/relay/publish/" + channel + "?mime=" + URLEncoder.encode(rec.mime(),
                        StandardCharsets.UTF_8) + (token == null ? "" : "&token=" + token);
                try (RawWs p = RawWs.open("127.0.0.1", port, path, Map.of())) {
                    if (p.statusCode() != 101) {
                        throw new IOException("bystander publisher refused: " + p.status);
                    }
                    List<ByteBuffer> chunks = rec.chunks();
                    for (ByteBuffer c : chunks) {
                        try {
                            p.sendBinary(c);
                        } catch (IOException e) {
                            // Say how the relay closed it, if it did.
                            p.socket.setSoTimeout(2000);
                            throw new IOException("bystander publisher (pass " + (passes + 1) + ") could not send: "
                                    + e.getMessage() + "; the relay said: " + p.awaitClose(), e);
                        }
                        Thread.sleep(pauseMillis);
                    }
                    // Let the viewer get the last bytes before this publisher's "ended".
                    int pass = passes + 1;
                    viewer.await(Duration.ofSeconds(20), () -> viewer.mediaBytes() >= (long) pass * rec.bytes().length,
                            "pass " + pass + " delivered");
                    passes = pass;
                }
                // The next publisher must not find the channel busy: wait for "ended".
                int pass = passes;
                viewer.await(Duration.ofSeconds(20), () -> viewer.summary().ended() >= pass, "ended " + pass);
            }
        } catch (Throwable t) {
            publisherProblem = t;
        }
    }

    /** Ends the current pass and checks the viewer saw every pass exactly. */
    void finish() throws Exception {
        stop = true;
        publisher.join(60_000);
        assertThat(publisher.isAlive()).as("bystander publisher still running").isFalse();
        if (publisherProblem != null) {
            throw new AssertionError("the bystander channel was disturbed", publisherProblem);
        }
        if (viewer.problem() != null) {
            throw new AssertionError("the bystander viewer got a wrong stream", viewer.problem());
        }
        StreamChecker.Summary s = viewer.summary();
        assertThat(passes).as("bystander passes").isPositive();
        assertThat(s.skips()).as("bystander skips").isZero();
        assertThat(s.streams()).isEqualTo(passes);
        assertThat(s.mediaBytes()).as("bystander bytes").isEqualTo((long) passes * rec.bytes().length);
        assertThat(viewer.closed()).as("bystander viewer closed").isNull();
    }

    @Override
    public void close() {
        stop = true;
        viewer.close();
    }
}
