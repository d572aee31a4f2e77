package io.wsvideo.relay.spring;

import io.wsvideo.relay.PublishAuthorizer;
import io.wsvideo.relay.RelayConfig;
import io.wsvideo.relay.jakarta.JakartaRelayConfig;
import io.wsvideo.relay.record.RecordingConfig;
import io.wsvideo.relay.server.RelayServerConfig;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.Errors;
import org.springframework.validation.Validator;

/**
 * The {@code wsvideo.*} keys of relay-jakarta's {@link JakartaRelayConfig#fromProperties}, bound the Spring way
 * ({@code wsvideo.max-queue-bytes}, {@code wsvideo.publish-tokens=a,b}, environment variables, YAML). The
 * defaults are the relay's own. Values are checked by relay-jakarta's builders when they are bound, so a bad
 * one stops the application's start with Spring's failure analysis naming the key, the value and where it
 * came from.
 */
@ConfigurationProperties(prefix = "wsvideo")
public class RelayProperties implements Validator {

    private static final RelayConfig RELAY = RelayConfig.defaults();
    private static final JakartaRelayConfig ENDPOINTS = JakartaRelayConfig.defaults();
    private static final RecordingConfig RECORD = RecordingConfig.builder().build();

    /** Whether the starter registers the relay at all. */
    private boolean enabled = ENDPOINTS.enabled();

    /** Path template of the publish endpoint; must start with / and contain {channel}. */
    private String publishPath = ENDPOINTS.publishPath();

    /** Path template of the view endpoint; must start with / and contain {channel}. */
    private String viewPath = ENDPOINTS.viewPath();

    /** Media bytes queued for one viewer before it skips to the next keyframe. */
    private long maxQueueBytes = RELAY.maxQueueBytes();

    /** Oldest queued message's wait, in milliseconds, before the viewer skips to the next keyframe. */
    private long maxQueueAgeMillis = RELAY.maxQueueAgeMillis();

    /** One send to a viewer unfinished this many milliseconds closes the viewer (1008). */
    private long maxStallMillis = RELAY.maxStallMillis();

    /** More skips than this in a minute close the viewer (1008). */
    private int maxSkipsPerMinute = RELAY.maxSkipsPerMinute();

    /** Bytes kept since the last keyframe for late joiners. */
    private long lateJoinCacheBytes = RELAY.lateJoinCacheBytes();

    /** Milliseconds of media kept since the last keyframe for late joiners. */
    private long lateJoinCacheMillis = RELAY.lateJoinCacheMillis();

    /** Largest WebM element or MP4 box a stream may declare (1007 above it). */
    private int maxElementBytes = RELAY.maxElementBytes();

    /** Largest init segment (1007 above it). */
    private int maxInitSegmentBytes = RELAY.maxInitSegmentBytes();

    /** Largest publisher message (1009 above it). */
    private int maxMessageBytes = ENDPOINTS.maxMessageBytes();

    /** Most channels at once (1013 past it). */
    private int maxChannels = RELAY.maxChannels();

    /** Most viewers on one channel (1013 past it). */
    private int maxViewersPerChannel = RELAY.maxViewersPerChannel();

    /** Most relay sessions, publishers and viewers together, from one IP address (1013 past it); 0: no limit. */
    private int maxSessionsPerRemoteAddress = ENDPOINTS.maxSessionsPerRemoteAddress();

    /** A publisher silent this many milliseconds is closed; 0: never. */
    private long publisherIdleTimeoutMillis = ENDPOINTS.publisherIdleTimeoutMillis();

    /** A viewer connection with no traffic either way this many milliseconds is closed; 0: never. */
    private long viewerIdleTimeoutMillis = ENDPOINTS.viewerIdleTimeoutMillis();

    /**
     * A connection that has not finished its HTTP request this many milliseconds after connecting is closed
     * (servers the relay runs itself; in Spring Boot's embedded container use the container's own timeout).
     */
    private long handshakeTimeoutMillis = ENDPOINTS.handshakeTimeoutMillis();

    /** Regular expression valid channel names match (1008 otherwise). */
    private String channelNamePattern = RELAY.channelNamePattern().pattern();

    /**
     * Shared secrets, any of which lets a client publish (1008 otherwise). None, and no PublishAuthorizer bean:
     * publishing is open to anyone who can reach the endpoint.
     */
    private List<String> publishTokens = new ArrayList<>();

    /** Shared secrets, any of which lets a client watch (1008 otherwise); none: viewing is open. */
    private List<String> viewTokens = new ArrayList<>();

