package io.wsvideo.relay;

/** A connected publisher or viewer, as far as the hub needs to know it: something it can close. */
public interface Peer {

    /**
     * Closes the connection with a WebSocket close code (see {@link CloseCodes}) and a short reason. May be
     * called more than once; later calls are ignored by well-behaved transports.
     */
    void close(int code, String reason);
}
