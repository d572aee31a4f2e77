package io.wsvideo.relay.jakarta;

import io.wsvideo.relay.PublishAuthorizer;
import io.wsvideo.relay.RelayConfig;
import io.wsvideo.relay.SharedTokens;
import io.wsvideo.relay.server.RelayServerConfig;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The relay endpoints' settings for jakarta.websocket containers: a {@link RelayServerConfig} (relay-core's,
 * the one every transport reads, so relay-netty takes the same keys with the same checks) under the name this
 * module has always had. Build one with {@link #builder()}, or read every key from {@code wsvideo.}-prefixed
 * properties (servlet context parameters, a command line) with {@link #fromProperties(Map)}.
 */
public final class JakartaRelayConfig {

    /** Prefix of every key in {@link #fromProperties(Map)} and of the servlet context parameters. */
    public static final String PREFIX = RelayServerConfig.PREFIX;

    private final RelayServerConfig server;

    private JakartaRelayConfig(RelayServerConfig server) {
        this.server = Objects.requireNonNull(server, "server");
    }

    /** The same settings for a jakarta.websocket container. */
    public static JakartaRelayConfig of(RelayServerConfig server) {
        return new JakartaRelayConfig(server);
    }

    public static Builder builder() {
        return new Builder();
    }

    public static JakartaRelayConfig defaults() {
        return builder().build();
    }

    /** See {@link RelayServerConfig#fromProperties(Map)}. */
    public static JakartaRelayConfig fromProperties(Map<String, String> properties) {
        return new JakartaRelayConfig(RelayServerConfig.fromProperties(properties));
    }

    /** Every key {@link #fromProperties(Map)} understands, without the prefix, in documentation order. */
    public static Set<String> keys() {
        return RelayServerConfig.keys();
    }

    /** The transport-neutral settings (what relay-netty and the hub read). */
    public RelayServerConfig server() {
        return server;
    }

    public RelayConfig relay() {
        return server.relay();
    }

    /** See {@link RelayServerConfig#enabled()}. */
    public boolean enabled() {
        return server.enabled();
    }

    public String publishPath() {
        return server.publishPath();
    }

    public String viewPath() {
        return server.viewPath();
    }

    public int maxMessageBytes() {
        return server.maxMessageBytes();
    }

    public long publisherIdleTimeoutMillis() {
        return server.publisherIdleTimeoutMillis();
    }

    public long viewerIdleTimeoutMillis() {
        return server.viewerIdleTimeoutMillis();
    }

    /** See {@link RelayServerConfig#handshakeTimeoutMillis()}. */
    public long handshakeTimeoutMillis() {
        return server.handshakeTimeoutMillis();
    }

    public int maxSessionsPerRemoteAddress() {
        return server.maxSessionsPerRemoteAddress();
    }

    public PublishAuthorizer publishAuthorizer() {
        return server.publishAuthorizer();
    }

    public SharedTokens viewTokens() {
        return server.viewTokens();
    }

    public List<String> allowedOrigins() {
        return server.allowedOrigins();
    }

    /** See {@link RelayServerConfig#originAllowed(String)}. */
    public boolean originAllowed(String origin) {
        return server.originAllowed(origin);
    }

    @Override
    public String toString() {
        return "Jakarta" + server;
    }

    /** Mutable builder; each setter is {@link RelayServerConfig.Builder}'s, and {@link #build()} validates. */
    public static final class Builder {
        private final RelayServerConfig.Builder b = RelayServerConfig.builder();

        private Builder() {
        }

        public Builder relay(RelayConfig v) {
            b.relay(v);
            return this;
        }

        public Builder enabled(boolean v) {
            b.enabled(v);
            return this;
        }

        public Builder publishPath(String v) {
            b.publishPath(v);
            return this;
        }

        public Builder viewPath(String v) {
            b.viewPath(v);
            return this;
        }

        public Builder maxMessageBytes(int v) {
            b.maxMessageBytes(v);
            return this;
        }

        public Builder publisherIdleTimeoutMillis(long v) {
            b.publisherIdleTimeoutMillis(v);
            return this;
        }

        public Builder viewerIdleTimeoutMillis(long v) {
            b.viewerIdleTimeoutMillis(v);
            return this;
        }

        public Builder handshakeTimeoutMillis(long v) {
            b.handshakeTimeoutMillis(v);
            return this;
        }

        public Builder maxSessionsPerRemoteAddress(int v) {
            b.maxSessionsPerRemoteAddress(v);
            return this;
        }

        public Builder publishTokens(Collection<String> v) {
            b.publishTokens(v);
            return this;
        }

        public Builder publishTokens(String... v) {
            b.publishTokens(v);
            return this;
        }

        public Builder publishAuthorizer(PublishAuthorizer v) {
            b.publishAuthorizer(v);
            return this;
        }

        public Builder viewTokens(Collection<String> v) {
            b.viewTokens(v);
            return this;
        }

        public Builder viewTokens(String... v) {
            b.viewTokens(v);
            return this;
        }

        public Builder allowedOrigins(Collection<String> v) {
            b.allowedOrigins(v);
            return this;
        }

        public Builder allowedOrigins(String... v) {
            b.allowedOrigins(v);
            return this;
        }

        public JakartaRelayConfig build() {
            return new JakartaRelayConfig(b.build());
        }
    }
}
