package io.wsvideo.relay;

import java.util.ArrayList;
import java.util.List;

/**
 * What a channel decided under its lock and does after releasing it: start drain loops, close viewers
 * and publishers. Keeps calls into the transport (sends, closes) out of every lock.
 */
final class Actions {

    private final List<ViewerQueue> kicks = new ArrayList<>();
    private List<Object[]> closes;

    void kick(ViewerQueue v) {
        kicks.add(v);
    }

    void kickIf(boolean kick, ViewerQueue v) {
        if (kick) {
            kicks.add(v);
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
        for (ViewerQueue v : kicks) {
            v.drain();
        }
    }
}
