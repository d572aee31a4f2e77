package io.wsvideo.demo;

import io.wsvideo.relay.RelayHub;
import io.wsvideo.relay.jakarta.JakartaRelayConfig;
import io.wsvideo.relay.netty.NettyTransport;
import io.wsvideo.relay.server.SendPathWarmUp;
import java.util.Locale;
import javax.net.ssl.SSLContext;
import org.slf4j.LoggerFactory;

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
            return start(host, port, config, tls, socketSendBufferBytes, Options.fromSystem());
        }

        /** Starts a demo server on this engine, warmed up first if {@code options} say so. */
        public RelayServer start(String host, int port, JakartaRelayConfig config, SSLContext tls,
                                 int socketSendBufferBytes, Options options) throws Exception {
            if (this == NETTY) {
                return NettyDemoServer.start(host, port, config, tls, socketSendBufferBytes, options);
            }
            if (options.warmUp()) {
                // Tyrus has no private listener to warm on: a throw-away demo server on a loopback port, same
                // classes, open and empty, closed before the real one starts.
                LoggerFactory.getLogger(RelayServer.class).info(
                        "warming up the send path on a throw-away server on a loopback port");
                try (DemoServer scratch = DemoServer.start("127.0.0.1", 0, JakartaRelayConfig.defaults(), null,
                        SendPathWarmUp.SERVER_SEND_BUFFER_BYTES)) {
                    SendPathWarmUp.run(scratch.hub(), scratch.port(), scratch.config().viewPath(), Runnable::run);
                }
            }
            return DemoServer.start(host, port, config, tls, socketSendBufferBytes);
        }
    }

    /**
     * Engine settings: the Netty transport ({@code --netty-transport}, system property
     * {@code wsvideo.netty.transport}, default auto) and I/O threads ({@code --io-threads},
     * {@code wsvideo.netty.ioThreads}, default one per CPU), and for both engines whether to run the send path
     * hot before listening ({@code wsvideo.warmUp}, default true: the first seconds of a large audience then
     * run compiled code).
     */
    record Options(NettyTransport transport, int ioThreads, boolean warmUp) {
        /** From the system properties, with their defaults. */
        public static Options fromSystem() {
            return new Options(NettyTransport.named(System.getProperty("wsvideo.netty.transport", "auto")),
                    Integer.getInteger("wsvideo.netty.ioThreads", 0),
                    !"false".equals(System.getProperty("wsvideo.warmUp")));
        }
    }

    int port();

    RelayHub hub();

    JakartaRelayConfig config();

    /** Closes every viewer and publisher with 1001, then stops listening. */
    @Override
    void close();
}
