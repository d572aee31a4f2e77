package io.wsvideo.relay.record;

import io.wsvideo.relay.media.StreamInfo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;

/**
 * Where a {@link Recorder} sends the channels it records: the hook for keeping streams somewhere other than
 * the relay's own files (object storage, another service). {@link RecordingFiles}, the seekable WebM/MP4
 * writer, is one implementation.
 *
 * <p>What the recorder guarantees an implementation: it sees every byte of each recorded stream, in order and
 * without gaps (a recording is never skipped ahead the way a slow viewer is); it is called off the publish path,
 * on a writer thread of the recorder, never concurrently for one stream; it gets the segmenter's knowledge of the
 * stream (init segment, segment starts with timestamps, random access points) after the bytes it refers to. A
 * sink may block (a slow disk, an upload): the recorder's bounded queue absorbs it, and when the queue overflows
 * or the sink throws, that recording stops (logged, counted, shown in {@link Recorder#stats()}) while the live
 * channel goes on untouched.
 */
public interface RecordingSink {

    /**
     * A stream starts being recorded: a publisher's whole stream, or from its last keyframe when recording
     * began while it was live. Called on the recording's writer thread.
     *
     * @return where this stream's bytes and events go
     * @throws IOException to refuse this stream (it is then counted as a failed recording)
     */
    Stream open(Start start) throws IOException;

    /**
     * Describes a recorded stream.
     *
     * @param channel   the channel's name
     * @param startedAt when recording this stream began
     * @param mimeHint  the MIME type the publisher claimed, or null
     */
    record Start(String channel, Instant startedAt, String mimeHint) {
    }

    /**
     * One recorded stream. Offsets count the recorded stream's own bytes, the first byte passed to
     * {@link #data} being offset 0; they start with a whole init segment. Every event refers to bytes already
     * passed to {@link #data}. Called on one thread at a time; exceptions end the recording.
     */
    interface Stream {

        /**
         * The next bytes of the stream.
         *
         * @param offset where they start; each call continues the previous one exactly
         * @param bytes  read-only; valid only during the call (copy what you keep)
         */
        void data(long offset, ByteBuffer bytes) throws IOException;

        /** Bytes {@code [0, endOffset)} are the init segment; {@code info} says what it declares. Once per stream. */
        void initSegment(long endOffset, StreamInfo info) throws IOException;

        /**
         * A media segment (WebM Cluster, MP4 {@code moof}) starts at {@code offset}; {@code timestampMillis} as in
         * {@link io.wsvideo.relay.media.SegmentListener#onSegmentStart}. An MP4 stream with one {@code moof} per
         * track (WebKit) has one segment per {@code moof} of the primary track, starting with the other tracks'
         * {@code moof}s before it, so that a random access point is always a segment's own start.
         */
        void segmentStart(long offset, long timestampMillis) throws IOException;

        /** The segment starting at {@code segmentOffset} opens with a keyframe of the primary track. */
        void randomAccessPoint(long segmentOffset) throws IOException;

        /**
         * The stream ended: the publisher left, the recorder closed ({@code reason} says so, {@code failure} is
         * null), or the recording failed ({@code failure} says why: the queue overflowed, the sink threw, the
         * stream was malformed). Finish what was written; called once, last.
         */
        void end(String reason, Exception failure) throws IOException;
    }
}
