package io.wsvideo.relay.media;

/**
 * The publisher's bytes cannot be what they claim to be, or break a configured limit. The relay closes the
 * publisher with {@link #closeCode()} and the message as the reason; nobody else is affected.
 */
public final class MalformedStreamException extends Exception {

    private static final long serialVersionUID = 1L;

    /** WebSocket close code 1003: the data is of a type the relay cannot accept. */
    public static final int UNSUPPORTED_DATA = 1003;
    /** WebSocket close code 1007: the data is inconsistent with its type (bad varint, absurd size). */
    public static final int INVALID_PAYLOAD = 1007;

    private final int closeCode;

    public MalformedStreamException(int closeCode, String message) {
        super(message);
        this.closeCode = closeCode;
    }

    public int closeCode() {
        return closeCode;
    }
}
