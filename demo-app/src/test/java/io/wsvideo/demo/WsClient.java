package io.wsvideo.demo;

import jakarta.websocket.ClientEndpointConfig;
import jakarta.websocket.CloseReason;
import jakarta.websocket.Endpoint;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.MessageHandler;
import jakarta.websocket.Session;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.glassfish.tyrus.client.ClientManager;

/** A real WebSocket client (Tyrus) that records what the relay sends and how it closes. */
final class WsClient extends Endpoint {

    private final List<String> texts = new ArrayList<>();
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private int binaryMessages;
    final CompletableFuture<CloseReason> closed = new CompletableFuture<>();
    private volatile Session session;

    static WsClient connect(ClientManager client, String url) throws Exception {
        WsClient c = new WsClient();
        c.session = client.connectToServer(c, ClientEndpointConfig.Builder.create().build(), URI.create(url));
        return c;
    }

    @Override
    public void onOpen(Session s, EndpointConfig config) {
        s.setMaxBinaryMessageBufferSize(16 * 1024 * 1024);
        s.addMessageHandler(String.class, new MessageHandler.Whole<String>() {
            @Override
            public void onMessage(String message) {
                synchronized (WsClient.this) {
                    texts.add(message);
                    if (message.contains("\"type\":\"stream\"")) {
                        bytes.reset();
                    }
                }
            }
        });
        s.addMessageHandler(ByteBuffer.class, new MessageHandler.Whole<ByteBuffer>() {
            @Override
            public void onMessage(ByteBuffer message) {
                byte[] b = new byte[message.remaining()];
                message.get(b);
                synchronized (WsClient.this) {
                    bytes.writeBytes(b);
                    binaryMessages++;
                }
            }
        });
    }

    @Override
    public void onClose(Session s, CloseReason reason) {
        closed.complete(reason);
    }

    Session session() {
        return session;
    }

    void sendBinary(ByteBuffer data) throws Exception {
        session.getBasicRemote().sendBinary(data);
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

    CloseReason awaitClose(Duration timeout) throws Exception {
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
