package io.wsvideo.relay;

/**
 * Where one viewer is in its {@link View} of the channel's current stream, and its place in that view's
 * viewer list. The view moves it; the viewer's {@link ViewerQueue} only carries what the view queued.
 * Every field is guarded by the channel's lock.
 */
final class ViewerCursor {

    enum State {
        /** No stream yet (or the last one ended): only control messages flow. */
        WAITING_FOR_STREAM,
        /** Has the stream's start; media resumes at the view's next start point (after joining or skipping). */
        WAITING_FOR_KEYFRAME,
        /** Receives every media message of its view from {@link #deliveredTo} on. */
        LIVE
    }

    final ViewerQueue queue;
    /** What this viewer watches; fixed for its life. */
    final View view;
    /** Index in the view's viewer list, or -1 once removed. */
    int slot = -1;
    State state = State.WAITING_FOR_STREAM;
    /** Stream offset up to which media was queued (for the bytes view: bytes; a view may use its own unit). */
    long deliveredTo;
    /** The viewer skipped: it gets a {@code skip} message before its media resumes. */
    boolean skipPending;
    /**
     * The viewer asked for {@code key} messages ({@code ?keys=1}, byte view only): fixed for its life, so a
     * viewer that did not ask costs the key path one test of this flag per chunk that completed a key frame.
     */
    final boolean keys;
    /** Stream offset of the first key frame it has not been told of yet (see {@link ByteView}). */
    long keysFrom;

    ViewerCursor(ViewerQueue queue, View view, boolean keys) {
        this.queue = queue;
        this.view = view;
        this.keys = keys;
    }

    /** Back to waiting for a stream: the last one ended. */
    void streamEnded() {
        state = State.WAITING_FOR_STREAM;
        skipPending = false;
    }
}
