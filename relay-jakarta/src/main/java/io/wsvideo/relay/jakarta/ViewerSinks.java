package io.wsvideo.relay.jakarta;

import io.wsvideo.relay.ViewerSink;
import jakarta.websocket.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Picks how the hub reaches a viewer's session: {@link TyrusFrameSink} (each media message framed once for all
 * viewers) on Tyrus when it can, else the portable {@link SessionSink}. The system property
 * {@code wsvideo.rawFrames=false} turns the fast path off.
 */
final class ViewerSinks {

    private static final Logger LOG = LoggerFactory.getLogger(ViewerSinks.class);
    private static final boolean ENABLED = !"false".equals(System.getProperty("wsvideo.rawFrames"));
    private static volatile boolean told;

    private ViewerSinks() {
    }

    static ViewerSink forSession(Session session) {
        // Touch TyrusFrameSink (and through it Tyrus's classes) only on a Tyrus session: elsewhere they may
        // not be on the classpath at all.
        if (ENABLED && session.getClass().getName().startsWith("org.glassfish.tyrus.")) {
            try {
                ViewerSink fast = TyrusFrameSink.tryCreate(session);
                if (fast != null) {
                    tell("viewers get raw frames (each media message framed once for all viewers)");
                    return fast;
                }
                tell("viewers use the standard Tyrus send path (raw frames not possible for this session)");
            } catch (LinkageError e) {
                tell("viewers use the standard send path: " + e);
            }
        }
        return new SessionSink(session);
    }

    private static void tell(String what) {
        if (!told) {
            told = true;
            LOG.info(what);
        }
    }
}
