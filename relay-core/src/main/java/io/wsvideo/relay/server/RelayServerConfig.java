package io.wsvideo.relay.server;

import io.wsvideo.relay.PublishAuthorizer;
import io.wsvideo.relay.RelayConfig;
import io.wsvideo.relay.SharedTokens;
import io.wsvideo.relay.record.RecordingConfig;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Immutable, validated settings of the relay's two WebSocket endpoints, whatever serves them (relay-jakarta's
 * endpoints, relay-netty's handlers), with the hub's {@link RelayConfig} inside. Build one with
 * {@link #builder()}, or read every key from {@code wsvideo.}-prefixed properties (servlet context
 * parameters, a command line) with {@link #fromProperties(Map)}. One class for every transport, so that the
 * keys, defaults and checks cannot drift apart.
 */
public final class RelayServerConfig {

    /** Prefix of every key in {@link #fromProperties(Map)} and of the servlet context parameters. */
    public static final String PREFIX = "wsvideo.";

    private final RelayConfig relay;
    private final boolean enabled;
    private final String publishPath;
    private final String viewPath;
    private final int maxMessageBytes;
    private final long publisherIdleTimeoutMillis;
    private final long viewerIdleTimeoutMillis;
    private final long handshakeTimeoutMillis;
    private final int maxSessionsPerRemoteAddress;
    private final PublishAuthorizer publishAuthorizer;
    private final SharedTokens viewTokens;
    private final List<String> allowedOrigins;
    private final RecordingConfig recording;

    private RelayServerConfig(Builder b) {
        this.relay = b.relay;
        this.enabled = b.enabled;
        this.publishPath = b.publishPath;
        this.viewPath = b.viewPath;
        this.maxMessageBytes = b.maxMessageBytes;
        this.publisherIdleTimeoutMillis = b.publisherIdleTimeoutMillis;
        this.viewerIdleTimeoutMillis = b.viewerIdleTimeoutMillis;
        this.handshakeTimeoutMillis = b.handshakeTimeoutMillis;
        this.maxSessionsPerRemoteAddress = b.maxSessionsPerRemoteAddress;
        this.publishAuthorizer = b.publishAuthorizer != null ? b.publishAuthorizer
                : b.publishTokens.isEmpty() ? null : SharedTokens.of(b.publishTokens);
        this.viewTokens = b.viewTokens.isEmpty() ? null : SharedTokens.of(b.viewTokens);
        this.allowedOrigins = List.copyOf(b.allowedOrigins);
        this.recording = b.recording;
    }

    public static Builder builder() {
        return new Builder();
    }

    public static RelayServerConfig defaults() {
        return builder().build();
    }

    /**
     * Reads every {@code wsvideo.*} key of {@code properties} (other keys are ignored) over the defaults.
     * Values are plain numbers (the unit is in the key), {@code true}/{@code false}, or comma-separated
     * lists.
     *
     * @throws IllegalArgumentException for an unknown {@code wsvideo.} key or a bad value, naming the key
     */
    public static RelayServerConfig fromProperties(Map<String, String> properties) {
        RelayConfig.Builder r = RelayConfig.builder();
        Builder j = builder();
        for (Map.Entry<String, String> e : properties.entrySet()) {
            String key = e.getKey();
            if (key == null || !key.startsWith(PREFIX)) {
                continue;
            }
            String name = key.substring(PREFIX.length());
            Key k = KEYS.get(name);
            if (k == null) {
                throw new IllegalArgumentException("unknown configuration key " + key + "; known keys: "
                        + PREFIX + String.join(", " + PREFIX, KEYS.keySet()));
            }
            String value = e.getValue() == null ? "" : e.getValue().trim();
            k.apply(r, j, key, value);
        }
        try {
            return j.relay(r.build()).build();
        } catch (IllegalArgumentException | NullPointerException ex) {
            // Every builder message starts with the key's name.
            throw new IllegalArgumentException(PREFIX + ex.getMessage(), ex);
        }
    }

    /** Every key {@link #fromProperties(Map)} understands, without the prefix, in documentation order. */
    public static Set<String> keys() {
        return Collections.unmodifiableSet(KEYS.keySet());
    }

    public RelayConfig relay() {
        return relay;
    }

    /** Whether the endpoints are registered at all ({@code wsvideo.enabled}; the drop-in listener reads it). */
    public boolean enabled() {
        return enabled;
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

    /**
     * A connection must finish its HTTP request (the WebSocket upgrade, or a page) within this many milliseconds
     * of connecting, or of its previous request; past it the server closes it (slow or silent clients). Applies
     * where the relay runs the HTTP server itself (the standalone demo on Tyrus or Netty); in a servlet container
     * the connector's own timeout does this (Tomcat's {@code connectionTimeout}, Jetty's idle timeout).
     */
    public long handshakeTimeoutMillis() {
        return handshakeTimeoutMillis;
    }

    /** Most open relay sessions (publishers and viewers together) from one IP address; 0: no limit. */
    public int maxSessionsPerRemoteAddress() {
        return maxSessionsPerRemoteAddress;
    }

    /** Who may publish: a custom authorizer, the shared publish tokens, or null when publishing is open. */
    public PublishAuthorizer publishAuthorizer() {
        return publishAuthorizer;
    }

    /** The shared view tokens, or null when viewing is open. */
    public SharedTokens viewTokens() {
        return viewTokens;
    }

    /** Origins allowed to open relay WebSockets ({@code scheme://host[:port]}, lower case); empty: any. */
    public List<String> allowedOrigins() {
        return allowedOrigins;
    }

    /**
     * Whether a handshake with this {@code Origin} header may proceed. A missing header is allowed: browsers
     * always send one, so only non-browser clients (which an Origin check cannot stop anyway) omit it.
     */
    public boolean originAllowed(String origin) {
        if (allowedOrigins.isEmpty() || allowedOrigins.contains("*") || origin == null) {
            return true;
        }
        return allowedOrigins.contains(origin.trim().toLowerCase(Locale.ROOT));
    }

    /** What to record and where (the {@code record*} keys); null when recording is off (no {@code recordDir}). */
    public RecordingConfig recording() {
        return recording;
    }

    @Override
    public String toString() {
        return "RelayServerConfig{enabled=" + enabled + ", publishPath=" + publishPath + ", viewPath=" + viewPath
                + ", maxMessageBytes=" + maxMessageBytes + ", publisherIdleTimeoutMillis=" + publisherIdleTimeoutMillis
                + ", viewerIdleTimeoutMillis=" + viewerIdleTimeoutMillis + ", handshakeTimeoutMillis="
                + handshakeTimeoutMillis + ", maxSessionsPerRemoteAddress="
                + maxSessionsPerRemoteAddress + ", publish=" + (publishAuthorizer == null ? "open" : publishAuthorizer)
                + ", view=" + (viewTokens == null ? "open" : viewTokens) + ", allowedOrigins="
                + (allowedOrigins.isEmpty() ? "any" : allowedOrigins) + ", relay=" + relay
                + (recording == null ? "" : ", recording=" + recording) + '}';
    }

    /** Mutable builder; {@link #build()} validates and names the bad key. */
    public static final class Builder {
        private RelayConfig relay = RelayConfig.defaults();
        private boolean enabled = true;
        private String publishPath = "/relay/publish/{channel}";
        private String viewPath = "/relay/view/{channel}";
        private int maxMessageBytes = 1024 * 1024;
        private long publisherIdleTimeoutMillis = 30_000;
        private long viewerIdleTimeoutMillis = 0;
        private long handshakeTimeoutMillis = 10_000;
        private int maxSessionsPerRemoteAddress = 0;
        private PublishAuthorizer publishAuthorizer;
        private List<String> publishTokens = List.of();
        private List<String> viewTokens = List.of();
        private List<String> allowedOrigins = List.of();
        private RecordingConfig recording;
        /** The {@code record*} keys read by {@link #fromProperties}; built into {@link #recording} by build(). */
        private RecordingConfig.Builder recordKeys;

        private Builder() {
        }

        /** Turns recording on (see {@link RecordingConfig}); null: off, the default. */
        public Builder recording(RecordingConfig v) {
            this.recording = v;
            return this;
        }

        private RecordingConfig.Builder recordKeys() {
            if (recordKeys == null) {
                recordKeys = RecordingConfig.builder();
            }
            return recordKeys;
        }

        public Builder relay(RelayConfig v) {
            this.relay = Objects.requireNonNull(v, "relay");
            return this;
        }

        public Builder enabled(boolean v) {
            this.enabled = v;
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

        /** See {@link RelayServerConfig#handshakeTimeoutMillis()}; must be positive. */
        public Builder handshakeTimeoutMillis(long v) {
            this.handshakeTimeoutMillis = v;
            return this;
        }

        /** Most open relay sessions from one IP address; past it a new one is closed with 1013. 0: no limit. */
        public Builder maxSessionsPerRemoteAddress(int v) {
            this.maxSessionsPerRemoteAddress = v;
            return this;
        }

        /** Shared secrets, any of which lets a client publish; none (and no authorizer): publishing is open. */
        public Builder publishTokens(Collection<String> v) {
            this.publishTokens = List.copyOf(v);
            return this;
        }

        public Builder publishTokens(String... v) {
            return publishTokens(List.of(v));
        }

        /** Decides who may publish instead of {@link #publishTokens}; null: use the tokens. */
        public Builder publishAuthorizer(PublishAuthorizer v) {
            this.publishAuthorizer = v;
            return this;
        }

        /** Shared secrets, any of which lets a client watch; none: viewing is open. */
        public Builder viewTokens(Collection<String> v) {
            this.viewTokens = List.copyOf(v);
            return this;
        }

        public Builder viewTokens(String... v) {
            return viewTokens(List.of(v));
        }

        /**
         * Origins ({@code https://example.com}, {@code http://localhost:3000}) whose pages may open relay
         * WebSockets; others get HTTP 403 at the handshake. Empty (the default) or {@code *}: any origin.
         */
        public Builder allowedOrigins(Collection<String> v) {
            this.allowedOrigins = List.copyOf(v);
            return this;
        }

        public Builder allowedOrigins(String... v) {
            return allowedOrigins(List.of(v));
        }

        public RelayServerConfig build() {
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
            if (handshakeTimeoutMillis <= 0) {
                throw new IllegalArgumentException("handshakeTimeoutMillis must be > 0, was " + handshakeTimeoutMillis);
            }
            if (viewerIdleTimeoutMillis < 0) {
                throw new IllegalArgumentException("viewerIdleTimeoutMillis must be >= 0, was "
                        + viewerIdleTimeoutMillis);
            }
            if (maxSessionsPerRemoteAddress < 0) {
                throw new IllegalArgumentException("maxSessionsPerRemoteAddress must be >= 0 (0: no limit), was "
                        + maxSessionsPerRemoteAddress);
            }
            tokens("publishTokens", publishTokens);
            tokens("viewTokens", viewTokens);
            if (publishAuthorizer != null && !publishTokens.isEmpty()) {
                throw new IllegalArgumentException(
                        "publishTokens must be empty when a publishAuthorizer is set (it replaces them)");
            }
            List<String> origins = new ArrayList<>();
            for (String o : allowedOrigins) {
                origins.add(origin(o));
            }
            allowedOrigins = origins;
            if (recordKeys != null) {
                RecordingConfig rc = recordKeys.build();
                if (rc.dir() == null) {
                    throw new IllegalArgumentException("recordDir must be set to use the other record* settings");
                }
                if (recording != null) {
                    throw new IllegalArgumentException("recording is set both as an object and with record* keys");
                }
                recording = rc;
            }
            return new RelayServerConfig(this);
        }

        private static void path(String key, String value) {
            if (value == null || !value.startsWith("/") || !value.contains("{channel}")) {
                throw new IllegalArgumentException(key + " must start with / and contain {channel}, was " + value);
            }
        }

        private static void tokens(String key, List<String> tokens) {
            for (String t : tokens) {
                if (t == null || t.isBlank()) {
                    throw new IllegalArgumentException(key + " must not contain a blank token");
                }
                if (!t.strip().equals(t)) {
                    throw new IllegalArgumentException(key + " must not contain a token with leading or trailing "
                            + "spaces");
                }
            }
        }

        private static String origin(String o) {
            if (o == null) {
                throw new IllegalArgumentException("allowedOrigins must not contain null");
            }
            String v = o.trim().toLowerCase(Locale.ROOT);
            if (v.equals("*")) {
                return v;
            }
            try {
                URI u = new URI(v);
                boolean ok = u.getScheme() != null && u.getHost() != null && u.getUserInfo() == null
                        && (u.getRawPath() == null || u.getRawPath().isEmpty()) && u.getRawQuery() == null
                        && u.getRawFragment() == null;
                if (ok) {
                    return v;
                }
            } catch (URISyntaxException e) {
                // fall through to the message below
            }
            throw new IllegalArgumentException("allowedOrigins: not an origin (scheme://host[:port], no path), was '"
                    + o + "'");
        }
    }

    // ---- wsvideo.* properties ------------------------------------------------------------------------

    @FunctionalInterface
    private interface Key {
        void apply(RelayConfig.Builder r, Builder j, String key, String value);
    }

    @FunctionalInterface
    private interface LongSetter<B> {
        void set(B builder, long value);
    }

    @FunctionalInterface
    private interface IntSetter<B> {
        void set(B builder, int value);
    }

    private static final Map<String, Key> KEYS = new LinkedHashMap<>();

    static {
        KEYS.put("enabled", (r, j, k, v) -> j.enabled(bool(k, v)));
        KEYS.put("publishPath", (r, j, k, v) -> j.publishPath(v));
        KEYS.put("viewPath", (r, j, k, v) -> j.viewPath(v));
        relayLong("maxQueueBytes", RelayConfig.Builder::maxQueueBytes);
        relayLong("maxQueueAgeMillis", RelayConfig.Builder::maxQueueAgeMillis);
        relayLong("maxStallMillis", RelayConfig.Builder::maxStallMillis);
        relayInt("maxSkipsPerMinute", RelayConfig.Builder::maxSkipsPerMinute);
        relayLong("lateJoinCacheBytes", RelayConfig.Builder::lateJoinCacheBytes);
        relayLong("lateJoinCacheMillis", RelayConfig.Builder::lateJoinCacheMillis);
        relayInt("maxElementBytes", RelayConfig.Builder::maxElementBytes);
        relayInt("maxInitSegmentBytes", RelayConfig.Builder::maxInitSegmentBytes);
        KEYS.put("maxMessageBytes", (r, j, k, v) -> j.maxMessageBytes(integer(k, v)));
        relayInt("maxChannels", RelayConfig.Builder::maxChannels);
        relayInt("maxViewersPerChannel", RelayConfig.Builder::maxViewersPerChannel);
        KEYS.put("maxSessionsPerRemoteAddress", (r, j, k, v) -> j.maxSessionsPerRemoteAddress(integer(k, v)));
        KEYS.put("publisherIdleTimeoutMillis", (r, j, k, v) -> j.publisherIdleTimeoutMillis(whole(k, v)));
        KEYS.put("viewerIdleTimeoutMillis", (r, j, k, v) -> j.viewerIdleTimeoutMillis(whole(k, v)));
        KEYS.put("handshakeTimeoutMillis", (r, j, k, v) -> j.handshakeTimeoutMillis(whole(k, v)));
        KEYS.put("channelNamePattern", (r, j, k, v) -> r.channelNamePattern(v));
        KEYS.put("publishTokens", (r, j, k, v) -> j.publishTokens(list(v)));
        KEYS.put("viewTokens", (r, j, k, v) -> j.viewTokens(list(v)));
        KEYS.put("allowedOrigins", (r, j, k, v) -> j.allowedOrigins(list(v)));
        KEYS.put("publisherTakeover", (r, j, k, v) -> r.publisherTakeover(bool(k, v)));
        relayLong("publisherResumeMillis", RelayConfig.Builder::publisherResumeMillis);
        // Recording (issue 16): off unless recordDir is set.
        KEYS.put("recordDir", (r, j, k, v) -> j.recordKeys().dir(v.isEmpty() ? null : Path.of(v)));
        KEYS.put("recordChannels", (r, j, k, v) -> j.recordKeys().channels(v));
        KEYS.put("recordOnRequest", (r, j, k, v) -> j.recordKeys().onRequest(bool(k, v)));
        KEYS.put("recordMaxSeconds", (r, j, k, v) -> j.recordKeys().maxSeconds(whole(k, v)));
        KEYS.put("recordMaxBytes", (r, j, k, v) -> j.recordKeys().maxBytes(whole(k, v)));
        KEYS.put("recordRetentionBytes", (r, j, k, v) -> j.recordKeys().retentionBytes(whole(k, v)));
        KEYS.put("recordRetentionSeconds", (r, j, k, v) -> j.recordKeys().retentionSeconds(whole(k, v)));
        KEYS.put("recordQueueBytes", (r, j, k, v) -> j.recordKeys().queueBytes(whole(k, v)));
    }

    private static void relayLong(String name, LongSetter<RelayConfig.Builder> setter) {
        KEYS.put(name, (r, j, k, v) -> setter.set(r, whole(k, v)));
    }

    private static void relayInt(String name, IntSetter<RelayConfig.Builder> setter) {
        KEYS.put(name, (r, j, k, v) -> setter.set(r, integer(k, v)));
    }

    private static long whole(String key, String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + ": expected a whole number (the unit is in the name), was '"
                    + value + "'");
        }
    }

    private static int integer(String key, String value) {
        long v = whole(key, value);
        if (v > Integer.MAX_VALUE || v < Integer.MIN_VALUE) {
            throw new IllegalArgumentException(key + ": at most " + Integer.MAX_VALUE + ", was " + value);
        }
        return (int) v;
    }

    private static boolean bool(String key, String value) {
        if (value.equalsIgnoreCase("true")) {
            return true;
        }
        if (value.equalsIgnoreCase("false")) {
            return false;
        }
        throw new IllegalArgumentException(key + ": expected true or false, was '" + value + "'");
    }

    private static List<String> list(String value) {
        List<String> out = new ArrayList<>();
        for (String part : value.split(",")) {
            String p = part.trim();
            if (!p.isEmpty()) {
                out.add(p);
            }
        }
        return out;
    }
}
