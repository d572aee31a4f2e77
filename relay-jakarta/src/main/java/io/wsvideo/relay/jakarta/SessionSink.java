package io.wsvideo.relay.jakarta;

import io.wsvideo.relay.SendCallback;
import io.wsvideo.relay.ViewerSink;
import io.wsvideo.relay.server.AccessGuard;
import jakarta.websocket.CloseReason;
import jakarta.websocket.SendHandler;
import jakarta.websocket.SendResult;
import jakarta.websocket.Session;
import java.io.IOException;
import java.nio.ByteBuffer;

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
            session.close(new CloseReason(CloseReason.CloseCodes.getCloseCode(code), AccessGuard.fitReason(reason)));
        } catch (IOException | IllegalStateException e) {
            // Already closing or the network is gone: nothing more to tell the peer.
        }
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
