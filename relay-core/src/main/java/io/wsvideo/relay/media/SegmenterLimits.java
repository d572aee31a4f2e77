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
 */
public record SegmenterLimits(int maxElementBytes, int maxInitSegmentBytes, int maxNestingDepth) {

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
