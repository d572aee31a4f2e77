package io.wsvideo.relay;

import java.util.Objects;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Immutable, validated settings of a {@link RelayHub}. Build one with {@link #builder()}; every setter
 * names its unit, and {@link Builder#build()} rejects bad values with a message that names the key.
 */
public final class RelayConfig {

    private final long maxQueueBytes;
    private final long maxQueueAgeMillis;
    private final long maxStallMillis;
    private final int maxSkipsPerMinute;
    private final long lateJoinCacheBytes;
    private final long lateJoinCacheMillis;
    private final int maxElementBytes;
    private final int maxInitSegmentBytes;
    private final int maxChannels;
    private final int maxViewersPerChannel;
    private final Pattern channelNamePattern;
    private final boolean publisherTakeover;
    private final long publisherResumeMillis;

    private RelayConfig(Builder b) {
        this.maxQueueBytes = b.maxQueueBytes;
        this.maxQueueAgeMillis = b.maxQueueAgeMillis;
        this.maxStallMillis = b.maxStallMillis;
        this.maxSkipsPerMinute = b.maxSkipsPerMinute;
        this.lateJoinCacheBytes = b.lateJoinCacheBytes;
        this.lateJoinCacheMillis = b.lateJoinCacheMillis;
        this.maxElementBytes = b.maxElementBytes;
        this.maxInitSegmentBytes = b.maxInitSegmentBytes;
        this.maxChannels = b.maxChannels;
        this.maxViewersPerChannel = b.maxViewersPerChannel;
        this.channelNamePattern = Pattern.compile(b.channelNamePattern);
        this.publisherTakeover = b.publisherTakeover;
        this.publisherResumeMillis = b.publisherResumeMillis;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The defaults: suitable for a few Mbit/s per channel and viewers on ordinary networks. */
    public static RelayConfig defaults() {
        return builder().build();
    }

    /** Most media bytes queued for one viewer; past it the viewer skips to the next keyframe. */
    public long maxQueueBytes() {
        return maxQueueBytes;
    }

    /** Oldest queued media for one viewer, in ms; past it the viewer skips to the next keyframe. */
    public long maxQueueAgeMillis() {
        return maxQueueAgeMillis;
    }

    /** How long one send may stay unfinished before the viewer is closed with 1008. */
    public long maxStallMillis() {
        return maxStallMillis;
    }

    /** How many skips in any minute a viewer may take; one more closes it with 1008. */
    public int maxSkipsPerMinute() {
        return maxSkipsPerMinute;
    }

    /** Most bytes kept since the last keyframe for late joiners; past it late joiners wait for the next. */
    public long lateJoinCacheBytes() {
        return lateJoinCacheBytes;
    }

    /** Most ms kept since the last keyframe for late joiners; past it late joiners wait for the next. */
    public long lateJoinCacheMillis() {
        return lateJoinCacheMillis;
    }

    /** Largest declared WebM element or MP4 box the segmenter accepts, even when streamed through. */
    public int maxElementBytes() {
        return maxElementBytes;
    }

    /** Largest init segment (and MP4 {@code moof}) the segmenter buffers. */
    public int maxInitSegmentBytes() {
        return maxInitSegmentBytes;
    }

    public int maxChannels() {
        return maxChannels;
    }

    public int maxViewersPerChannel() {
        return maxViewersPerChannel;
    }

    public Pattern channelNamePattern() {
        return channelNamePattern;
    }

    /** Whether a second publisher on a channel replaces the first instead of being refused. */
    public boolean publisherTakeover() {
        return publisherTakeover;
    }

    /**
     * How long, in ms after a publisher's connection ended, its resume token still takes its channel back
     * (before that end, while the relay still thinks it connected, it does too), and how long the stream of a
     * publisher whose connection was lost ({@link Publisher#connectionLost()}) is held for it to continue;
     * 0: no resume tokens.
     */
    public long publisherResumeMillis() {
        return publisherResumeMillis;
    }

    @Override
    public String toString() {
        return "RelayConfig{maxQueueBytes=" + maxQueueBytes + ", maxQueueAgeMillis=" + maxQueueAgeMillis
                + ", maxStallMillis=" + maxStallMillis + ", maxSkipsPerMinute=" + maxSkipsPerMinute
                + ", lateJoinCacheBytes=" + lateJoinCacheBytes + ", lateJoinCacheMillis=" + lateJoinCacheMillis
                + ", maxElementBytes=" + maxElementBytes + ", maxInitSegmentBytes=" + maxInitSegmentBytes
                + ", maxChannels=" + maxChannels + ", maxViewersPerChannel=" + maxViewersPerChannel
                + ", channelNamePattern=" + channelNamePattern + ", publisherTakeover=" + publisherTakeover
                + ", publisherResumeMillis=" + publisherResumeMillis + '}';
    }

    /** Mutable builder; {@link #build()} validates. */
    public static final class Builder {
        private long maxQueueBytes = 4L * 1024 * 1024;
        private long maxQueueAgeMillis = 2_000;
        private long maxStallMillis = 10_000;
        private int maxSkipsPerMinute = 6;
        private long lateJoinCacheBytes = 8L * 1024 * 1024;
        private long lateJoinCacheMillis = 10_000;
        private int maxElementBytes = 64 * 1024 * 1024;
        private int maxInitSegmentBytes = 1024 * 1024;
        private int maxChannels = 1_000;
        private int maxViewersPerChannel = 10_000;
        private String channelNamePattern = "[A-Za-z0-9_-]{1,64}";
        private boolean publisherTakeover = false;
        private long publisherResumeMillis = 5_000;

        private Builder() {
        }

        public Builder maxQueueBytes(long v) {
            this.maxQueueBytes = v;
            return this;
        }

        public Builder maxQueueAgeMillis(long v) {
            this.maxQueueAgeMillis = v;
            return this;
        }

        public Builder maxStallMillis(long v) {
            this.maxStallMillis = v;
            return this;
        }

        public Builder maxSkipsPerMinute(int v) {
            this.maxSkipsPerMinute = v;
            return this;
        }

        public Builder lateJoinCacheBytes(long v) {
            this.lateJoinCacheBytes = v;
            return this;
        }

        public Builder lateJoinCacheMillis(long v) {
            this.lateJoinCacheMillis = v;
            return this;
        }

        public Builder maxElementBytes(int v) {
            this.maxElementBytes = v;
            return this;
        }

        public Builder maxInitSegmentBytes(int v) {
            this.maxInitSegmentBytes = v;
            return this;
        }

        public Builder maxChannels(int v) {
            this.maxChannels = v;
            return this;
        }

        public Builder maxViewersPerChannel(int v) {
            this.maxViewersPerChannel = v;
            return this;
        }

        public Builder channelNamePattern(String regex) {
            this.channelNamePattern = regex;
            return this;
        }

        public Builder publisherTakeover(boolean v) {
            this.publisherTakeover = v;
            return this;
        }

        public Builder publisherResumeMillis(long v) {
            this.publisherResumeMillis = v;
            return this;
        }

        public RelayConfig build() {
            positive("maxQueueBytes", maxQueueBytes);
            positive("maxQueueAgeMillis", maxQueueAgeMillis);
            positive("maxStallMillis", maxStallMillis);
            positive("maxSkipsPerMinute", maxSkipsPerMinute);
            positive("lateJoinCacheBytes", lateJoinCacheBytes);
            positive("lateJoinCacheMillis", lateJoinCacheMillis);
            positive("maxElementBytes", maxElementBytes);
            positive("maxInitSegmentBytes", maxInitSegmentBytes);
            positive("maxChannels", maxChannels);
            positive("maxViewersPerChannel", maxViewersPerChannel);
            if (publisherResumeMillis < 0) {
                throw new IllegalArgumentException("publisherResumeMillis must be >= 0, was "
                        + publisherResumeMillis);
            }
            Objects.requireNonNull(channelNamePattern, "channelNamePattern");
            try {
                Pattern.compile(channelNamePattern);
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("channelNamePattern: not a regular expression: "
                        + e.getDescription());
            }
            return new RelayConfig(this);
        }

        private static void positive(String key, long value) {
            if (value <= 0) {
                throw new IllegalArgumentException(key + " must be > 0, was " + value);
            }
        }
    }
}
