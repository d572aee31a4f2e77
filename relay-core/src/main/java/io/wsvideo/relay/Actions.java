package io.wsvideo.relay;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What a channel decided under its lock and does after releasing it: start drain loops, close viewers
 * and publishers. Keeps calls into the transport (sends, closes) out of every lock. Used by one thread.
 */
final class Actions {

    /** A close to do: of a viewer (its queue) or of a publisher's connection. */
    private record Close(ViewerQueue viewer, Peer peer, int code, String reason) {
    }

    /** Lends the kick array (see {@link Channel#borrowKicks()}); null for hub-wide work. */
    private final Channel lender;
    private ViewerQueue[] kicks;
    private int kickCount;
    private List<Close> closes;

    /** @param lender the channel whose spare kick array this may borrow, or null */
    Actions(Channel lender) {
        this.lender = lender;
    }

    void kick(ViewerQueue v) {
        if (kicks == null) {
            kicks = lender == null ? null : lender.borrowKicks();
            if (kicks == null) {
                kicks = new ViewerQueue[16];
            }
        } else if (kickCount == kicks.length) {
            kicks = Arrays.copyOf(kicks, kicks.length * 2);
        }
        kicks[kickCount++] = v;
    }

    void kickIf(boolean kick, ViewerQueue v) {
        if (kick) {
            kick(v);
        }
    }

    /** Closes a viewer that is too slow (1008, counted as an eviction). */
    void evict(ViewerQueue v, String reason) {
        closeViewer(v, CloseCodes.POLICY_VIOLATION, reason);
    }

    void closeViewer(ViewerQueue v, int code, String reason) {
        closes().add(new Close(v, null, code, reason));
    }

    void close(Peer p, int code, String reason) {
        closes().add(new Close(null, p, code, reason));
    }

    private List<Close> closes() {
        if (closes == null) {
            closes = new ArrayList<>(2);
        }
        return closes;
    }

    void run(RelayHub hub) {
        if (closes != null) {
            for (Close c : closes) {
                if (c.viewer != null) {
                    c.viewer.channel.closeViewer(c.viewer, c.code, c.reason, true);
                } else {
                    hub.closePeer(c.peer, c.code, c.reason);
                }
            }
        }
        if (kicks == null) {
            return;
        }
        ViewerQueue[] k = kicks;
        int n = kickCount;
        kicks = null;
        kickCount = 0;
        try {
            for (int i = 0; i < n; i++) {
                k[i].drain();
            }
        } finally {
            Arrays.fill(k, 0, n, null);
            if (lender != null) {
                lender.returnKicks(k);
            }
        }
    }
}
