package io.wsvideo.demo;

import io.wsvideo.relay.RelayHub;
import io.wsvideo.relay.SharedTokens;
import io.wsvideo.relay.jakarta.JakartaRelayConfig;
import io.wsvideo.relay.record.Recorder;
import io.wsvideo.relay.record.RecordingConfig;
import io.wsvideo.relay.record.RecordingFiles;
import io.wsvideo.relay.record.RecordingsHttp;
import java.io.IOException;
import java.util.Locale;

/**
 * The demo's recording, on either engine, when {@code --record-dir} (or {@code recordDir}) is set: the recorder,
 * its files, the {@code /recordings} resource behind the view tokens, and its part of {@code /relay/stats}.
 */
final class DemoRecording implements AutoCloseable {

    /** Where the resource is mounted; {@code /recordings.html} is the page that lists it. */
    static final String PATH = "/recordings";

    final RecordingFiles files;
    final Recorder recorder;
    final RecordingsHttp http;

    private DemoRecording(RecordingFiles files, Recorder recorder, RecordingsHttp http) {
        this.files = files;
        this.recorder = recorder;
        this.http = http;
    }

    /** @return null when recording is off */
    static DemoRecording start(RelayHub hub, JakartaRelayConfig config) throws IOException {
        RecordingConfig rc = config.server().recording();
        if (rc == null) {
            return null;
        }
        RecordingFiles files = RecordingFiles.create(rc);
        Recorder recorder = Recorder.start(hub, rc, files);
        SharedTokens tokens = config.viewTokens();
        return new DemoRecording(files, recorder, new RecordingsHttp(files, t -> tokens == null || tokens.matches(t)));
    }

    /** Whether a request path is the recordings resource. */
    static boolean owns(String path) {
        return path.equals(PATH) || path.startsWith(PATH + "/");
    }

    /** A browser opening {@code /recordings} itself wants the page, not the JSON. */
    static boolean wantsPage(String path, String accept) {
        return path.equals(PATH) && accept != null && accept.toLowerCase(Locale.ROOT).contains("text/html");
    }

    /** The token of a request: {@code ?token=}, else {@code Authorization: Bearer}. */
    static String token(String queryToken, String authorization) {
        if (queryToken != null && !queryToken.isEmpty()) {
            return queryToken;
        }
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            String t = authorization.substring(7).strip();
            return t.isEmpty() ? null : t;
        }
        return null;
    }

    RecordingsHttp.Reply handle(String method, String path, String channel, String token, String range,
                                String ifRange) throws IOException {
        return http.handle(method, path.substring(PATH.length()), channel, token, range, ifRange);
    }

    /** The hub's stats JSON with the recorder's under {@code "recorder"}. */
    static String stats(String hubJson, DemoRecording recording) {
        if (recording == null) {
            return hubJson;
        }
        return hubJson.substring(0, hubJson.length() - 1) + ",\"recorder\":" + recording.recorder.stats().toJson()
                + "}";
    }

    /** Ends the recordings still running (close the hub first) and waits for their files to be completed. */
    @Override
    public void close() {
        recorder.close();
    }
}
