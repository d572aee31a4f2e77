package io.wsvideo.relay.jakarta;

import io.wsvideo.relay.SendCallback;
import io.wsvideo.relay.ViewerSink;
import jakarta.websocket.CloseReason;
import jakarta.websocket.SendHandler;
import jakarta.websocket.SendResult;
import jakarta.websocket.Session;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A viewer's {@link Session} as the hub sees it. The hub never starts a send before the previous one
 * completed, which is exactly what Tomcat requires of async sends and what keeps Tyrus from queueing
 * without bound.
 */
final class SessionSink implements ViewerSink {

    private final Session session;

    SessionSink(Session session) {
        this.session = session;
    }

    @Override
    public void sendBinary(ByteBuffer data, SendCallback callback) {
        session.getAsyncRemote().sendBinary(data, new Completion(callback));
    }

    @Override
    public void sendText(String text, SendCallback callback) {
        session.getAsyncRemote().sendText(text, new Completion(callback));
    }

    @Override
    public void close(int code, String reason) {
        closeSession(session, code, reason);
    }

    static void closeSession(Session session, int code, String reason) {
        if (!session.isOpen()) {
            return;
        }
        try {
            session.close(new CloseReason(CloseReason.CloseCodes.getCloseCode(code), fit(reason)));
        } catch (IOException | IllegalStateException e) {
            // Already closing or the network is gone: nothing more to tell the peer.
        }
    }

    /** A close reason must fit in 123 UTF-8 bytes (RFC 6455 5.5: control frame payload of 125). */
    static String fit(String reason) {
        if (reason == null) {
            return "";
        }
        byte[] b = reason.getBytes(StandardCharsets.UTF_8);
        if (b.length <= 123) {
            return reason;
        }
        String s = reason;
        while (s.getBytes(StandardCharsets.UTF_8).length > 120) {
            s = s.substring(0, s.length() - 1);
        }
        return s + "...";
    }

    private static final class Completion implements SendHandler {
        private final SendCallback callback;

        Completion(SendCallback callback) {
            this.callback = callback;
        }

        @Override
        public void onResult(SendResult result) {
            callback.completed(result.isOK() ? null : failure(result));
        }

        private static Throwable failure(SendResult result) {
            Throwable t = result.getException();
            return t != null ? t : new IOException("send failed");
        }
    }
}
