package io.wsvideo.relay.jakarta;

import io.wsvideo.relay.SendCallback;
import io.wsvideo.relay.SharedBytes;
import io.wsvideo.relay.ViewerSink;
import jakarta.websocket.Session;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CancellationException;
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
 * <p>Every frame this sink sends goes through the same writer, in order, one at a time (the hub keeps at most
 * one send in flight); the close frame Tyrus writes on {@link #close} goes through that writer too, after
 * them, because Grizzly's writes are queued in order per connection. Made only by {@link ViewerSinks}, which
 * falls back to {@link SessionSink} when this session is not Tyrus's, when Tyrus's insides are not where this
 * class looks for them, when an extension (permessage-deflate) was negotiated, or when the session has an idle
 * timeout (Tyrus restarts that timer on its own sends only).
 */
final class TyrusFrameSink implements ViewerSink {

    /** One framed binary message in a direct buffer: header + payload. Constant, so SharedBytes caches it. */
    static final Function<ByteBuffer, ByteBuffer> BINARY_FRAME = payload -> frame(0x2, payload, true);

    private static final Access ACCESS = Access.find();

    private final Session session;
    private final Writer writer;

    private TyrusFrameSink(Session session, Writer writer) {
        this.session = session;
        this.writer = writer;
    }

    /** @return the sink, or null if this session cannot take raw frames (see the class comment) */
    static ViewerSink tryCreate(Session session) {
        if (ACCESS == null || !session.getNegotiatedExtensions().isEmpty() || session.getMaxIdleTimeout() > 0) {
            return null;
        }
        Writer w = ACCESS.writer(session);
        return w == null ? null : new TyrusFrameSink(session, w);
    }

    static boolean available() {
        return ACCESS != null;
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
        writer.write(frame, new CompletionHandler<>() {
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
        });
    }

    /** An unmasked, final frame (RFC 6455 5.2) holding {@code payload} from its position to its limit. */
    static ByteBuffer frame(int opcode, ByteBuffer payload, boolean direct) {
        int n = payload.remaining();
        int header = n <= 125 ? 2 : n <= 0xFFFF ? 4 : 10;
        ByteBuffer f = direct ? ByteBuffer.allocateDirect(header + n) : ByteBuffer.allocate(header + n);
        f.put((byte) (0x80 | opcode));
        if (n <= 125) {
            f.put((byte) n);
        } else if (n <= 0xFFFF) {
            f.put((byte) 126).putShort((short) n);
        } else {
            f.put((byte) 127).putLong(n);
        }
        f.put(payload.duplicate());
        return f.flip();
    }

    /**
     * The way from a {@code TyrusSession} to its transport writer: session -> async remote endpoint
     * ({@code TyrusRemoteEndpoint.webSocket}) -> {@code TyrusWebSocket.getProtocolHandler()} ->
     * {@code ProtocolHandler.writer}. Package-private in Tyrus 2.x, hence reflection, checked once.
     */
    private record Access(Field webSocket, Method protocolHandler, Field writer) {
        static Access find() {
            try {
                Class<?> remote = Class.forName("org.glassfish.tyrus.core.TyrusRemoteEndpoint");
                Class<?> ws = Class.forName("org.glassfish.tyrus.core.TyrusWebSocket");
                Class<?> ph = Class.forName("org.glassfish.tyrus.core.ProtocolHandler");
                Field webSocket = remote.getDeclaredField("webSocket");
                Method protocolHandler = ws.getDeclaredMethod("getProtocolHandler");
                Field writer = ph.getDeclaredField("writer");
                webSocket.setAccessible(true);
                protocolHandler.setAccessible(true);
                writer.setAccessible(true);
                return new Access(webSocket, protocolHandler, writer);
            } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
                return null;
            }
        }

        Writer writer(Session session) {
            try {
                Object remote = session.getAsyncRemote();
                if (!webSocket.getDeclaringClass().isInstance(remote)) {
                    return null;
                }
                Object ws = webSocket.get(remote);
                Object handler = ws == null ? null : protocolHandler.invoke(ws);
                Object w = handler == null ? null : writer.get(handler);
                return w instanceof Writer ? (Writer) w : null;
            } catch (ReflectiveOperationException | RuntimeException e) {
                return null;
            }
        }
    }
}
