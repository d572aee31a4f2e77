package io.wsvideo.relay;

import java.util.ArrayList;
import java.util.List;

/**
 * What a channel decided under its lock and does after releasing it: start drain loops, close viewers
 * and publishers. Keeps calls into the transport (sends, closes) out of every lock.
 */
final class Actions {

    /**
     * The kick array of this thread's last finished {@code Actions}, lent to its next one. A published chunk
     * kicks up to every viewer of the channel: a list grown one viewer at a time per chunk would allocate
     * ~15 bytes per viewer per chunk, the only per-viewer garbage of the fan-out besides the one
     * {@code duplicate()} per send. An {@code Actions} made while another is running on the same thread finds
     * the slot empty and uses its own array.
     */
    private static final ThreadLocal<ViewerQueue[]> SPARE_KICKS = new ThreadLocal<>();
    private static final int MAX_SPARE = 1 << 16;

    private ViewerQueue[] kicks;
    private int kickCount;
    private List<Object[]> closes;

    void kick(ViewerQueue v) {
        if (kicks == null) {
            kicks = SPARE_KICKS.get();
            if (kicks == null) {
                kicks = new ViewerQueue[16];
            } else {
                SPARE_KICKS.remove();
            }
        } else if (kickCount == kicks.length) {
            kicks = java.util.Arrays.copyOf(kicks, kicks.length * 2);
        }
        kicks[kickCount++] = v;
    }

    void kickIf(boolean kick, ViewerQueue v) {
        if (kick) {
            kick(v);
        }
    }

    void evict(ViewerQueue v, String reason) {
        closeViewer(v, CloseCodes.POLICY_VIOLATION, reason);
    }

    void closeViewer(ViewerQueue v, int code, String reason) {
        closes().add(new Object[] {v, code, reason});
    }

    void close(Peer p, int code, String reason) {
        closes().add(new Object[] {p, code, reason});
    }

    private List<Object[]> closes() {
        if (closes == null) {
            closes = new ArrayList<>(2);
        }
        return closes;
    }

    void run(RelayHub hub) {
        if (closes != null) {
            for (Object[] c : closes) {
                if (c[0] instanceof ViewerQueue v) {
                    hub.closeViewer(v, (Integer) c[1], (String) c[2], true);
                } else {
                    hub.closePeer((Peer) c[0], (Integer) c[1], (String) c[2]);
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
            java.util.Arrays.fill(k, 0, n, null);
            if (k.length <= MAX_SPARE) {
                SPARE_KICKS.set(k);
            }
        }
    }
}