    /** Origins (scheme://host[:port]) whose pages may open relay WebSockets (HTTP 403 otherwise); none: any. */
    private List<String> allowedOrigins = new ArrayList<>();

    /** Whether a second publisher on a channel replaces the first instead of being told "channel busy". */
    private boolean publisherTakeover = RELAY.publisherTakeover();

    /**
     * How long, in milliseconds after a publisher's connection ended, the resume token it was given still takes
     * its channel back (a broadcaster whose network dropped); 0: no resume tokens.
     */
    private long publisherResumeMillis = RELAY.publisherResumeMillis();

    /**
     * Folder of the recordings; set, the starter records the channels (the other record-* keys say which and how)
     * and serves them at /recordings behind the view tokens. Not set: recording is off.
     */
    private String recordDir;

    /** Channels that may be recorded: a regular expression the whole name must match. */
    private String recordChannels = RECORD.channels().pattern();

    /** Only publishers connecting with ?record=1 are recorded. */
    private boolean recordOnRequest = RECORD.onRequest();

    /** A new file starts at the first keyframe past this much media time, in seconds; 0: no limit. */
    private long recordMaxSeconds = RECORD.maxSeconds();

    /** A new file starts at the first keyframe past this size, in bytes; 0: no limit. */
    private long recordMaxBytes = RECORD.maxBytes();

    /** Oldest recordings are deleted while all of them together exceed this many bytes; 0: keep all. */
    private long recordRetentionBytes = RECORD.retentionBytes();

    /** Recordings last written longer ago than this many seconds are deleted; 0: keep all. */
    private long recordRetentionSeconds = RECORD.retentionSeconds();

    /** Bytes a recording may have waiting for the disk; past it that recording stops (the channel goes on). */
    private long recordQueueBytes = RECORD.queueBytes();

    /**
     * The validated settings, with {@code authorizer} (a PublishAuthorizer bean, or null) deciding who may
     * publish instead of the shared publish tokens.
     *
     * @throws IllegalArgumentException from relay-jakarta's builders, the message starting with the key's name
     */
    JakartaRelayConfig toConfig(PublishAuthorizer authorizer) {
        RelayConfig relay = RelayConfig.builder()
                .maxQueueBytes(maxQueueBytes)
                .maxQueueAgeMillis(maxQueueAgeMillis)
                .maxStallMillis(maxStallMillis)
                .maxSkipsPerMinute(maxSkipsPerMinute)
                .lateJoinCacheBytes(lateJoinCacheBytes)
                .lateJoinCacheMillis(lateJoinCacheMillis)
                .maxElementBytes(maxElementBytes)
                .maxInitSegmentBytes(maxInitSegmentBytes)
                .maxChannels(maxChannels)
                .maxViewersPerChannel(maxViewersPerChannel)
                .channelNamePattern(channelNamePattern)
                .publisherTakeover(publisherTakeover)
                .publisherResumeMillis(publisherResumeMillis)
                .build();
        return JakartaRelayConfig.of(RelayServerConfig.builder()
                .relay(relay)
                .enabled(enabled)
                .publishPath(publishPath)
                .viewPath(viewPath)
                .maxMessageBytes(maxMessageBytes)
                .maxSessionsPerRemoteAddress(maxSessionsPerRemoteAddress)
                .publisherIdleTimeoutMillis(publisherIdleTimeoutMillis)
                .viewerIdleTimeoutMillis(viewerIdleTimeoutMillis)
                .handshakeTimeoutMillis(handshakeTimeoutMillis)
                .publishTokens(publishTokens)
                .viewTokens(viewTokens)
                .allowedOrigins(allowedOrigins)
                .publishAuthorizer(authorizer)
                .recording(recording())
                .build());
    }

