package io.wsvideo.it.host;

import jakarta.websocket.OnMessage;
import jakarta.websocket.server.ServerEndpoint;

/**
 * The host application's own annotated WebSocket endpoint, found by the container's class scanning: the
 * drop-in (which brings no ServerApplicationConfig) must not hide it.
 */
@ServerEndpoint("/host/echo")
public final class HostEchoEndpoint {

    @OnMessage
    public String echo(String message) {
        return "echo: " + message;
    }
}
