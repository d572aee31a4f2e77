package io.wsvideo.demo;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A real WebSocket client (the JDK's) that records what the relay sends and how it closes.
 *
 * <p>Not Tyrus's client: its container shuts its executor down whenever its last session closes, racing
 * the next connect (Tyrus issue 640), which made tests that connect one after another fail now and then
 * with a RejectedExecutionException.
 */
final class WsClient implements WebSocket.Listener {

    /** How the relay closed the connection. */
    record Close(int code, String reason) {
    }

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final List<String> texts = new ArrayList<>();
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final StringBuilder textPart = new StringBuilder();
    private final ByteArrayOutputStream binaryPart = new ByteArrayOutputStream();
    private int binaryMessages;
    private final CompletableFuture<Close> closed = new CompletableFuture<>();
    private volatile WebSocket ws;

    static WsClient connect(String url) throws Exception {
        return connect(HTTP, url);
    }

    /** Through a client of the caller's (e.g. one that trusts a test certificate, for wss). */
    static WsClient connect(HttpClient http, String url) throws Exception {
        WsClient c = new WsClient();
        c.ws = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10))
                .buildAsync(URI.create(url), c).get(15, TimeUnit.SECONDS);
        return c;
    }

    @Override
    public void onOpen(WebSocket webSocket) {
        webSocket.request(Long.MAX_VALUE);
    }

    @Override
    public synchronized CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        textPart.append(data);
        if (last) {
            String message = textPart.toString();
            textPart.setLength(0);
            texts.add(message);
            if (message.contains("\"type\":\"stream\"")) {
                bytes.reset();
            }
        }
        return null;
    }

    @Override
    public synchronized CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
        byte[] b = new byte[data.remaining()];
        data.get(b);
        binaryPart.writeBytes(b);
        if (last) {
            bytes.writeBytes(binaryPart.toByteArray());
            binaryPart.reset();
            binaryMessages++;
        }
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closed.complete(new Close(statusCode, reason));
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        closed.complete(new Close(1006, String.valueOf(error)));
    }

    void sendBinary(ByteBuffer data) throws Exception {
        ws.sendBinary(data.duplicate(), true).get(10, TimeUnit.SECONDS);
    }

    void sendText(String text) throws Exception {
        ws.sendText(text, true).get(10, TimeUnit.SECONDS);
    }

    /** Closes normally (1000) and waits briefly for the relay's answer. */
    void close() {
        try {
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(5, TimeUnit.SECONDS);
            closed.get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            ws.abort();
        }
    }

    boolean isOpen() {
        return !closed.isDone() && !ws.isInputClosed();
    }

    synchronized List<String> texts() {
        return List.copyOf(texts);
    }

    /** Binary bytes received since the last {@code stream} message. */
    synchronized byte[] bytes() {
        return bytes.toByteArray();
    }

    synchronized int binaryMessages() {
        return binaryMessages;
    }

    Close awaitClose(Duration timeout) throws Exception {
        return closed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    static void await(Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within " + timeout);
            }
            Thread.sleep(20);
        }
    }
}
