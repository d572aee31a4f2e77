package io.wsvideo.relay.redis;

/**
 * A snapshot of one node's bridge counters, since it started.
 *
 * @param connected     whether Redis is reachable now
 * @param framesOut     frames published (media, control, heartbeats, requests)
 * @param bytesOut      their bytes, headers included
 * @param framesIn      frames received from other nodes
 * @param bytesIn       their bytes
 * @param dataOut       media chunks forwarded from local publishers
 * @param dataIn        media chunks fed to relayed streams
 * @param startsOut     stream starts sent (a stream's first, and one per resynchronisation request)
 * @param startsIn      remote streams this node started relaying
 * @param requestsOut   requests for a stream's start this node sent
 * @param requestsIn    requests it answered
 * @param gaps          relayed streams ended because bytes went missing (then started again at a keyframe)
 * @param dropped       media frames dropped because more than {@code maxPendingBytes} were pending
 * @param refused       local publishers refused because another node owns their channel
 * @param connects      times Redis became reachable
 * @param losses        times it was lost
 * @param pendingOutBytes bytes published but not yet acknowledged by Redis
 * @param pendingInBytes  bytes received but not yet handled by the bridge thread
 */
public record RedisBridgeStats(boolean connected, long framesOut, long bytesOut, long framesIn, long bytesIn,
                               long dataOut, long dataIn, long startsOut, long startsIn, long requestsOut,
                               long requestsIn, long gaps, long dropped, long refused, long connects, long losses,
                               long pendingOutBytes, long pendingInBytes) {
}
