package io.wsvideo.relay.jakarta;

import io.wsvideo.relay.SendCallback;
import io.wsvideo.relay.SharedBytes;
import io.wsvideo.relay.ViewerSink;
import io.wsvideo.relay.server.WebSocketFrames;
import jakarta.websocket.Session;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.glassfish.tyrus.spi.CompletionHandler;
import org.glassfish.tyrus.spi.Writer;

/**
 * A viewer on Tyrus that writes finished WebSocket frames straight to the connection's transport
 * ({@link Writer}), framing each shared media message once for all viewers: server-to-client frames are not
 * masked, so the framed bytes are the same for everyone. Tyrus's own {@code sendBinary} frames and copies the
 * payload per viewer (about three copies) and the JDK copies a heap buffer once more into a direct one on the
 * way to the socket; here every viewer's write is a {@code duplicate()} of one direct buffer.
 *
 * <p>Order on the wire: the hub keeps at most one send in flight, and Grizzly queues writes in the order they
 * are made. The close frame is the exception: Tyrus writes it (on {@link #close}, on the client's close, on
 * an idle timeout or a protocol error) from whatever thread closes, while a drain may be starting a send on
 * another. Tyrus moves the session's state from {@code CONNECTED} to {@code CLOSING} <em>before</em> it takes
 * its protocol handler's send lock to write the close frame; this sink writes only while holding that same
 * lock and only while the state is still {@code CONNECTED}, so a data frame is either queued before the close
 * frame or not at all (its send then fails). {@code TyrusFrameSinkRaceTest} races both kinds of close.
 *
 * <p>Made only by {@link ViewerSinks}, which falls back to {@link SessionSink} when this session is not
 * Tyrus's, when Tyrus's insides are not where this class looks for them ({@link #unavailableBecause()}; a test
 * fails if that happens on the pinned Tyrus), when an extension (permessage-deflate) was negotiated, or when
 * the session has an idle timeout (Tyrus restarts that timer on its own sends only).
 */
final class TyrusFrameSink implements ViewerSink {

    /** One framed binary message in a direct buffer: header + payload. Constant, so SharedBytes caches it. */
    static final Function<ByteBuffer, ByteBuffer> BINARY_FRAME = WebSocketFrames.DIRECT_BINARY_FRAME;

    private static final Access ACCESS;
    private static final String UNAVAILABLE_BECAUSE;

    static {
        Access a = null;
        String why = null;
        try {
            a = Access.find();
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            why = e.toString();
        }
        ACCESS = a;
        UNAVAILABLE_BECAUSE = why;
    }

    private final Session session;
    private final Writer writer;
    /** Tyrus's per-connection send lock ({@code ProtocolHandler.lock}), under which it writes the close frame. */
    private final ReentrantLock sendLock;
    /** Tyrus's {@code TyrusWebSocket.state}: {@code CONNECTED} until a close starts. */
    private final AtomicReference<?> state;

    private TyrusFrameSink(Session session, Writer writer, ReentrantLock sendLock, AtomicReference<?> state) {
        this.session = session;
        this.writer = writer;
        this.sendLock = sendLock;
        this.state = state;
    }

    /** @return the sink, or null if this session cannot take raw frames (see the class comment) */
    static ViewerSink tryCreate(Session session) {
        if (ACCESS == null || !session.getNegotiatedExtensions().isEmpty() || session.getMaxIdleTimeout() > 0) {
            return null;
        }
        return ACCESS.sink(session);
    }

    static boolean available() {
        return ACCESS != null;
    }

    /** Why the raw path cannot work with this Tyrus (a class, field or method not found), or null if it can. */
    static String unavailableBecause() {
        return UNAVAILABLE_BECAUSE;
    }

    @Override
    public void sendShared(SharedBytes message, SendCallback callback) {
        write(message.wireForm(BINARY_FRAME).duplicate(), callback);
    }

    @Override
    public void sendBinary(ByteBuffer data, SendCallback callback) {
        write(frame(0x2, data, false), callback);
    }

