package io.wsvideo.relay.redis;

import java.util.Objects;

/**
 * How a {@link RedisBridge} reaches Redis and how patient it is. Immutable; build with {@link #builder}.
 * Times are in milliseconds, sizes in bytes (the unit is in every name).
 */
public final class RedisBridgeConfig {

    private final String redisUri;
    private final String keyPrefix;
    private final long heartbeatMillis;
    private final long remoteTimeoutMillis;
    private final long ownerTtlMillis;
    private final long reconnectDelayMillis;
    private final long commandTimeoutMillis;
    private final long maxPendingBytes;

    private RedisBridgeConfig(Builder b) {
        this.redisUri = b.redisUri;
        this.keyPrefix = b.keyPrefix;
        this.heartbeatMillis = b.heartbeatMillis;
        this.remoteTimeoutMillis = b.remoteTimeoutMillis;
        this.ownerTtlMillis = b.ownerTtlMillis;
        this.reconnectDelayMillis = b.reconnectDelayMillis;
        this.commandTimeoutMillis = b.commandTimeoutMillis;
        this.maxPendingBytes = b.maxPendingBytes;
    }

    /** @param redisUri e.g. {@code redis://127.0.0.1:6379} or {@code rediss://:password@host:6380/0} */
    public static Builder builder(String redisUri) {
        return new Builder(redisUri);
    }

    public String redisUri() {
        return redisUri;
    }

    /** Prefix of every Redis channel and key the bridge uses (default {@code wsvideo:}). */
    public String keyPrefix() {
        return keyPrefix;
    }

    /** How often a publishing node says its stream is alive and refreshes its ownership of the channel. */
    public long heartbeatMillis() {
        return heartbeatMillis;
    }

    /** A remote stream not heard of for this long is ended on this node (its publishing node is gone). */
    public long remoteTimeoutMillis() {
        return remoteTimeoutMillis;
    }

    /** Lifetime of a channel's ownership key; refreshed every heartbeat, so a dead node's lock expires. */
    public long ownerTtlMillis() {
        return ownerTtlMillis;
    }

    /** Delay between attempts to reach Redis after it was lost (or was not there at start). */
    public long reconnectDelayMillis() {
        return reconnectDelayMillis;
    }

    /** Redis command timeout. */
    public long commandTimeoutMillis() {
        return commandTimeoutMillis;
    }

    /**
     * Bytes on their way to Redis (publishing) or waiting for the bridge's thread (receiving) past which
     * the bridge drops media instead of queueing it; the nodes behind then resynchronise at a keyframe.
     */
    public long maxPendingBytes() {
        return maxPendingBytes;
    }

    @Override
    public String toString() {
        return "RedisBridgeConfig[redisUri=" + redactedUri() + ", keyPrefix=" + keyPrefix + ", heartbeatMillis="
                + heartbeatMillis + ", remoteTimeoutMillis=" + remoteTimeoutMillis + ", ownerTtlMillis="
                + ownerTtlMillis + ", reconnectDelayMillis=" + reconnectDelayMillis + ", commandTimeoutMillis="
                + commandTimeoutMillis + ", maxPendingBytes=" + maxPendingBytes + "]";
    }

    /** The URI without its password, for logs. */
    String redactedUri() {
        int at = redisUri.indexOf('@');
        int scheme = redisUri.indexOf("://");
        return at < 0 || scheme < 0 ? redisUri : redisUri.substring(0, scheme + 3) + "***" + redisUri.substring(at);
    }

    public static final class Builder {
        private final String redisUri;
        private String keyPrefix = "wsvideo:";
        private long heartbeatMillis = 1000;
        private long remoteTimeoutMillis = 5000;
        private long ownerTtlMillis = 5000;
        private long reconnectDelayMillis = 500;
        private long commandTimeoutMillis = 2000;
        private long maxPendingBytes = 32L << 20;

        private Builder(String redisUri) {
            this.redisUri = Objects.requireNonNull(redisUri, "redisUri");
        }

        public Builder keyPrefix(String v) {
            this.keyPrefix = Objects.requireNonNull(v, "keyPrefix");
            return this;
        }

        public Builder heartbeatMillis(long v) {
            this.heartbeatMillis = v;
            return this;
        }

        public Builder remoteTimeoutMillis(long v) {
            this.remoteTimeoutMillis = v;
            return this;
        }

        public Builder ownerTtlMillis(long v) {
            this.ownerTtlMillis = v;
            return this;
        }

        public Builder reconnectDelayMillis(long v) {
            this.reconnectDelayMillis = v;
            return this;
        }

        public Builder commandTimeoutMillis(long v) {
            this.commandTimeoutMillis = v;
            return this;
        }

        public Builder maxPendingBytes(long v) {
            this.maxPendingBytes = v;
            return this;
        }

        /** @throws IllegalArgumentException naming the first bad value */
        public RedisBridgeConfig build() {
            if (!redisUri.startsWith("redis://") && !redisUri.startsWith("rediss://")
                    && !redisUri.startsWith("redis-socket://")) {
                throw new IllegalArgumentException("redisUri: must start with redis://, rediss:// or redis-socket://");
            }
            positive("heartbeatMillis", heartbeatMillis);
            positive("reconnectDelayMillis", reconnectDelayMillis);
            positive("commandTimeoutMillis", commandTimeoutMillis);
            positive("maxPendingBytes", maxPendingBytes);
            if (remoteTimeoutMillis < 2 * heartbeatMillis) {
                throw new IllegalArgumentException("remoteTimeoutMillis: must be at least 2 x heartbeatMillis ("
                        + 2 * heartbeatMillis + "), is " + remoteTimeoutMillis);
            }
            if (ownerTtlMillis < 2 * heartbeatMillis) {
                throw new IllegalArgumentException("ownerTtlMillis: must be at least 2 x heartbeatMillis ("
                        + 2 * heartbeatMillis + "), is " + ownerTtlMillis);
            }
            if (keyPrefix.isEmpty() || keyPrefix.chars().anyMatch(Character::isWhitespace)) {
                throw new IllegalArgumentException("keyPrefix: must be non-empty, without spaces");
            }
            return new RedisBridgeConfig(this);
        }

        private static void positive(String name, long v) {
            if (v <= 0) {
                throw new IllegalArgumentException(name + ": must be positive, is " + v);
            }
        }
    }
}
