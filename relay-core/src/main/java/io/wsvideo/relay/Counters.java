package io.wsvideo.relay;

import java.util.concurrent.atomic.LongAdder;

/**
 * One channel's monotonic counts, updated where each event happens and read by any thread without a lock
 * (see {@link RelayHub#counters()}). Each event is counted once, here.
 */
final class Counters {

    // Written only under the channel's lock (so one writer at a time and `+=` is safe), read without it.
    volatile long bytesIn;
    volatile long chunksIn;
    volatile long publishersOpened;
    volatile long skips;
    volatile long droppedBytes;
    volatile long evictions;
    volatile long viewersJoined;
    volatile long viewersLeft;
    volatile long publishersRefused;

    /** Bytes whose send to a viewer completed: written by send completions, on any thread. */
    final LongAdder bytesOut = new LongAdder();

    RelayCounters read() {
        return new RelayCounters(bytesIn, chunksIn, bytesOut.sum(), publishersOpened, skips, droppedBytes, evictions,
                viewersJoined, viewersLeft, publishersRefused);
    }
}
