package io.wsvideo.relay;

/** Completion of one send started by the hub. */
@FunctionalInterface
public interface SendCallback {

    /** @param failure null when the message was handed to the network, else why it was not */
    void completed(Throwable failure);
}
