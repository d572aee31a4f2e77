package io.wsvideo.relay;

/**
 * One channel's counts and the load of its viewer queues right now, as {@link RelayHub#channelCounters()}
 * reads them: no per-viewer object is made (the queue figures are summed while walking the viewers).
 *
 * @param live           whether a publisher is connected
 * @param viewers        viewers now connected
 * @param queuedBytes    media bytes waiting in the viewers' queues
 * @param queuedMessages messages (media and control) waiting in the viewers' queues
 * @param maxLagMillis   the longest any viewer's oldest queued or in-flight message has waited
 * @param counts         the channel's monotonic counts since it was created
 */
public record ChannelCounters(String name, boolean live, int viewers, long queuedBytes, long queuedMessages,
                              long maxLagMillis, RelayCounters counts) {
}
