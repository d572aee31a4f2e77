package io.wsvideo.relay;

import io.wsvideo.relay.media.MediaFrame;

/**
 * What the segmenter reported while one chunk was fed. The channel collects a chunk's events and handles
 * them once the whole chunk is known, so a view sees the chunk and everything it revealed together.
 * Offsets are positions in the publisher's byte stream.
 */
sealed interface SegmentEvent {

    /** Bytes {@code [0, end)} are the init segment; the stream's {@code StreamInfo} is known from here on. */
    record InitSegment(long end) implements SegmentEvent {
    }

    /** A media segment (WebM Cluster, MP4 {@code moof}) starts here; whether it is a keyframe is not known yet. */
    record SegmentStart(long offset) implements SegmentEvent {
    }

    /** The segment that starts here opens with a keyframe: a decoder can start at it. */
    record RandomAccessPoint(long segmentOffset) implements SegmentEvent {
    }

    /** A frame is complete: all its bytes are in this chunk or before ({@link FrameView} sends it). */
    record Frame(MediaFrame frame) implements SegmentEvent {
    }
}
