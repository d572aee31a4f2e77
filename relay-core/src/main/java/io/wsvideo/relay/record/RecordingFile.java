package io.wsvideo.relay.record;

import java.time.Instant;

/**
 * One recording file, as {@link RecordingFiles#list()} describes it.
 *
 * @param name           the file name, which is also its URL path segment under {@code /recordings/}
 * @param channel        the channel it was recorded from (as far as a file name can hold it: characters other
 *                       than letters, digits, {@code -} and {@code _} became {@code -})
 * @param start          when the file was started
 * @param durationMillis media time the file covers; -1 when unknown (a file whose recorder died before
 *                       completing it; it still plays)
 * @param bytes          file size now
 * @param codecs         the codecs of its tracks, video first, e.g. {@code vp8,opus}
 * @param contentType    the MIME type to serve it with, e.g. {@code video/webm}
 * @param recording      whether it is still being written
 */
public record RecordingFile(String name, String channel, Instant start, long durationMillis, long bytes,
                            String codecs, String contentType, boolean recording) {

    String toJson() {
        return "{\"name\":" + JsonText.string(name) + ",\"channel\":" + JsonText.string(channel)
                + ",\"start\":" + JsonText.string(start.toString()) + ",\"duration\":"
                + (durationMillis < 0 ? "null" : String.valueOf(durationMillis / 1000.0)) + ",\"bytes\":" + bytes
                + ",\"codec\":" + JsonText.string(codecs) + ",\"contentType\":" + JsonText.string(contentType)
                + ",\"recording\":" + recording + "}";
    }
}
