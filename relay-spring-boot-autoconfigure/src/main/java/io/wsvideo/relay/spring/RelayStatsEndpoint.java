package io.wsvideo.relay.spring;

import io.wsvideo.relay.ChannelStats;
import io.wsvideo.relay.RelayHub;
import io.wsvideo.relay.RelayStats;
import io.wsvideo.relay.record.Recorder;
import java.util.List;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;

/**
 * {@code /actuator/wsvideo}: the hub's stats as JSON, the same document as the demo server's
 * {@code /relay/stats}; {@code /actuator/wsvideo/{channel}} adds that channel's per-viewer details (404 when
 * the channel does not exist). Exposed over HTTP only when listed in
 * {@code management.endpoints.web.exposure.include}.
 */
@Endpoint(id = "wsvideo")
public class RelayStatsEndpoint {

    private static final String JSON = "application/json";

    private final RelayHub hub;
    private final RelayRecording recording;

    RelayStatsEndpoint(RelayHub hub, RelayRecording recording) {
        this.hub = hub;
        this.recording = recording;
    }

    /**
     * Every channel, without per-viewer details (they grow with the audience); when recording, the recorder's
     * stats under {@code "recorder"}, as in the WAR's and the demo's {@code /relay/stats}.
     */
    @ReadOperation(produces = JSON)
    public String stats() {
        String json = hub.stats(false).toJson(false);
        Recorder r = recording.recorder();
        return r == null ? json : json.substring(0, json.length() - 1) + ",\"recorder\":" + r.stats().toJson() + "}";
    }

    /** One channel with its viewers, or null (404) when it does not exist. */
    @ReadOperation(produces = JSON)
    public String channel(@Selector String channel) {
        RelayStats all = hub.stats(true);
        ChannelStats c = all.channel(channel);
        if (c == null) {
            return null;
        }
        return new RelayStats(List.of(c), all.viewersEvicted(), all.publishersRefused()).toJson(true);
    }
}
