package io.wsvideo.relay;

import java.util.List;

/**
 * A snapshot of one channel.
 *
 * @param live         whether a publisher is connected
 * @param mime         the MIME string viewers were given for the current stream, or null
 * @param streams      how many streams (publisher sessions) have started on this channel
 * @param bytesIn      media bytes received from publishers, all streams
 * @param chunksIn     media messages received from publishers, all streams
 * @param skips        viewer skips to a keyframe, all viewers, since the channel was created
 * @param evictions    viewers closed for being too slow
 * @param viewers      the viewers now connected
 */
public record ChannelStats(String name, boolean live, String mime, long streams, long bytesIn, long chunksIn,
                           long skips, long evictions, List<ViewerStats> viewers) {

    public int viewerCount() {
        return viewers.size();
    }

    String toJson(boolean withViewers) {
        StringBuilder b = new StringBuilder();
        b.append("{\"name\":").append(Json.quote(name)).append(",\"live\":").append(live)
                .append(",\"mime\":").append(Json.quote(mime)).append(",\"streams\":").append(streams)
                .append(",\"bytesIn\":").append(bytesIn).append(",\"chunksIn\":").append(chunksIn)
                .append(",\"skips\":").append(skips).append(",\"evictions\":").append(evictions)
                .append(",\"viewerCount\":").append(viewers.size());
        if (withViewers) {
            b.append(",\"viewers\":[");
            for (int i = 0; i < viewers.size(); i++) {
                b.append(i == 0 ? "" : ",").append(viewers.get(i).toJson());
            }
            b.append(']');
        }
        return b.append('}').toString();
    }
}
