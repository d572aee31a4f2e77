/**
 * The relay's endpoints for any Jakarta WebSocket 2.1+ container (Tyrus, Tomcat, Jetty). The container
 * API is provided by the server.
 */
module io.wsvideo.relay.jakarta {
    requires transitive io.wsvideo.relay;
    requires transitive jakarta.websocket;
    requires static jakarta.servlet;
    requires static org.glassfish.tyrus.spi;
    requires org.slf4j;

    exports io.wsvideo.relay.jakarta;
    // Containers create the endpoints and listeners reflectively.
    opens io.wsvideo.relay.jakarta;
}
