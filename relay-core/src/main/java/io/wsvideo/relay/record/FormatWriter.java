package io.wsvideo.relay.record;

import java.io.IOException;

/**
 * Writes one recording file of one container format: headers when created, each media segment as it is
 * complete, and the index and duration when finished, so the file can be seeked the moment it is closed and
 * plays up to its last whole segment if it never is.
 */
interface FormatWriter {

    /**
     * Appends the media segment {@code b[from, to)} (a WebM Cluster or an MP4 {@code moof}+{@code mdat}, as
     * received: it may end with part of the next element, which is dropped).
     *
     * @param randomAccess whether it opens with a keyframe of the primary track
     */
    void segment(byte[] b, int from, int to, boolean randomAccess) throws IOException;

    /** File bytes written so far. */
    long bytes();

    /** Media time the file covers so far. */
    long mediaMillis();

    /** Whether the file's index is full, so the next keyframe must start a new file. */
    default boolean indexFull() {
        return false;
    }

    /**
     * Writes the index and duration and closes the file; a file without any segment is deleted instead.
     *
     * @return whether a file remains
     */
    boolean finish() throws IOException;

    /** After a failed write: cuts the file back to its last whole segment, completes it if it can, closes it. */
    default void abandon() {
        try {
            target().cutToComplete();
            finish();
        } catch (IOException | RuntimeException e) {
            target().closeQuietly(); // a disk that refuses even this leaves a file that plays to its last segment
        }
    }

    FileTarget target();
}
