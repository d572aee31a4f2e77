package io.wsvideo.relay.server;

import java.nio.ByteBuffer;
import java.util.function.Function;

/**
 * Server-to-client WebSocket frames built by hand, for transports that send one framed copy of a shared
 * message to every viewer ({@link io.wsvideo.relay.SharedBytes#wireForm}): frames from a server are not masked
 * (RFC 6455 5.1), so the framed bytes are the same for everyone.
 */
public final class WebSocketFrames {

    /** Opcode of a text frame. */
    public static final int TEXT = 0x1;
    /** Opcode of a binary frame. */
    public static final int BINARY = 0x2;

    /**
     * One final binary frame in a new direct buffer: header + payload. A constant, so that
     * {@code SharedBytes.wireForm} caches its result on the message. Direct, so the JDK does not copy it again
     * into a temporary direct buffer on every write; owned by the garbage collector (no release to forget).
     */
    public static final Function<ByteBuffer, ByteBuffer> DIRECT_BINARY_FRAME = payload -> frame(BINARY, payload,
            true);

    private WebSocketFrames() {
    }

    /** An unmasked, final frame (RFC 6455 5.2) holding {@code payload} from its position to its limit. */
    public static ByteBuffer frame(int opcode, ByteBuffer payload, boolean direct) {
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
}
