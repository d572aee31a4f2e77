package io.wsvideo.relay;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * A fake viewer that records what it is sent. In auto mode every send completes at once (synchronously,
 * as some containers do); otherwise sends wait until {@link #completeOne()} or {@link #completeAll()}.
 */
final class RecordingSink implements ViewerSink {

    /** One received message: text or bytes. */
    record Received(String text, byte[] bytes) {
        boolean isText() {
            return text != null;
        }
    }

    private final boolean auto;
    private final List<Received> received = new ArrayList<>();
    private final ArrayDeque<SendCallback> pending = new ArrayDeque<>();
    private int inFlight;
    private int maxInFlight;
    volatile Integer closeCode;
    volatile String closeReason;

    RecordingSink(boolean auto) {
        this.auto = auto;
    }

    @Override
    public void sendBinary(ByteBuffer data, SendCallback callback) {
        byte[] b = new byte[data.remaining()];
        data.get(b);
        record(new Received(null, b), callback);
    }

    @Override
    public void sendText(String text, SendCallback callback) {
        record(new Received(text, null), callback);
    }

    private void record(Received r, SendCallback callback) {
        synchronized (this) {
            received.add(r);
            inFlight++;
            maxInFlight = Math.max(maxInFlight, inFlight);
            if (!auto) {
                pending.add(callback);
                return;
            }
            inFlight--;
        }
        callback.completed(null);
    }

    /** Completes the oldest pending send. @return false if none was pending */
    boolean completeOne() {
        SendCallback cb;
        synchronized (this) {
            cb = pending.poll();
            if (cb == null) {
                return false;
            }
            inFlight--;
        }
        cb.completed(null);
        return true;
    }

    /** Completes the oldest pending send with a failure, as a dead connection would. @return false if none */
    boolean failOne() {
        SendCallback cb;
        synchronized (this) {
            cb = pending.poll();
            if (cb == null) {
                return false;
            }
            inFlight--;
        }
        cb.completed(new java.io.IOException("connection reset by peer"));
        return true;
    }

    void completeAll() {
        while (completeOne()) {
            // Completing one send may start the next.
        }
    }

    @Override
    public synchronized void close(int code, String reason) {
        if (closeCode == null) {
            closeCode = code;
            closeReason = reason;
        }
    }

    synchronized List<Received> received() {
        return List.copyOf(received);
    }

    synchronized List<String> texts() {
        return received.stream().filter(Received::isText).map(Received::text).toList();
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

    synchronized int maxInFlight() {
        return maxInFlight;
    }
}
