package io.wsvideo.relay.media;

/**
 * Receives what a {@link Segmenter} learns about the byte stream it is fed. All offsets are absolute
 * positions in the publisher's byte stream (the first byte ever fed is offset 0), so the caller can slice
 * the chunks it still holds. Events are delivered synchronously from inside {@link Segmenter#feed}, in
 * stream order.
 */
public interface SegmentListener {

    /**
     * Bytes {@code [0, endOffset)} are the init segment (WebM: everything before the first Cluster;
     * MP4: everything before the first {@code moof}). Called once per stream, before any other event.
     */
    void onInitSegment(long endOffset, StreamInfo info);

    /**
     * A media segment (WebM Cluster, MP4 {@code moof}) starts at {@code offset}. Whether it can be decoded
     * on its own is not known yet: see {@link #onRandomAccessPoint}.
     *
     * <p>{@code timestampMillis} is the WebM Cluster Timestamp, or the MP4 {@code tfdt} of the primary track
     * (else of the first track that has one), in milliseconds; -1 for an MP4 fragment without {@code tfdt}.
     * A WebM Cluster is reported once its Timestamp has been read.
     */
    default void onSegmentStart(long offset, long timestampMillis) {
    }

    /**
     * The media segment that starts at {@code segmentOffset} opens with a keyframe of the stream's primary
     * track (video if there is one, else audio): a viewer given the init segment and then the bytes from
     * {@code segmentOffset} on can decode from there. Called at most once per segment, as soon as the
     * parser has seen enough of it (for WebM, the first block of the primary track; for MP4, the whole
     * {@code moof}).
     *
     * <p>For MP4 with one {@code moof} per track (WebKit's recorder), the keyframe's moof may follow moofs of
     * the other tracks covering the same time; {@code segmentOffset} is then the first of those, an earlier
     * segment start than the one just reported.
     */
    void onRandomAccessPoint(long segmentOffset);

    /**
     * One media block (WebM SimpleBlock/Block, MP4 sample run's first sample) was found. For tests and
     * diagnostics; the relay does not need it.
     *
     * <p>{@code offset} is where the WebM SimpleBlock or BlockGroup element starts (a BlockGroup is reported
     * when it ends, because only then is it known to have no ReferenceBlock), or where the MP4 run's first
     * sample starts inside its {@code mdat}. {@code timestampMillis} is -1 when an MP4 fragment has no
     * {@code tfdt}.
     */
    default void onBlock(long offset, int trackNumber, long timestampMillis, boolean keyframe) {
    }

    /**
     * One frame is complete: its track, key flag, presentation timestamp and where its payload lies. Reported
     * once the frame's last byte has been fed (so the caller holds all of it), in container order: WebM frames
     * when their SimpleBlock or BlockGroup ends; MP4 samples, described by a {@code moof} before their
     * {@code mdat} arrives, in {@code traf} and sample order as soon as they and those before them are
     * complete. Each track's frames come in decode order. Every frame lies after the init segment.
     */
    default void onFrame(MediaFrame frame) {
    }
}
