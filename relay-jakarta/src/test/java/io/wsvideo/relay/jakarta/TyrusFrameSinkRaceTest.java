package io.wsvideo.relay.jakarta;

import static org.assertj.core.api.Assertions.assertThat;

import io.wsvideo.relay.SharedBytes;
import io.wsvideo.relay.ViewerSink;
import jakarta.websocket.OnOpen;
import jakarta.websocket.Session;
import jakarta.websocket.server.ServerEndpoint;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link TyrusFrameSink} writes past Tyrus's own send path, so Tyrus's state checks do not stop it: it must
 * itself never put a data frame on the wire after the close frame, whether the close is the relay's
 * ({@link ViewerSink#close}, from another thread while a send is being started) or Tyrus's (the client said
 * goodbye and Tyrus answered). Each run streams as fast as it can and closes at a random moment; a raw
 * client reads every frame and fails the run if anything follows the server's close frame.
 */
class TyrusFrameSinkRaceTest {

    private static final int RUNS = Integer.getInteger("race.runs", 200);
    private static final long MAX_MILLIS = 60_000;
    private static final SharedBytes CHUNK = SharedBytes.of(ByteBuffer.wrap(new byte[8 * 1024]));
    private static final ScheduledExecutorService CLOSER = Executors.newScheduledThreadPool(1);
    private static final ExecutorService SENDER = Executors.newFixedThreadPool(2);
    private static final List<String> SINK_TYPES = new ArrayList<>();
    private static TyrusTestServer server;

    /** Streams CHUNK until a send fails; {@code ?closeAfterMicros=N} closes from another thread after N µs. */
    @ServerEndpoint("/race")
    public static class RacingViewer {
        @OnOpen
        public void open(Session session) {
            ViewerSink sink = ViewerSinks.forSession(session);
            synchronized (SINK_TYPES) {
                SINK_TYPES.add(sink.getClass().getSimpleName());
            }
            List<String> delay = session.getRequestParameterMap().get("closeAfterMicros");
            SENDER.execute(() -> pump(sink, new AtomicInteger()));
            if (delay != null) {
                CLOSER.schedule(() -> sink.close(1000, "race"), Long.parseLong(delay.get(0)), TimeUnit.MICROSECONDS);
            }
        }
    }

    /** One send in flight, as the hub does; the next starts on the sender pool (no recursion on inline completions). */
    private static void pump(ViewerSink sink, AtomicInteger sent) {
        if (sent.incrementAndGet() > 5000) {
            return;
        }
        sink.sendShared(CHUNK, failure -> {
            if (failure == null) {
                SENDER.execute(() -> pump(sink, sent));
            }
        });
    }

    @BeforeAll
    static void start() throws Exception {
        server = TyrusTestServer.start(RacingViewer.class);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        CLOSER.shutdownNow();
        SENDER.shutdownNow();
    }

    @Test
    void noDataFrameFollowsTheRelaysCloseFrame() throws Exception {
        Random random = new Random(11);
        Outcome total = runs("closed by the relay", () -> run("/race?closeAfterMicros=" + random.nextInt(3000), -1));
        assertThat(total.frames).as("the runs streamed").isGreaterThan(total.closes);
    }

    @Test
    void noDataFrameFollowsTyrussOwnCloseFrame() throws Exception {
        Random random = new Random(12);
        runs("closed by the client", () -> run("/race", random.nextInt(20)));
    }

    @FunctionalInterface
    private interface Run {
        Outcome go() throws IOException;
    }

    private static Outcome runs(String what, Run run) throws IOException {
        Outcome total = new Outcome();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(MAX_MILLIS);
        int runs = 0;
        for (; runs < RUNS && System.nanoTime() < deadline; runs++) {
            total.add(run.go());
        }
        System.out.printf("TyrusFrameSinkRaceTest: %d runs %s: %s%n", runs, what, total);
        assertThat(total.afterClose).as("data frames after the close frame").isZero();
        assertThat(total.closes).as("every run ended with a close frame").isEqualTo(runs);
        assertSinks();
        return total;
    }

    private static void assertSinks() {
        synchronized (SINK_TYPES) {
            assertThat(SINK_TYPES).as("the raw-frame sink was under test").isNotEmpty().containsOnly("TyrusFrameSink");
        }
    }

    private static final class Outcome {
        long frames;
        long afterClose;
        int closes;

        void add(Outcome o) {
            frames += o.frames;
            afterClose += o.afterClose;
            closes += o.closes;
        }

        @Override
        public String toString() {
            return frames + " data frames, " + closes + " close frames, " + afterClose + " data frames after a close";
        }
    }

    /**
     * One connection: reads frames; after {@code clientClosesAfter} data frames (if >= 0) sends a close frame.
     * Counts the data frames before and after the server's close frame, then answers it and reads to the end.
     */
    private static Outcome run(String path, int clientClosesAfter) throws IOException {
        Outcome o = new Outcome();
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            DataInputStream in = new DataInputStream(s.getInputStream());
            skipHttpHead(in);
            boolean closeSeen = false;
            boolean clientClosed = false;
            while (true) {
                int opcode;
                try {
                    opcode = readFrame(in);
                } catch (EOFException | SocketTimeoutException e) {
                    break;
                } catch (IOException e) {
                    break; // reset after the close: nothing more can arrive
                }
                if (opcode == 8) {
                    if (!closeSeen) {
                        closeSeen = true;
                        o.closes++;
                        if (!clientClosed) {
                            clientClose(out);
                        }
                        s.setSoTimeout(2000);
                    }
                } else if (closeSeen) {
                    o.afterClose++;
                } else {
                    o.frames++;
                    if (clientClosesAfter >= 0 && o.frames > clientClosesAfter && !clientClosed) {
                        clientClosed = true;
                        clientClose(out);
                    }
                }
            }
        }
        return o;
    }

    private static void clientClose(OutputStream out) {
        try {
            // FIN + close, masked (mask 0, so the payload is as is), code 1000.
            out.write(new byte[] {(byte) 0x88, (byte) 0x82, 0, 0, 0, 0, 0x03, (byte) 0xE8});
            out.flush();
        } catch (IOException e) {
            // The server closed first.
        }
    }

    private static void skipHttpHead(DataInputStream in) throws IOException {
        int matched = 0;
        StringBuilder head = new StringBuilder();
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("no handshake answer: " + head);
            }
            head.append((char) b);
            matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        assertThat(head.toString()).startsWith("HTTP/1.1 101");
    }

    /** Reads one frame, discarding its payload; returns its opcode. */
    private static int readFrame(DataInputStream in) throws IOException {
        int b0 = in.readUnsignedByte();
        int b1 = in.readUnsignedByte();
        long len = b1 & 0x7F;
        if (len == 126) {
            len = in.readUnsignedShort();
        } else if (len == 127) {
            len = in.readLong();
        }
        in.skipNBytes(len);
        return b0 & 0x0F;
    }
}
