package io.wsvideo.relay;

/**
 * Monotonic counts of a channel (since it was created) or of a whole hub (since it started, channels that
 * are gone included), as kept by the hub where each event happens: reading them costs nothing per viewer
 * ({@link RelayHub#counters()}, {@link RelayHub#channelCounters()}). For rates, take differences.
 *
 * @param bytesIn          media bytes received from publishers
 * @param chunksIn         media messages received from publishers
 * @param bytesOut         bytes whose send to a viewer completed while the viewer was open
 * @param publishersOpened publishers accepted (each starts a stream, except one that continues the stream of
 *                         the publisher it resumed)
 * @param skips            times a viewer skipped ahead to a keyframe
 * @param droppedBytes     media bytes never sent to a viewer because it skipped
 * @param evictions        viewers closed for being too slow (1008)
 * @param viewersJoined    viewers that joined
 * @param viewersLeft      viewers that left, for whatever reason (evictions included)
 * @param publishersRefused publishers refused with {@code channel busy}
 */
public record RelayCounters(long bytesIn, long chunksIn, long bytesOut, long publishersOpened, long skips,
                            long droppedBytes, long evictions, long viewersJoined, long viewersLeft,
                            long publishersRefused) {

    /** All zero. */
    public static final RelayCounters ZERO = new RelayCounters(0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    /** The sum of both, field by field. */
    public RelayCounters plus(RelayCounters o) {
        return new RelayCounters(bytesIn + o.bytesIn, chunksIn + o.chunksIn, bytesOut + o.bytesOut,
                publishersOpened + o.publishersOpened, skips + o.skips, droppedBytes + o.droppedBytes,
                evictions + o.evictions, viewersJoined + o.viewersJoined, viewersLeft + o.viewersLeft,
                publishersRefused + o.publishersRefused);
    }
}