    /**
     * The record-* keys, checked by relay-core's builder even while {@code record-dir} is unset (so a bad value
     * is named before it would matter); null without {@code record-dir}, as with the context parameters, where
     * setting another record key without it fails the start.
     */
    private RecordingConfig recording() {
        Path dir = null;
        if (recordDir != null && !recordDir.isBlank()) {
            try {
                dir = Path.of(recordDir);
            } catch (InvalidPathException e) {
                throw new IllegalArgumentException("recordDir: not a path: " + e.getMessage(), e);
            }
        }
        RecordingConfig rc = RecordingConfig.builder()
                .dir(dir)
                .channels(recordChannels)
                .onRequest(recordOnRequest)
                .maxSeconds(recordMaxSeconds)
                .maxBytes(recordMaxBytes)
                .retentionBytes(recordRetentionBytes)
                .retentionSeconds(recordRetentionSeconds)
                .queueBytes(recordQueueBytes)
                .build();
        if (dir != null) {
            return rc;
        }
        boolean defaults = rc.channels().pattern().equals(RECORD.channels().pattern())
                && rc.onRequest() == RECORD.onRequest() && rc.maxSeconds() == RECORD.maxSeconds()
                && rc.maxBytes() == RECORD.maxBytes() && rc.retentionBytes() == RECORD.retentionBytes()
                && rc.retentionSeconds() == RECORD.retentionSeconds() && rc.queueBytes() == RECORD.queueBytes();
        if (!defaults) {
            // RelayServerConfig's own words for the context parameters; the message names the key to set.
            throw new IllegalArgumentException("recordDir must be set to use the other record* settings");
        }
        return null;
    }

    // ---- validation, run by Spring's binder on the bound values -------------------------------------------

    /** The builders' messages start with the key's name ("maxQueueBytes must be > 0, was -1"). */
    private static final Pattern KEY = Pattern.compile("^([a-z][A-Za-z]*)\\b");

    @Override
    public boolean supports(Class<?> type) {
        return RelayProperties.class.isAssignableFrom(type);
    }

    /**
     * Runs relay-jakarta's own checks. The error goes on the field the message names, which Spring's binder
     * reports as {@code wsvideo.<key-in-kebab-case>} with its value and origin.
     */
    @Override
    public void validate(Object target, Errors errors) {
        try {
            ((RelayProperties) target).toConfig(null);
        } catch (IllegalArgumentException | NullPointerException e) {
            String message = String.valueOf(e.getMessage());
            Matcher m = KEY.matcher(message);
            if (m.find() && JakartaRelayConfig.keys().contains(m.group(1))) {
                // The field's own name: Boot's report then shows the property's origin (file and line) too.
                errors.rejectValue(m.group(1), "wsvideo.invalid", message);
            } else {
                errors.reject("wsvideo.invalid", message);
            }
        }
    }

    // ---- getters and setters, for the binder ---------------------------------------------------------------

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public String getPublishPath() {
        return publishPath;
    }

    public void setPublishPath(String publishPath) {
        this.publishPath = publishPath;
    }

    public String getViewPath() {
        return viewPath;
    }

    public void setViewPath(String viewPath) {
        this.viewPath = viewPath;
    }

    public long getMaxQueueBytes() {
        return maxQueueBytes;
    }

    public void setMaxQueueBytes(long maxQueueBytes) {
        this.maxQueueBytes = maxQueueBytes;
    }

    public long getMaxQueueAgeMillis() {
        return maxQueueAgeMillis;
    }

    public void setMaxQueueAgeMillis(long maxQueueAgeMillis) {
        this.maxQueueAgeMillis = maxQueueAgeMillis;
    }

    public long getMaxStallMillis() {
        return maxStallMillis;
    }

    public void setMaxStallMillis(long maxStallMillis) {
        this.maxStallMillis = maxStallMillis;
    }

    public int getMaxSkipsPerMinute() {
        return maxSkipsPerMinute;
    }

    public void setMaxSkipsPerMinute(int maxSkipsPerMinute) {
        this.maxSkipsPerMinute = maxSkipsPerMinute;
    }

    public long getLateJoinCacheBytes() {
        return lateJoinCacheBytes;
    }

    public void setLateJoinCacheBytes(long lateJoinCacheBytes) {
        this.lateJoinCacheBytes = lateJoinCacheBytes;
    }

    public long getLateJoinCacheMillis() {
        return lateJoinCacheMillis;
    }

    public void setLateJoinCacheMillis(long lateJoinCacheMillis) {
        this.lateJoinCacheMillis = lateJoinCacheMillis;
    }

    public int getMaxElementBytes() {
        return maxElementBytes;
    }

    public void setMaxElementBytes(int maxElementBytes) {
        this.maxElementBytes = maxElementBytes;
    }

    public int getMaxInitSegmentBytes() {
        return maxInitSegmentBytes;
    }

    public void setMaxInitSegmentBytes(int maxInitSegmentBytes) {
        this.maxInitSegmentBytes = maxInitSegmentBytes;
    }

    public int getMaxMessageBytes() {
        return maxMessageBytes;
    }

