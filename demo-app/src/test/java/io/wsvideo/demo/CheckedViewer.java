package io.wsvideo.demo;

import io.wsvideo.relay.StreamChecker;
import io.wsvideo.relay.testing.RawWs;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.LongFunction;

/**
 * A viewer on a {@link RawWs} whose reader thread checks every message with relay-core's {@link
 * StreamChecker} as it arrives: the stream message, the init segment, media from a random access point,
 * contiguous. Keeps the texts and counts, not the media.
 */
final class CheckedViewer implements AutoCloseable {

    final RawWs ws;
    private final StreamChecker checker;
    private final List<String> texts = new ArrayList<>();
    private final Thread reader;
    private volatile RawWs.Message closed;
    private volatile Throwable problem;
    private volatile long mediaBytes;

    private CheckedViewer(RawWs ws, LongFunction<StreamChecker.Published> published) {
        this.ws = ws;
        this.checker = new StreamChecker(published);
        this.reader = new Thread(this::read, "checked-viewer");
        reader.setDaemon(true);
    }

    static CheckedViewer open(String from, int port, String channel, StreamChecker.Published published)
            throws IOException {
        RawWs ws = RawWs.open(from, port, "/relay/view/" + channel, Map.of());
        if (ws.statusCode() != 101) {
            throw new IOException("handshake refused: " + ws.status);
        }
        return wrap(ws, id -> published);
    }

    /** Starts checking an open viewer connection; {@code published} gives each streamId's stream. */
    static CheckedViewer wrap(RawWs ws, LongFunction<StreamChecker.Published> published) throws IOException {
        if (ws.statusCode() != 101) {
            throw new IOException("handshake refused: " + ws.status);
        }
        ws.socket.setSoTimeout(0);
        CheckedViewer v = new CheckedViewer(ws, published);
        v.reader.start();
        return v;
    }

    private void read() {
        try {
            while (true) {
                RawWs.Message m = ws.read();
                if (m.isClose()) {
                    closed = m;
                    return;
                }
                synchronized (this) {
                    if (m.opcode() == RawWs.TEXT) {
                        texts.add(m.text());
                        checker.onText(m.text());
                    } else {
                        checker.onBinary(ByteBuffer.wrap(m.payload()));
                        mediaBytes += m.payload().length;
                    }
                }
            }
        } catch (IOException | RuntimeException | AssertionError e) {
            if (problem == null && !(e instanceof IOException && ws.socket.isClosed())) {
                problem = e;
            }
        }
    }

    synchronized List<String> texts() {
        return List.copyOf(texts);
    }

    synchronized StreamChecker.Summary summary() {
        return checker.summary();
    }

    long mediaBytes() {
        return mediaBytes;
    }

    RawWs.Message closed() {
        return closed;
    }

    /** The first thing that went wrong: a stream check that failed, or an I/O error. */
    Throwable problem() {
        return problem;
    }

    boolean sawText(String fragment) {
        return texts().stream().anyMatch(t -> t.contains(fragment));
    }

    void await(Duration timeout, BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (problem != null) {
                throw new AssertionError("viewer failed while waiting for " + what, problem);
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + timeout + ": " + what + "; texts " + texts()
                        + ", media " + mediaBytes + ", closed " + closed);
            }
            Thread.sleep(10);
        }
    }

    RawWs.Message awaitClose(Duration timeout) throws InterruptedException {
        await(timeout, () -> closed != null, "close");
        return closed;
    }

    @Override
    public void close() {
        ws.close();
        try {
            reader.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
