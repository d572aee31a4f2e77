package io.wsvideo.relay;

import java.nio.ByteBuffer;

/**
 * How the hub reaches one viewer. A transport (a Jakarta WebSocket session, a Jetty session, a test fake)
 * implements it; the hub never calls {@code sendBinary}/{@code sendText} again before the previous send's
 * callback has run, so an implementation needs no queue of its own.
 */
public interface ViewerSink extends Peer {

    /**
     * Sends one binary message. The buffer's bytes are shared with every other viewer: read them from
     * position to limit, never write to them. Call {@code callback} exactly once, from any thread, possibly
     * before this method returns.
     */
    void sendBinary(ByteBuffer data, SendCallback callback);

    /** Sends one text (JSON control) message; same rules as {@link #sendBinary}. */
    void sendText(String text, SendCallback callback);

    /**
     * Sends one binary message that other viewers get too; same rules as {@link #sendBinary}, which is what
     * the hub calls through this method unless a transport overrides it to build its wire form once per
     * message ({@link SharedBytes#wireForm}).
     */
    default void sendShared(SharedBytes message, SendCallback callback) {
        sendBinary(message.bytes(), callback);
    }
}
