package io.wsvideo.relay.record;

import io.wsvideo.relay.PublishAuthorizer;
import java.nio.file.Path;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Immutable, validated recording settings: which channels, where, how files rotate and how long they are
 * kept. Built with {@link #builder()}; every limit has its unit in its name, and 0 means "no limit".
 */
public final class RecordingConfig {

    private final Path dir;
    private final Pattern channels;
    private final boolean onRequest;
    private final PublishAuthorizer requestAuthorizer;
    private final long maxSeconds;
    private final long maxBytes;
    private final long retentionBytes;
    private final long retentionSeconds;
    private final long queueBytes;
    private final int maxSegmentBytes;
    private final int maxIndexEntries;

    private RecordingConfig(Builder b) {
        this.dir = b.dir;
        this.channels = Pattern.compile(b.channels);
        this.onRequest = b.onRequest;
        this.requestAuthorizer = b.requestAuthorizer;
        this.maxSeconds = b.maxSeconds;
        this.maxBytes = b.maxBytes;
        this.retentionBytes = b.retentionBytes;
        this.retentionSeconds = b.retentionSeconds;
        this.queueBytes = b.queueBytes;
        this.maxSegmentBytes = b.maxSegmentBytes;
        this.maxIndexEntries = b.maxIndexEntries;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Where {@link RecordingFiles} writes and finds recordings; null when only a custom sink is used. */
    public Path dir() {
        return dir;
    }

    /** Channels that may be recorded (the whole name must match); default: all. */
    public Pattern channels() {
        return channels;
    }

    /**
     * False (default): every channel that {@link #channels()} matches is recorded. True: only publishers that
     * ask ({@code ?record=1}) and are allowed to ({@link #requestAuthorizer()}) are.
     */
    public boolean onRequest() {
        return onRequest;
    }

    /** Who may ask for a recording; null: any publisher on a channel that {@link #channels()} matches. */
    public PublishAuthorizer requestAuthorizer() {
        return requestAuthorizer;
    }

    /** A file is closed and a new one started at the first keyframe past this much media time; 0: no limit. */
    public long maxSeconds() {
        return maxSeconds;
    }

    /** A file is closed and a new one started at the first keyframe past this size; 0: no limit. */
    public long maxBytes() {
        return maxBytes;
    }

    /** Oldest finished files are deleted while all recordings together exceed this; 0: no limit. */
    public long retentionBytes() {
        return retentionBytes;
    }

    /** Finished files last written longer ago than this are deleted; 0: kept forever. */
    public long retentionSeconds() {
        return retentionSeconds;
    }

    /** Bytes a recording may have waiting for its writer; past it the recording stops (the disk is too slow). */
    public long queueBytes() {
        return queueBytes;
    }

    /** Largest media segment (Cluster, fragment) a file writer holds whole before writing it. */
    public int maxSegmentBytes() {
        return maxSegmentBytes;
    }

    /** Entries an MP4 file's index ({@code sidx}) has room for; a file that fills it rotates. */
    public int maxIndexEntries() {
        return maxIndexEntries;
    }

    /** Whether a channel is recorded without asking (always false when {@link #onRequest()}). */
    boolean recordsAutomatically(String channel) {
        return !onRequest && channels.matcher(channel).matches();
    }

    @Override
    public String toString() {
        return "RecordingConfig{dir=" + dir + ", channels=" + channels + ", onRequest=" + onRequest
                + ", maxSeconds=" + maxSeconds + ", maxBytes=" + maxBytes + ", retentionBytes=" + retentionBytes
                + ", retentionSeconds=" + retentionSeconds + ", queueBytes=" + queueBytes + '}';
    }

    /** Mutable builder; {@link #build()} validates and names the bad setting. */
    public static final class Builder {
        private Path dir;
        private String channels = ".*";
        private boolean onRequest;
        private PublishAuthorizer requestAuthorizer;
        private long maxSeconds = 3600;
        private long maxBytes = 2L << 30;
        private long retentionBytes;
        private long retentionSeconds;
        private long queueBytes = 16L << 20;
        private int maxSegmentBytes = 64 << 20;
        private int maxIndexEntries = 4096;

        private Builder() {
        }

        public Builder dir(Path v) {
            this.dir = v;
            return this;
        }

        /** A regular expression the whole channel name must match; default {@code .*}. */
        public Builder channels(String regex) {
            this.channels = regex;
            return this;
        }

        public Builder onRequest(boolean v) {
            this.onRequest = v;
            return this;
        }

        public Builder requestAuthorizer(PublishAuthorizer v) {
            this.requestAuthorizer = v;
            return this;
        }

        public Builder maxSeconds(long v) {
            this.maxSeconds = v;
            return this;
        }

        public Builder maxBytes(long v) {
            this.maxBytes = v;
            return this;
        }

        public Builder retentionBytes(long v) {
            this.retentionBytes = v;
            return this;
        }

        public Builder retentionSeconds(long v) {
            this.retentionSeconds = v;
            return this;
        }

        public Builder queueBytes(long v) {
            this.queueBytes = v;
            return this;
        }

        public Builder maxSegmentBytes(int v) {
            this.maxSegmentBytes = v;
            return this;
        }

        public Builder maxIndexEntries(int v) {
            this.maxIndexEntries = v;
            return this;
        }

        public RecordingConfig build() {
            Objects.requireNonNull(channels, "recordChannels must not be null");
            try {
                Pattern.compile(channels);
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("recordChannels: not a regular expression: " + e.getMessage(), e);
            }
            nonNegative("recordMaxSeconds", maxSeconds);
            nonNegative("recordMaxBytes", maxBytes);
            nonNegative("recordRetentionBytes", retentionBytes);
            nonNegative("recordRetentionSeconds", retentionSeconds);
            if (queueBytes <= 0) {
                throw new IllegalArgumentException("recordQueueBytes must be > 0, was " + queueBytes);
            }
            if (maxSegmentBytes <= 0) {
                throw new IllegalArgumentException("recordMaxSegmentBytes must be > 0, was " + maxSegmentBytes);
            }
            if (maxIndexEntries < 1 || maxIndexEntries > 65535) {
                throw new IllegalArgumentException("recordMaxIndexEntries must be 1..65535, was " + maxIndexEntries);
            }
            return new RecordingConfig(this);
        }

        private static void nonNegative(String key, long v) {
            if (v < 0) {
                throw new IllegalArgumentException(key + " must be >= 0 (0: no limit), was " + v);
            }
        }
    }
}
