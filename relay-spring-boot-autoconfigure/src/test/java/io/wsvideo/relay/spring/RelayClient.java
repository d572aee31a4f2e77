package io.wsvideo.relay.spring;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * One relay WebSocket from the JDK's client (no container code on the client side), as a browser page uses it:
 * what the relay sent (control messages, and the media bytes of the current stream) and how it closed.
 */
public final class RelayClient implements WebSocket.Listener {

    /** Every wait in these tests ends within this. */
    public static final Duration TIMEOUT = Duration.ofSeconds(30);

    /** The close frame the relay sent. */
    public record Close(int code, String reason) {
    }

    // HTTP/1.1, as browsers open WebSockets (the JDK's default would first try an h2c upgrade).
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(TIMEOUT).build();

    private final List<String> controls = new CopyOnWriteArrayList<>();
    private final CompletableFuture<Close> close = new CompletableFuture<>();
    // Guarded by this: the media of the current stream, and the unfinished message.
    private final ByteArrayOutputStream media = new ByteArrayOutputStream();
    private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
    private final StringBuilder partialText = new StringBuilder();
    private int mediaMessages;
    private WebSocket socket;

    private RelayClient() {
    }

    /** Opens {@code url} ({@code ws://...}), offering {@code subprotocols} (how pages send tokens). */
    public static RelayClient open(String url, String... subprotocols) throws Exception {
        RelayClient c = new RelayClient();
        WebSocket.Builder b = HTTP.newWebSocketBuilder().connectTimeout(TIMEOUT);
        if (subprotocols.length > 0) {
            b.subprotocols(subprotocols[0], Arrays.copyOfRange(subprotocols, 1, subprotocols.length));
        }
        WebSocket ws = b.buildAsync(URI.create(url), c).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        synchronized (c) {
            c.socket = ws;
        }
        return c;
    }

    @Override
    public void onOpen(WebSocket webSocket) {
        webSocket.request(Long.MAX_VALUE);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        synchronized (this) {
            partialText.append(data);
            if (!last) {
                return null;
            }
            String text = partialText.toString();
            partialText.setLength(0);
            if (text.contains("\"type\":\"stream\"")) {
                media.reset(); // a new stream: its init segment comes next
            }
            controls.add(text);
        }
        return null;
    }

    @Override
    public synchronized CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
        byte[] b = new byte[data.remaining()];
        data.get(b);
        partial.writeBytes(b);
        if (last) {
            media.writeBytes(partial.toByteArray());
            partial.reset();
            mediaMessages++;
        }
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        close.complete(new Close(statusCode, reason));
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        close.completeExceptionally(error);
    }

    /** Sends one binary message and waits until it is written. */
    public void send(ByteBuffer message) throws Exception {
        ws().sendBinary(message, true).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The JSON control messages received, in order. */
    public List<String> controls() {
        return List.copyOf(controls);
    }

    /** The binary bytes received since the last {@code stream} message (init segment, then media). */
    public synchronized byte[] media() {
        return media.toByteArray();
    }

    public synchronized int mediaMessages() {
        return mediaMessages;
    }

    public boolean closed() {
        return close.isDone();
    }

    /** Waits for a control message containing {@code fragment}. */
    public void awaitControl(String fragment) throws InterruptedException {
        await(() -> controls.stream().anyMatch(t -> t.contains(fragment)),
                () -> "a message with " + fragment + "; got " + controls + (closed() ? ", closed " + close.join() : ""));
    }

    /** Waits for the relay's close frame. */
    public Close awaitClose() throws Exception {
        return close.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Closes normally (1000) and waits for the relay's answer. */
    public void close() throws Exception {
        if (!closed()) {
            ws().sendClose(WebSocket.NORMAL_CLOSURE, "done").get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }
        awaitClose();
    }

    private synchronized WebSocket ws() {
        return socket;
    }

    /** Polls {@code condition} until {@link #TIMEOUT}; the failure message is computed then. */
    public static void await(BooleanSupplier condition, Supplier<String> what) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("not within " + TIMEOUT + ": " + what.get());
            }
            Thread.sleep(20);
        }
    }
}