    @Override
    public void sendText(String text, SendCallback callback) {
        write(frame(0x1, ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), false), callback);
    }

    @Override
    public void close(int code, String reason) {
        SessionSink.closeSession(session, code, reason);
    }

    private void write(ByteBuffer frame, SendCallback callback) {
        boolean written = false;
        sendLock.lock();
        try {
            if (isConnected()) {
                writer.write(frame, completion(callback));
                written = true;
            }
        } finally {
            sendLock.unlock();
        }
        if (!written) {
            // A close frame is written or about to be: nothing may follow it.
            callback.completed(new IOException("session closing"));
        }
    }

    private boolean isConnected() {
        Object s = state.get();
        return s instanceof Enum<?> e && e.name().equals("CONNECTED");
    }

    private static CompletionHandler<ByteBuffer> completion(SendCallback callback) {
        return new CompletionHandler<>() {
            @Override
            public void completed(ByteBuffer result) {
                callback.completed(null);
            }

            @Override
            public void failed(Throwable throwable) {
                callback.completed(throwable);
            }

            @Override
            public void cancelled() {
                callback.completed(new CancellationException("write cancelled"));
            }
        };
    }

    /** An unmasked, final frame (RFC 6455 5.2) holding {@code payload} from its position to its limit. */
    static ByteBuffer frame(int opcode, ByteBuffer payload, boolean direct) {
        return WebSocketFrames.frame(opcode, payload, direct);
    }

    /**
     * The way from a {@code TyrusSession} to its transport writer: session -> async remote endpoint
     * ({@code TyrusRemoteEndpoint.webSocket}) -> {@code TyrusWebSocket.getProtocolHandler()} ->
     * {@code ProtocolHandler.writer}, and the two things that order writes against the close frame:
     * {@code ProtocolHandler.lock} and {@code TyrusWebSocket.state}. Package-private in Tyrus 2.x, hence
     * reflection, checked once.
     */
    private record Access(Field webSocket, Method protocolHandler, Field writer, Field lock, Field state) {
        static Access find() throws ReflectiveOperationException {
            Class<?> remote = Class.forName("org.glassfish.tyrus.core.TyrusRemoteEndpoint");
            Class<?> ws = Class.forName("org.glassfish.tyrus.core.TyrusWebSocket");
            Class<?> ph = Class.forName("org.glassfish.tyrus.core.ProtocolHandler");
            Access a = new Access(remote.getDeclaredField("webSocket"), ws.getDeclaredMethod("getProtocolHandler"),
                    ph.getDeclaredField("writer"), ph.getDeclaredField("lock"), ws.getDeclaredField("state"));
            require(a.writer, Writer.class);
            require(a.lock, Lock.class);
            require(a.state, AtomicReference.class);
            a.webSocket.setAccessible(true);
            a.protocolHandler.setAccessible(true);
            a.writer.setAccessible(true);
            a.lock.setAccessible(true);
            a.state.setAccessible(true);
            return a;
        }

        private static void require(Field f, Class<?> type) throws NoSuchFieldException {
            if (!type.isAssignableFrom(f.getType())) {
                throw new NoSuchFieldException(f + " is not a " + type.getName());
            }
        }

        TyrusFrameSink sink(Session session) {
            try {
                Object remote = session.getAsyncRemote();
                if (!webSocket.getDeclaringClass().isInstance(remote)) {
                    return null;
                }
                Object ws = webSocket.get(remote);
                Object handler = ws == null ? null : protocolHandler.invoke(ws);
                if (handler == null) {
                    return null;
                }
                Object w = writer.get(handler);
                Object l = lock.get(handler);
                Object st = state.get(ws);
                // ReentrantLock: the send callback may run on this thread while the lock is held and start the
                // next send (Grizzly completes a write that went out at once before write() returns).
                if (w instanceof Writer wr && l instanceof ReentrantLock lk && st instanceof AtomicReference<?> sr) {
                    return new TyrusFrameSink(session, wr, lk, sr);
                }
                return null;
            } catch (ReflectiveOperationException | RuntimeException e) {
                return null;
            }
        }
    }
}