    public void setMaxMessageBytes(int maxMessageBytes) {
        this.maxMessageBytes = maxMessageBytes;
    }

    public int getMaxChannels() {
        return maxChannels;
    }

    public void setMaxChannels(int maxChannels) {
        this.maxChannels = maxChannels;
    }

    public int getMaxViewersPerChannel() {
        return maxViewersPerChannel;
    }

    public void setMaxViewersPerChannel(int maxViewersPerChannel) {
        this.maxViewersPerChannel = maxViewersPerChannel;
    }

    public int getMaxSessionsPerRemoteAddress() {
        return maxSessionsPerRemoteAddress;
    }

    public void setMaxSessionsPerRemoteAddress(int maxSessionsPerRemoteAddress) {
        this.maxSessionsPerRemoteAddress = maxSessionsPerRemoteAddress;
    }

    public long getPublisherIdleTimeoutMillis() {
        return publisherIdleTimeoutMillis;
    }

    public void setPublisherIdleTimeoutMillis(long publisherIdleTimeoutMillis) {
        this.publisherIdleTimeoutMillis = publisherIdleTimeoutMillis;
    }

    public long getViewerIdleTimeoutMillis() {
        return viewerIdleTimeoutMillis;
    }

    public void setViewerIdleTimeoutMillis(long viewerIdleTimeoutMillis) {
        this.viewerIdleTimeoutMillis = viewerIdleTimeoutMillis;
    }

    public long getHandshakeTimeoutMillis() {
        return handshakeTimeoutMillis;
    }

    public void setHandshakeTimeoutMillis(long handshakeTimeoutMillis) {
        this.handshakeTimeoutMillis = handshakeTimeoutMillis;
    }

    public String getChannelNamePattern() {
        return channelNamePattern;
    }

    public void setChannelNamePattern(String channelNamePattern) {
        this.channelNamePattern = channelNamePattern;
    }

    public List<String> getPublishTokens() {
        return publishTokens;
    }

    public void setPublishTokens(List<String> publishTokens) {
        this.publishTokens = publishTokens;
    }

    public List<String> getViewTokens() {
        return viewTokens;
    }

    public void setViewTokens(List<String> viewTokens) {
        this.viewTokens = viewTokens;
    }

    public List<String> getAllowedOrigins() {
        return allowedOrigins;
    }

    public void setAllowedOrigins(List<String> allowedOrigins) {
        this.allowedOrigins = allowedOrigins;
    }

    public boolean isPublisherTakeover() {
        return publisherTakeover;
    }

    public void setPublisherTakeover(boolean publisherTakeover) {
        this.publisherTakeover = publisherTakeover;
    }

    public long getPublisherResumeMillis() {
        return publisherResumeMillis;
    }

    public void setPublisherResumeMillis(long publisherResumeMillis) {
        this.publisherResumeMillis = publisherResumeMillis;
    }

    public String getRecordDir() {
        return recordDir;
    }

    public void setRecordDir(String recordDir) {
        this.recordDir = recordDir;
    }

    public String getRecordChannels() {
        return recordChannels;
    }

    public void setRecordChannels(String recordChannels) {
        this.recordChannels = recordChannels;
    }

    public boolean isRecordOnRequest() {
        return recordOnRequest;
    }

    public void setRecordOnRequest(boolean recordOnRequest) {
        this.recordOnRequest = recordOnRequest;
    }

    public long getRecordMaxSeconds() {
        return recordMaxSeconds;
    }

    public void setRecordMaxSeconds(long recordMaxSeconds) {
        this.recordMaxSeconds = recordMaxSeconds;
    }

    public long getRecordMaxBytes() {
        return recordMaxBytes;
    }

    public void setRecordMaxBytes(long recordMaxBytes) {
        this.recordMaxBytes = recordMaxBytes;
    }

    public long getRecordRetentionBytes() {
        return recordRetentionBytes;
    }

    public void setRecordRetentionBytes(long recordRetentionBytes) {
        this.recordRetentionBytes = recordRetentionBytes;
    }

    public long getRecordRetentionSeconds() {
        return recordRetentionSeconds;
    }

    public void setRecordRetentionSeconds(long recordRetentionSeconds) {
        this.recordRetentionSeconds = recordRetentionSeconds;
    }

    public long getRecordQueueBytes() {
        return recordQueueBytes;
    }

    public void setRecordQueueBytes(long recordQueueBytes) {
        this.recordQueueBytes = recordQueueBytes;
    }
}
