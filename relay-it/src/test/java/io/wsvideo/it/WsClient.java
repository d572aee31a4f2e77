package io.wsvideo.it;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * A real WebSocket client (the JDK's {@code java.net.http.WebSocket}, no container code) that records what
 * it receives: text messages, the binary bytes since the last {@code stream} message, and how it closed.
 */
final class WsClient implements WebSocket.Listener {

    static final Duration TIMEOUT = Duration.ofSeconds(10);

    /** How a connection closed: the close frame's code and reason. */
    record Closed(int code, String reason) {
    }

    private final List<String> texts = new ArrayList<>();
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final StringBuilder textPart = new StringBuilder();
    private final ByteArrayOutputStream binaryPart = new ByteArrayOutputStream();
    private int binaryMessages;
    private final CompletableFuture<Closed> closed = new CompletableFuture<>();
    private volatile WebSocket ws;

    static WsClient connect(HttpClient http, String url) throws Exception {
        return connect(http, url, Map.of());
    }

    /** Connects, with extra headers (e.g. Origin) and offered subprotocols; fails if the handshake fails. */
    static WsClient connect(HttpClient http, String url, Map<String, String> headers, String... subprotocols)
            throws Exception {
        WsClient c = new WsClient();
        WebSocket.Builder b = http.newWebSocketBuilder().connectTimeout(TIMEOUT);
        headers.forEach(b::header);
        if (subprotocols.length > 0) {
            b.subprotocols(subprotocols[0], java.util.Arrays.copyOfRange(subprotocols, 1, subprotocols.length));
        }
        c.ws = b.buildAsync(URI.create(url), c).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        return c;
    }

    /**
     * The HTTP status the server answers an opening handshake with (101 if it accepts), read from the status
     * line the way a browser does. Not through {@code java.net.http}: Tyrus on Grizzly sends its refusals
     * without a Content-Length and keeps the connection open, so a client that waits for the body hangs.
     */
    static int handshakeStatus(String url, Map<String, String> headers) throws IOException {
        URI u = URI.create(url);
        try (Socket s = new Socket(u.getHost(), u.getPort())) {
            s.setSoTimeout((int) TIMEOUT.toMillis());
            StringBuilder req = new StringBuilder("GET " + u.getRawPath()
                    + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery()) + " HTTP/1.1\r\n"
                    + "Host: " + u.getHost() + ":" + u.getPort() + "\r\n"
                    + "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n");
            headers.forEach((k, v) -> req.append(k).append(": ").append(v).append("\r\n"));
            req.append("\r\n");
            s.getOutputStream().write(req.toString().getBytes(StandardCharsets.ISO_8859_1));
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(),
                    StandardCharsets.ISO_8859_1));
            String status = in.readLine();
            if (status == null || !status.startsWith("HTTP/1.1 ")) {
                throw new IOException("not an HTTP response: " + status);
            }
            return Integer.parseInt(status.substring(9, 12));
        }
    }

    @Override
    public void onOpen(WebSocket webSocket) {
        webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        synchronized (this) {
            textPart.append(data);
            if (last) {
                String message = textPart.toString();
                textPart.setLength(0);
                texts.add(message);
                if (message.contains("\"type\":\"stream\"")) {
                    bytes.reset();
                }
            }
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
        byte[] b = new byte[data.remaining()];
        data.get(b);
        synchronized (this) {
            binaryPart.writeBytes(b);
            if (last) {
                bytes.writeBytes(binaryPart.toByteArray());
                binaryPart.reset();
                binaryMessages++;
            }
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closed.complete(new Closed(statusCode, reason));
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        closed.completeExceptionally(error);
    }

    WebSocket socket() {
        return ws;
    }

    /** The subprotocol the server selected ("" for none). */
    String subprotocol() {
        return ws.getSubprotocol();
    }

    /** Sends one binary message and waits until it is written (so sends never overlap). */
    void sendBinary(ByteBuffer data) throws Exception {
        ws.sendBinary(data, true).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    void sendText(String text) throws Exception {
        ws.sendText(text, true).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Starts a normal close (1000) and waits for the server's close frame. */
    void close() throws Exception {
        if (!closed.isDone() && !ws.isOutputClosed()) {
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }
        awaitClose();
    }

    synchronized List<String> texts() {
        return List.copyOf(texts);
    }

    synchronized int binaryMessages() {
        return binaryMessages;
    }

    /** Binary bytes received since the last {@code stream} message. */
    synchronized byte[] bytes() {
        return bytes.toByteArray();
    }

    boolean isClosed() {
        return closed.isDone();
    }

    Closed awaitClose() throws Exception {
        return closed.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    void awaitText(String fragment) throws InterruptedException {
        await(() -> texts().stream().anyMatch(t -> t.contains(fragment)), () -> "a text message containing "
                + fragment + "; got " + texts() + (isClosed() ? ", closed " + closed.getNow(null) : ""));
    }

    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        await(condition, () -> what);
    }

    /** Waits for {@code condition}; on time-out fails with {@code what}, computed then (so it can show state). */
    static void await(BooleanSupplier condition, Supplier<String> what) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + TIMEOUT + ": " + what.get());
            }
            Thread.sleep(10);
        }
    }
}
