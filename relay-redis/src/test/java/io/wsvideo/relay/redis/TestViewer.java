package io.wsvideo.relay.redis;

import static org.assertj.core.api.Assertions.fail;

import io.wsvideo.relay.SendCallback;
import io.wsvideo.relay.ViewerSink;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * A fake viewer that records what it is sent and completes every send at once (relay-core's RecordingSink,
 * for threads other than the test's: the bridge feeds the hub from its own thread).
 */
final class TestViewer implements ViewerSink {

    /** One received message: text or bytes. */
    record Received(String text, byte[] bytes) {
        boolean isText() {
            return text != null;
        }
    }

    // Guarded by this.
    private final List<Received> received = new ArrayList<>();
    private Integer closeCode;

    @Override
    public void sendBinary(ByteBuffer data, SendCallback callback) {
        byte[] b = new byte[data.remaining()];
        data.duplicate().get(b);
        synchronized (this) {
            received.add(new Received(null, b));
        }
        callback.completed(null);
    }

    @Override
    public void sendText(String text, SendCallback callback) {
        synchronized (this) {
            received.add(new Received(text, null));
        }
        callback.completed(null);
    }

    @Override
    public synchronized void close(int code, String reason) {
        if (closeCode == null) {
            closeCode = code;
        }
    }

    synchronized List<String> texts() {
        return received.stream().filter(Received::isText).map(Received::text).toList();
    }

    synchronized long count(String type) {
        return texts().stream().filter(t -> t.contains("\"type\":\"" + type + "\"")).count();
    }

    synchronized String lastText() {
        List<String> t = texts();
        return t.isEmpty() ? null : t.get(t.size() - 1);
    }

    /** Every binary message after the last {@code stream} text, concatenated. */
    synchronized byte[] bytesOfLastStream() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Received r : received) {
            if (r.isText() && r.text().contains("\"type\":\"stream\"")) {
                out.reset();
            } else if (!r.isText()) {
                out.writeBytes(r.bytes());
            }
        }
        return out.toByteArray();
    }

    /** How many bytes came before the first text of {@code type}, or -1 if none came. */
    synchronized long bytesBefore(String type) {
        long n = 0;
        for (Received r : received) {
            if (r.isText() && r.text().contains("\"type\":\"" + type + "\"")) {
                return n;
            } else if (!r.isText()) {
                n += r.bytes().length;
            }
        }
        return -1;
    }

    /** Waits, polling, for a condition; fails with {@code what} after {@code millis}. */
    static void await(String what, long millis, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out after " + millis + " ms waiting for: " + what);
            }
            Thread.sleep(10);
        }
    }
}
