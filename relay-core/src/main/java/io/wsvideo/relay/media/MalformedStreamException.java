package io.wsvideo.relay.media;

import io.wsvideo.relay.CloseCodes;

/**
 * The publisher's bytes cannot be what they claim to be, or break a configured limit. The relay closes the
 * publisher with {@link #closeCode()} and the message as the reason; nobody else is affected.
 */
public final class MalformedStreamException extends Exception {

    private static final long serialVersionUID = 1L;

    /** {@link CloseCodes#UNSUPPORTED_DATA}: the data is of a type the relay cannot accept. */
    public static final int UNSUPPORTED_DATA = CloseCodes.UNSUPPORTED_DATA;
    /** {@link CloseCodes#INVALID_PAYLOAD}: the data is inconsistent with its type (bad varint, absurd size). */
    public static final int INVALID_PAYLOAD = CloseCodes.INVALID_PAYLOAD;

    private final int closeCode;

    public MalformedStreamException(int closeCode, String message) {
        super(message);
        this.closeCode = closeCode;
    }

    public int closeCode() {
        return closeCode;
    }
}
