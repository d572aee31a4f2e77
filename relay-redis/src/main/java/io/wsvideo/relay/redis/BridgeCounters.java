package io.wsvideo.relay.redis;

import java.util.concurrent.atomic.AtomicLong;

/** The bridge's counters for {@link RedisBridge#stats()}; any thread adds, any thread reads. */
final class BridgeCounters {
    final AtomicLong framesOut = new AtomicLong();
    final AtomicLong bytesOut = new AtomicLong();
    final AtomicLong framesIn = new AtomicLong();
    final AtomicLong bytesIn = new AtomicLong();
    final AtomicLong dataOut = new AtomicLong();
    final AtomicLong dataIn = new AtomicLong();
    final AtomicLong startsOut = new AtomicLong();
    final AtomicLong startsIn = new AtomicLong();
    final AtomicLong requestsOut = new AtomicLong();
    final AtomicLong requestsIn = new AtomicLong();
    final AtomicLong gaps = new AtomicLong();
    final AtomicLong dropped = new AtomicLong();
    final AtomicLong refused = new AtomicLong();
    final AtomicLong connects = new AtomicLong();
    final AtomicLong losses = new AtomicLong();

    RedisBridgeStats snapshot(boolean up, long pendingOut, long pendingIn) {
        return new RedisBridgeStats(up, framesOut.get(), bytesOut.get(), framesIn.get(), bytesIn.get(),
                dataOut.get(), dataIn.get(), startsOut.get(), startsIn.get(), requestsOut.get(),
                requestsIn.get(), gaps.get(), dropped.get(), refused.get(), connects.get(), losses.get(),
                pendingOut, pendingIn);
    }
}
