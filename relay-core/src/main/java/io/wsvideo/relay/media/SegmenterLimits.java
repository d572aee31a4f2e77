package io.wsvideo.relay.media;

/**
 * Bounds on what a {@link Segmenter} accepts from a publisher, so a hostile or broken stream costs a bounded
 * amount of memory and is refused early. A violation ends the stream with {@link MalformedStreamException}
 * (close code 1007).
 *
 * @param maxElementBytes largest declared size of any element or box, even one that is only streamed over and
 *     never held (a WebM Segment, which is the whole stream, and an MP4 {@code mdat} that runs to the end of
 *     the stream are exempt)
 * @param maxInitSegmentBytes largest init segment, and largest element or box the segmenter holds whole (an MP4
 *     {@code moov} or {@code moof}, a WebM CodecPrivate)
 * @param maxNestingDepth deepest nesting of elements or boxes, counting top-level ones as depth 1
 *
 * <p>Whatever the limits, an init segment may declare at most {@link #MAX_TRACKS} tracks.
 */
public record SegmenterLimits(int maxElementBytes, int maxInitSegmentBytes, int maxNestingDepth) {

    /**
     * Most tracks an init segment may declare (MediaRecorder writes one or two). Without a cap, a 1 MiB init
     * segment of 5-byte TrackEntries declares 100,000 tracks: quadratic work to check them, a {@code stream}
     * message of megabytes for every viewer, and a linear search per block.
     */
    public static final int MAX_TRACKS = 32;

    /** 64 MiB per element or box, 1 MiB init segment and buffered box, 16 levels of nesting. */
    public static SegmenterLimits defaults() {
        return new SegmenterLimits(64 << 20, 1 << 20, 16);
    }

    public SegmenterLimits {
        if (maxElementBytes <= 0) {
            throw new IllegalArgumentException("maxElementBytes must be positive: " + maxElementBytes);
        }
        if (maxInitSegmentBytes <= 0) {
            throw new IllegalArgumentException("maxInitSegmentBytes must be positive: " + maxInitSegmentBytes);
        }
        if (maxNestingDepth <= 0) {
            throw new IllegalArgumentException("maxNestingDepth must be positive: " + maxNestingDepth);
        }
    }
}
