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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A viewer's {@link Session} as the hub sees it. The hub never starts a send before the previous one
 * completed, which is exactly what Tomcat requires of async sends and what keeps Tyrus from queueing
 * without bound.
 */
final class SessionSink implements ViewerSink {

    private final Session session;
    /** A send is in flight: set before it starts, cleared when it completes. */
    private final AtomicBoolean sending = new AtomicBoolean();
    /** A {@link #closeAfterSend} waiting for the send in flight: {code, reason}, or null. */
    private final AtomicReference<Object[]> pendingClose = new AtomicReference<>();

    SessionSink(Session session) {
        this.session = session;
    }

    @Override
    public void sendBinary(ByteBuffer data, SendCallback callback) {
        sending.set(true);
        session.getAsyncRemote().sendBinary(data, new Completion(callback));
    }

    @Override
    public void sendText(String text, SendCallback callback) {
        sending.set(true);
        session.getAsyncRemote().sendText(text, new Completion(callback));
    }

    /** Closes now, even with a send in flight (a viewer evicted because its send is stuck, a shutdown). */
    @Override
    public void close(int code, String reason) {
        pendingClose.set(null);
        closeSession(session, code, reason);
    }

    /**
     * Closes once the send in flight (if any) has completed. Tomcat cannot write a close frame while an async
     * message is being written: it drops the connection instead, and the client sees 1006, not the reason
     * (seen with a viewer refused for an oversized text the instant after the relay sent it {@code waiting}).
     * A send that never completes gets the viewer evicted as too slow, which closes at once.
     */
    void closeAfterSend(int code, String reason) {
        Object[] close = {code, reason};
        pendingClose.set(close);
        if (!sending.get() && pendingClose.compareAndSet(close, null)) {
            closeSession(session, code, reason);
        }
    }

    /** A send completed: a close waiting for it goes now, before the hub can start the next send. */
    private void sent() {
        sending.set(false);
        Object[] close = pendingClose.getAndSet(null);
        if (close != null) {
            closeSession(session, (Integer) close[0], (String) close[1]);
        }
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

    private final class Completion implements SendHandler {
        private final SendCallback callback;

        Completion(SendCallback callback) {
            this.callback = callback;
        }

        @Override
        public void onResult(SendResult result) {
            sent();
            callback.completed(result.isOK() ? null : failure(result));
        }

        private static Throwable failure(SendResult result) {
            Throwable t = result.getException();
            return t != null ? t : new IOException("send failed");
        }
    }
}
