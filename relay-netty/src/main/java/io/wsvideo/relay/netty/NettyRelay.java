package io.wsvideo.relay.netty;

import io.netty.channel.ChannelHandler;
import io.wsvideo.relay.RelayHub;
import io.wsvideo.relay.server.AccessGuard;
import io.wsvideo.relay.server.RelayServerConfig;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay's two WebSocket endpoints for a Netty pipeline of your own (a Netty server, or Vert.x, Micronaut
 * or Reactor Netty underneath): put {@link #handler()} after {@code HttpServerCodec} and
 * {@code HttpObjectAggregator}, before your own HTTP handlers.
 *
 * <pre>{@code
 * RelayHub hub = RelayHub.create(RelayConfig.defaults());
 * NettyRelay relay = NettyRelay.create(hub, RelayServerConfig.defaults());
 * // in your ChannelInitializer:
 * ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(65536), relay.handler(), yourHandler);
 * }</pre>
 *
 * The handler takes the upgrades at {@code publishPath} and {@code viewPath} and passes every other request on.
 * {@link NettyRelayServer} is the same with a server around it.
 */
public final class NettyRelay {

    private static final Logger LOG = LoggerFactory.getLogger(NettyRelay.class);

    private final RelayHub hub;
    private final RelayServerConfig config;
    private final AccessGuard guard;
    private final RelayHttpHandler handler;

    private NettyRelay(RelayHub hub, RelayServerConfig config) {
        this.hub = Objects.requireNonNull(hub, "hub");
        this.config = Objects.requireNonNull(config, "config");
        this.guard = new AccessGuard(config);
        this.handler = new RelayHttpHandler(this);
    }

    /** The endpoints of {@code config}, served by {@code hub} (close the hub when the application stops). */
    public static NettyRelay create(RelayHub hub, RelayServerConfig config) {
        NettyRelay r = new NettyRelay(hub, config);
        if (config.publishAuthorizer() == null) {
            LOG.warn("PUBLISHING IS OPEN: anyone who can reach {} can publish on any channel. Set publish "
                    + "tokens (wsvideo.publishTokens) or a PublishAuthorizer to restrict it.", config.publishPath());
        }
        LOG.info("relay endpoints on Netty at {} and {} ({})", config.publishPath(), config.viewPath(), config);
        return r;
    }

    /** Without the start-up log lines (the warm-up's private relay). */
    static NettyRelay quiet(RelayHub hub, RelayServerConfig config) {
        return new NettyRelay(hub, config);
    }

    /** The relay's handler; one instance for every channel (it keeps no per-connection state). */
    public ChannelHandler handler() {
        return handler;
    }

    public RelayHub hub() {
        return hub;
    }

    public RelayServerConfig config() {
        return config;
    }

    AccessGuard guard() {
        return guard;
    }
}
