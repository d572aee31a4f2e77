package io.wsvideo.relay;

/**
 * The WebSocket close codes the relay uses (RFC 6455 section 7.4.1), with the situations that produce them:
 * the one place they are defined. Transports pass them on unchanged.
 */
public final class CloseCodes {

    /** Normal end, for example the viewer or publisher said goodbye. */
    public static final int NORMAL = 1000;
    /** The server is shutting down. */
    public static final int GOING_AWAY = 1001;
    /** A frame broke the WebSocket protocol (for example a client frame without a mask, RFC 6455 5.1). */
    public static final int PROTOCOL_ERROR = 1002;
    /** The relay cannot accept this kind of data (a viewer sent media, an unsupported container). */
    public static final int UNSUPPORTED_DATA = 1003;
    /**
     * A frame viewer ({@code format=frames}) of a stream the relay cannot split into frames (a container it
     * does not parse, passed through as bytes): watch it with {@code format=bytes}.
     */
    public static final int FRAMES_UNSUPPORTED = UNSUPPORTED_DATA;
    /** The media is inconsistent with its type (bad EBML varint, absurd element size). */
    public static final int INVALID_PAYLOAD = 1007;
    /** Refused by policy: channel busy, bad token, bad channel name, too slow, taken over. */
    public static final int POLICY_VIOLATION = 1008;
    /** A message was larger than the configured maximum. */
    public static final int MESSAGE_TOO_BIG = 1009;
    /** The relay hit a bug of its own or of the transport (a send completed twice); logged as an error. */
    public static final int INTERNAL_ERROR = 1011;
    /** A server-side limit was reached (too many channels or viewers); try again later. */
    public static final int TRY_AGAIN_LATER = 1013;

    private CloseCodes() {
    }
}
