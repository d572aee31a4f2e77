package io.wsvideo.relay;

/**
 * Decides whether a connection may publish on a channel. Transports call it when a publisher connects,
 * before {@link RelayHub#openPublisher}; a {@code false} answer closes the connection with 1008
 * {@code "invalid token"}. The default, {@link SharedTokens}, accepts any of a few shared secrets.
 *
 * <pre>{@code
 * PublishAuthorizer byChannel = (channel, token, remoteAddress) ->
 *         token != null && myTokenStore.mayPublish(token, channel);
 * }</pre>
 *
 * Called on the transport's threads, possibly concurrently: implementations must be thread-safe and
 * should answer quickly (they run during the WebSocket handshake or open).
 */
@FunctionalInterface
public interface PublishAuthorizer {

    /**
     * @param channel       the channel name from the path (not validated yet)
     * @param token         what the client presented (query parameter {@code token} or its
     *                      {@code Sec-WebSocket-Protocol}), or null if nothing
     * @param remoteAddress the client's IP address as the container reports it, or null if unknown
     * @return whether this connection may publish on {@code channel}
     */
    boolean authorize(String channel, String token, String remoteAddress);
}
