package io.wsvideo.relay.netty;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.wsvideo.relay.RelayConfig;
import io.wsvideo.relay.RelayHub;
import io.wsvideo.relay.server.RelayServerConfig;
import io.wsvideo.relay.server.SendPathWarmUp;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link SendPathWarmUp} for a {@link NettyRelayServer} before it listens: a private hub and relay on a
 * temporary loopback listener of the server's own event loops (publishing on one of them, as a real publisher's
 * chunks arrive), gone afterwards. Nothing of it is visible to the server's clients.
 */
final class WarmUp {

    private static final Logger LOG = LoggerFactory.getLogger(WarmUp.class);

    private WarmUp() {
    }

    /** @return whether every warm-up viewer got every chunk */
    static boolean run(EventLoopGroup group, Class<? extends ServerChannel> serverChannel) {
        RelayHub hub = RelayHub.create(RelayConfig.defaults());
        Channel server = null;
        try {
            NettyRelay relay = NettyRelay.quiet(hub, RelayServerConfig.defaults());
            server = new ServerBootstrap().group(group).channel(serverChannel)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.SO_SNDBUF, SendPathWarmUp.SERVER_SEND_BUFFER_BYTES)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, NettyRelayServer.DEFAULT_WATER_MARK)
                    .childHandler(new NettyRelayServer.Initializer(relay, null, null, 10_000, 60_000))
                    .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            return SendPathWarmUp.run(hub, ((InetSocketAddress) server.localAddress()).getPort(),
                    relay.config().viewPath(), group.next());
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            LOG.warn("no warm-up: {}", e.toString());
            return false;
        } finally {
            hub.close();
            if (server != null) {
                server.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
            }
        }
    }
}
