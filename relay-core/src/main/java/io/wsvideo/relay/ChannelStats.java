package io.wsvideo.relay;

import java.util.List;
import java.util.Map;

/**
 * A snapshot of one channel.
 *
 * @param live         whether a publisher is connected
 * @param mime         the MIME string viewers were given for the current stream, or null
 * @param streams      how many streams have started on this channel (a publisher that continued the stream of
 *                     the one whose resume token it showed started none)
 * @param bytesIn      media bytes received from publishers, all streams
 * @param chunksIn     media messages received from publishers, all streams
 * @param skips        viewer skips to a keyframe, all viewers, since the channel was created
 * @param evictions    viewers closed for being too slow
 * @param viewerCount  viewers now connected
 * @param bytesOut     bytes sent to the viewers now connected
 * @param queuedBytes  media bytes waiting in the queues of the viewers now connected
 * @param viewers      per-viewer details, when asked for ({@link RelayHub#stats(boolean)}), else empty
 * @param viewersReporting viewers now connected that said what they play ({@link ViewerPlays})
 * @param plays        format id to how many of those play it, sorted by id: a format every current viewer
 *                     plays has {@code viewersReporting} here
 */
public record ChannelStats(String name, boolean live, String mime, long streams, long bytesIn, long chunksIn,
                           long skips, long evictions, int viewerCount, long bytesOut, long queuedBytes,
                           List<ViewerStats> viewers, int viewersReporting, Map<String, Integer> plays) {

    String toJson(boolean withViewers) {
        StringBuilder b = new StringBuilder();
        b.append("{\"name\":").append(Json.quote(name)).append(",\"live\":").append(live)
                .append(",\"mime\":").append(Json.quote(mime)).append(",\"streams\":").append(streams)
                .append(",\"bytesIn\":").append(bytesIn).append(",\"chunksIn\":").append(chunksIn)
                .append(",\"skips\":").append(skips).append(",\"evictions\":").append(evictions)
                .append(",\"viewerCount\":").append(viewerCount).append(",\"bytesOut\":").append(bytesOut)
                .append(",\"queuedBytes\":").append(queuedBytes)
                .append(",\"viewersReporting\":").append(viewersReporting).append(",\"plays\":{");
        String sep = "";
        for (Map.Entry<String, Integer> e : plays.entrySet()) {
            b.append(sep).append(Json.quote(e.getKey())).append(':').append(e.getValue());
            sep = ",";
        }
        b.append('}');
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
