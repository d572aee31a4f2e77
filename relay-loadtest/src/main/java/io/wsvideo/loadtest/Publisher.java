package io.wsvideo.loadtest;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

/**
 * The one publisher: sends {@link LiveStream}'s chunks at their due times (real-time pace) with the JDK's
 * WebSocket client, which masks as a browser does, and notes when each chunk went out, for the viewers'
 * latency samples. One connection at a few Mbit/s: the client's cost does not matter here.
 */
final class Publisher implements AutoCloseable {

    private final LiveStream stream;
    private final AtomicLongArray sentNanos;
    private final HttpClient client;
    private WebSocket ws;
    private volatile String closedBy;

    /** Chunks sent, and how late the latest send started against its schedule. */
    int chunksSent;
    long maxLateMillis;

    Publisher(LiveStream stream, AtomicLongArray sentNanos) {
        this.stream = stream;
        this.sentNanos = sentNanos;
        this.client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    }

    void connect(URI uri) throws Exception {
        ws = client.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10))
                .buildAsync(uri, new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
                        closedBy = statusCode + " " + reason;
                        return null;
                    }

                    @Override
                    public void onError(WebSocket webSocket, Throwable error) {
                        closedBy = String.valueOf(error);
                    }
                }).get(15, TimeUnit.SECONDS);
    }

    /**
     * Sends every chunk at {@code startNanos + dueMillis}, or stops early at {@code deadlineNanos}.
     *
     * @throws IllegalStateException if the relay closed the publisher
     */
    void publish(long startNanos, long deadlineNanos) throws Exception {
        for (int i = 0; i < stream.chunkCount(); i++) {
            long due = startNanos + stream.dueMillis[i] * 1_000_000L;
            long now;
            while ((now = System.nanoTime()) < due) {
                LockSupport.parkNanos(due - now);
            }
            if (now > deadlineNanos) {
                break;
            }
            if (closedBy != null) {
                throw new IllegalStateException("the relay closed the publisher: " + closedBy);
            }
            maxLateMillis = Math.max(maxLateMillis, (now - due) / 1_000_000L);
            ByteBuffer chunk = ByteBuffer.wrap(stream.bytes, stream.chunkStart(i), stream.chunkLength(i));
            sentNanos.set(i, now);
            CompletableFuture<WebSocket> sent = ws.sendBinary(chunk, true);
            sent.get(10, TimeUnit.SECONDS);
            chunksSent = i + 1;
        }
    }

    String closedBy() {
        return closedBy;
    }

    @Override
    public void close() {
        if (ws != null) {
            try {
                ws.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(3, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // The relay may be gone already.
            }
            ws.abort();
        }
    }
}
