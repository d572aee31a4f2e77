package io.wsvideo.relay;

import java.util.List;

/**
 * A snapshot of one viewer.
 *
 * @param state          WAITING_FOR_STREAM, WAITING_FOR_KEYFRAME or LIVE
 * @param bytesOut       bytes whose send completed
 * @param queuedBytes    media bytes waiting in this viewer's queue
 * @param queuedMessages messages (media and control) waiting
 * @param lagMillis      how long the oldest waiting or in-flight message has waited
 * @param skips          times this viewer was skipped ahead to a keyframe
 * @param droppedBytes   media bytes never sent to it because of skips
 * @param closeReason    why it was closed, or null while open
 * @param plays          the format ids it said it plays when it joined ({@link ViewerPlays}), or null
 */
public record ViewerStats(long id, String state, long bytesOut, long messagesOut, long queuedBytes,
                          int queuedMessages, long lagMillis, long skips, long droppedBytes, String closeReason,
                          List<String> plays) {

    String toJson() {
        return "{\"id\":" + id + ",\"state\":" + Json.quote(state) + ",\"bytesOut\":" + bytesOut
                + ",\"messagesOut\":" + messagesOut + ",\"queuedBytes\":" + queuedBytes
                + ",\"queuedMessages\":" + queuedMessages + ",\"lagMillis\":" + lagMillis
                + ",\"skips\":" + skips + ",\"droppedBytes\":" + droppedBytes
                + (plays == null ? "" : ",\"plays\":" + ViewerPlays.toJson(plays)) + "}";
    }
}
