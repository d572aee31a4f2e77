package io.wsvideo.demo;

import io.wsvideo.relay.CloseCodes;
import io.wsvideo.relay.server.AccessGuard;
import jakarta.websocket.CloseReason;
import jakarta.websocket.DeploymentException;
import jakarta.websocket.server.ServerEndpointConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.glassfish.tyrus.spi.CompletionHandler;
import org.glassfish.tyrus.spi.Connection;
import org.glassfish.tyrus.spi.ReadHandler;
import org.glassfish.tyrus.spi.UpgradeRequest;
import org.glassfish.tyrus.spi.UpgradeResponse;
import org.glassfish.tyrus.spi.WebSocketEngine;
import org.glassfish.tyrus.spi.Writer;
import org.glassfish.tyrus.spi.WriterInfo;

/**
 * Reads the frame headers of every WebSocket connection of the standalone demo before Tyrus sees the bytes,
 * for two things Tyrus 2.2 gets wrong:
 *
 * <ul>
 *   <li>A message larger than {@code maxMessageBytes} (a publisher's; a viewer's limit is
 *       {@link AccessGuard#MAX_VIEWER_MESSAGE_BYTES}): Tyrus collects a whole frame in its incoming buffer before
 *       it parses it, and a frame longer than that buffer ends with 1011 "Buffer overflow." (and a WARNING with a
 *       stack trace in the log for every such frame, which any client can cause); a message in fragments ends
 *       with 1009 "Too big." Here the frame header (or the fragment that passes the limit) is enough: 1009
 *       {@code message larger than N bytes}, the reason the endpoints give, and not one byte of the message is
 *       handed on.</li>
 *   <li>A client frame without a mask: RFC 6455 5.1 says the server must close the connection; Tyrus accepts
 *       it. Here: 1002 {@value #UNMASKED}.</li>
 * </ul>
 *
 * It also hands the bytes to Tyrus cut at frame ends, so that Tyrus's buffer holds at most one frame: Tyrus
 * appends each read to what is left of the last one and fails with "Buffer overflow." when the sum passes its
 * buffer, even when every frame is within the limit. Bytes are not copied here; the checks look at the headers
 * only (2 to 14 bytes a frame).
 */
final class FrameGuard implements ReadHandler {

    static final String UNMASKED = "client frames must be masked";

    /**
     * How long a refused connection stays open after its close frame, its input read and dropped: closing the
     * socket at once while the client is still sending (it is, when its message is too big) makes the kernel
     * answer with a reset, and a reset can destroy the close frame before the client reads it, so that it sees
     * 1006 instead of 1009. A client that reads the close frame answers and closes, which ends it sooner.
     */
    static final long LINGER_MILLIS = 2000;

    private final ReadHandler tyrus;
    private final Connection connection;
    private final int maxMessageBytes;
    private final LingeringWriter writer;

    // Tyrus calls handle() for one connection at a time (its TaskProcessor), so no lock.
    private final byte[] head = new byte[14];
    private int headLength;
    private int headNeeded = 2;
    /** Payload bytes of the current frame not yet seen. */
    private long payloadLeft;
    /** Bytes of the data message being received (its frames so far). */
    private long messageBytes;
    private boolean failed;

    private FrameGuard(ReadHandler tyrus, Connection connection, int maxMessageBytes, LingeringWriter writer) {
        this.tyrus = tyrus;
        this.connection = connection;
        this.maxMessageBytes = maxMessageBytes;
        this.writer = writer;
    }

    /**
     * {@code engine} with every connection it makes guarded: publishers' (paths under {@code publishPrefix}) at
     * {@code maxMessageBytes}, everyone else's at {@link AccessGuard#MAX_VIEWER_MESSAGE_BYTES} (viewers send small
     * control texts at most).
     */
    static WebSocketEngine guard(WebSocketEngine engine, String publishPrefix, int maxMessageBytes,
                                 ScheduledExecutorService timers) {
        return new WebSocketEngine() {
            @Override
            public UpgradeInfo upgrade(UpgradeRequest request, UpgradeResponse response) {
                UpgradeInfo info = engine.upgrade(request, response);
                String path = request.getRequestURI().getPath();
                int max = path != null && path.startsWith(publishPrefix) ? maxMessageBytes
                        : AccessGuard.MAX_VIEWER_MESSAGE_BYTES;
                return new UpgradeInfo() {
                    @Override
                    public UpgradeStatus getStatus() {
                        return info.getStatus();
                    }

                    @Override
                    public Connection createConnection(Writer writer, Connection.CloseListener closeListener) {
                        LingeringWriter lingering = new LingeringWriter(writer, timers);
                        Connection c = info.createConnection(lingering, closeListener);
                        return c == null ? null : guarded(c, max, lingering);
                    }
                };
            }

            @Override
            public void register(Class<?> endpointClass, String contextPath) throws DeploymentException {
                engine.register(endpointClass, contextPath);
            }

            @Override
            public void register(ServerEndpointConfig serverConfig, String contextPath) throws DeploymentException {
                engine.register(serverConfig, contextPath);
            }
        };
    }

