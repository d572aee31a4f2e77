package io.wsvideo.demo;

import io.wsvideo.relay.RelayHub;
import io.wsvideo.relay.jakarta.JakartaRelayConfig;
import java.util.Locale;
import javax.net.ssl.SSLContext;

/**
 * The demo server on either engine: {@link DemoServer} (Tyrus on Grizzly, the default) or
 * {@link NettyDemoServer} (relay-netty). Same pages, endpoints, {@code /relay/stats} and {@code /metrics}.
 */
public interface RelayServer extends AutoCloseable {

    /** The WebSocket engine under the relay. */
    enum Engine {
        TYRUS, NETTY;

        /** {@code tyrus} or {@code netty}, any case; null or blank: the system property {@code wsvideo.engine}, else tyrus. */
        public static Engine named(String name) {
            String n = name == null || name.isBlank() ? System.getProperty("wsvideo.engine", "tyrus") : name;
            return switch (n.trim().toLowerCase(Locale.ROOT)) {
                case "tyrus" -> TYRUS;
                case "netty" -> NETTY;
                default -> throw new IllegalArgumentException("engine is tyrus or netty, not " + n);
            };
        }

        /** Starts a demo server on this engine with the defaults of everything engine-specific. */
        public RelayServer start(String host, int port, JakartaRelayConfig config) throws Exception {
            return start(host, port, config, null, 0);
        }

        /** Starts a demo server on this engine; see {@link DemoServer#start(String, int, JakartaRelayConfig, SSLContext, int)}. */
        public RelayServer start(String host, int port, JakartaRelayConfig config, SSLContext tls,
                                 int socketSendBufferBytes) throws Exception {
            return this == NETTY
                    ? NettyDemoServer.start(host, port, config, tls, socketSendBufferBytes, NettyDemoServer.Options.fromSystem())
                    : DemoServer.start(host, port, config, tls, socketSendBufferBytes);
        }
    }

    int port();

    RelayHub hub();

    JakartaRelayConfig config();

    /** Closes every viewer and publisher with 1001, then stops listening. */
    @Override
    void close();
}
