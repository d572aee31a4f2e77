package io.wsvideo.relay.jakarta;

import io.wsvideo.relay.RelayConfig;
import java.util.Objects;

/**
 * Immutable, validated settings of the WebSocket endpoints, with the hub's {@link RelayConfig} inside.
 * Build one with {@link #builder()}.
 */
public final class JakartaRelayConfig {

    private final RelayConfig relay;
    private final String publishPath;
    private final String viewPath;
    private final int maxMessageBytes;
    private final long publisherIdleTimeoutMillis;
    private final long viewerIdleTimeoutMillis;

    private JakartaRelayConfig(Builder b) {
        this.relay = b.relay;
        this.publishPath = b.publishPath;
        this.viewPath = b.viewPath;
        this.maxMessageBytes = b.maxMessageBytes;
        this.publisherIdleTimeoutMillis = b.publisherIdleTimeoutMillis;
        this.viewerIdleTimeoutMillis = b.viewerIdleTimeoutMillis;
    }

    public static Builder builder() {
        return new Builder();
    }

    public static JakartaRelayConfig defaults() {
        return builder().build();
    }

    public RelayConfig relay() {
        return relay;
    }

    /** Path template of the publish endpoint; must contain {@code {channel}}. */
    public String publishPath() {
        return publishPath;
    }

    /** Path template of the view endpoint; must contain {@code {channel}}. */
    public String viewPath() {
        return viewPath;
    }

    /** Largest message a publisher may send; a larger one closes it with 1009. */
    public int maxMessageBytes() {
        return maxMessageBytes;
    }

    /** A publisher silent this long is closed (0: never). */
    public long publisherIdleTimeoutMillis() {
        return publisherIdleTimeoutMillis;
    }

    /**
     * A viewer connection with no traffic either way this long is closed (0: never, the default: viewers
     * only listen, and an idle timer costs a scheduled task per send in some containers).
     */
    public long viewerIdleTimeoutMillis() {
        return viewerIdleTimeoutMillis;
    }

    /** Mutable builder; {@link #build()} validates and names the bad key. */
    public static final class Builder {
        private RelayConfig relay = RelayConfig.defaults();
        private String publishPath = "/relay/publish/{channel}";
        private String viewPath = "/relay/view/{channel}";
        private int maxMessageBytes = 1024 * 1024;
        private long publisherIdleTimeoutMillis = 30_000;
        private long viewerIdleTimeoutMillis = 0;

        private Builder() {
        }

        public Builder relay(RelayConfig v) {
            this.relay = Objects.requireNonNull(v, "relay");
            return this;
        }

        public Builder publishPath(String v) {
            this.publishPath = v;
            return this;
        }

        public Builder viewPath(String v) {
            this.viewPath = v;
            return this;
        }

        public Builder maxMessageBytes(int v) {
            this.maxMessageBytes = v;
            return this;
        }

        public Builder publisherIdleTimeoutMillis(long v) {
            this.publisherIdleTimeoutMillis = v;
            return this;
        }

        public Builder viewerIdleTimeoutMillis(long v) {
            this.viewerIdleTimeoutMillis = v;
            return this;
        }

        public JakartaRelayConfig build() {
            path("publishPath", publishPath);
            path("viewPath", viewPath);
            if (publishPath.equals(viewPath)) {
                throw new IllegalArgumentException("publishPath and viewPath must differ, both were " + viewPath);
            }
            if (maxMessageBytes <= 0) {
                throw new IllegalArgumentException("maxMessageBytes must be > 0, was " + maxMessageBytes);
            }
            if (publisherIdleTimeoutMillis < 0) {
                throw new IllegalArgumentException("publisherIdleTimeoutMillis must be >= 0, was "
                        + publisherIdleTimeoutMillis);
            }
            if (viewerIdleTimeoutMillis < 0) {
                throw new IllegalArgumentException("viewerIdleTimeoutMillis must be >= 0, was "
                        + viewerIdleTimeoutMillis);
            }
            return new JakartaRelayConfig(this);
        }

        private static void path(String key, String value) {
            if (value == null || !value.startsWith("/") || !value.contains("{channel}")) {
                throw new IllegalArgumentException(key + " must start with / and contain {channel}, was " + value);
            }
        }
    }
}