    /** A guard in front of {@code tyrus}, closing {@code connection} when a check fails. */
    static FrameGuard of(ReadHandler tyrus, Connection connection, int maxMessageBytes) {
        return new FrameGuard(tyrus, connection, maxMessageBytes, null);
    }

    private static Connection guarded(Connection c, int maxMessageBytes, LingeringWriter writer) {
        FrameGuard guard = new FrameGuard(c.getReadHandler(), c, maxMessageBytes, writer);
        return new Connection() {
            @Override
            public ReadHandler getReadHandler() {
                return guard;
            }

            @Override
            public Writer getWriter() {
                return c.getWriter();
            }

            @Override
            public CloseListener getCloseListener() {
                return c.getCloseListener();
            }

            @Override
            public void close(CloseReason reason) {
                c.close(reason);
            }
        };
    }

    @Override
    public void handle(ByteBuffer data) {
        int from = data.position();
        while (data.hasRemaining() && !failed) {
            if (payloadLeft > 0) {
                int n = (int) Math.min(payloadLeft, data.remaining());
                data.position(data.position() + n);
                payloadLeft -= n;
                if (payloadLeft == 0) {
                    from = handOn(data, from);
                }
                continue;
            }
            head[headLength++] = data.get();
            if (headLength == 2) {
                if ((head[1] & 0x80) == 0) {
                    fail(CloseCodes.PROTOCOL_ERROR, UNMASKED);
                    return;
                }
                int length7 = head[1] & 0x7F;
                headNeeded = 2 + (length7 == 126 ? 2 : length7 == 127 ? 8 : 0) + 4;
            }
            if (headLength == headNeeded) {
                frameHeader();
                if (failed) {
                    return;
                }
                if (payloadLeft == 0) {
                    from = handOn(data, from);
                }
            }
        }
        if (!failed && data.position() > from) {
            handOn(data, from);
        }
    }

    /** A whole header is in {@code head}: checks its message's size. */
    private void frameHeader() {
        int length7 = head[1] & 0x7F;
        long length = length7;
        if (length7 == 126) {
            length = (head[2] & 0xFF) << 8 | (head[3] & 0xFF);
        } else if (length7 == 127) {
            length = ByteBuffer.wrap(head, 2, 8).getLong();
        }
        int opcode = head[0] & 0x0F;
        headLength = 0;
        headNeeded = 2;
        if (opcode == 1 || opcode == 2) {
            messageBytes = 0;
        }
        if (opcode <= 2) {
            // A negative 64-bit length is a protocol error Tyrus reports; here it is simply too big.
            messageBytes += length < 0 ? Long.MAX_VALUE / 2 : length;
            if (messageBytes > maxMessageBytes) {
                fail(CloseCodes.MESSAGE_TOO_BIG, AccessGuard.tooBig(maxMessageBytes));
                return;
            }
        }
        payloadLeft = length;
    }

    /** Gives Tyrus {@code data} from {@code from} to its position; returns the position. */
    private int handOn(ByteBuffer data, int from) {
        int to = data.position();
        if (to > from) {
            ByteBuffer slice = data.duplicate();
            slice.position(from).limit(to);
            tyrus.handle(slice);
        }
        return to;
    }

    /** Closes with {@code code}; Tyrus writes the close frame, tells the endpoint and closes the connection. */
    private void fail(int code, String reason) {
        failed = true;
        if (writer != null) {
            writer.lingerOnClose = true;
        }
        connection.close(new CloseReason(CloseReason.CloseCodes.getCloseCode(code), reason));
    }

    /**
     * Tyrus's writer for one connection, passed through, except that after a refusal the connection's close
     * waits {@link #LINGER_MILLIS} (see there). {@code TyrusFrameSink} writes through it too.
     */
    private static final class LingeringWriter extends Writer {
        private final Writer delegate;
        private final ScheduledExecutorService timers;
        volatile boolean lingerOnClose;

        LingeringWriter(Writer delegate, ScheduledExecutorService timers) {
            this.delegate = delegate;
            this.timers = timers;
        }

        @Override
        public void write(ByteBuffer buffer, CompletionHandler<ByteBuffer> completionHandler) {
            delegate.write(buffer, completionHandler);
        }

        @Override
        public void write(ByteBuffer buffer, CompletionHandler<ByteBuffer> completionHandler, WriterInfo info) {
            delegate.write(buffer, completionHandler, info);
        }

        @Override
        public void close() throws IOException {
            if (lingerOnClose) {
                try {
                    timers.schedule(this::closeNow, LINGER_MILLIS, TimeUnit.MILLISECONDS);
                    return;
                } catch (RejectedExecutionException e) {
                    // Shutting down: close now.
                }
            }
            delegate.close();
        }

        private void closeNow() {
            try {
                delegate.close();
            } catch (IOException e) {
                // Gone already.
            }
        }
    }
}
