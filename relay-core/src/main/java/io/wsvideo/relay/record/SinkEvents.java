package io.wsvideo.relay.record;

import io.wsvideo.relay.media.SegmentListener;
import io.wsvideo.relay.media.StreamInfo;
import io.wsvideo.relay.media.TrackInfo;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Hands a segmenter's events to a {@link RecordingSink.Stream}, which sees them after the bytes they refer to
 * (the caller passes each chunk to the stream before feeding it to the segmenter). An {@link IOException} of
 * the stream leaves the segmenter as an {@link UncheckedIOException}.
 *
 * <p>An MP4 stream with one {@code moof} per track (WebKit: audio, then video, for the same second) is passed on
 * as one segment per primary-track {@code moof}, starting with the other tracks' {@code moof}s before it: the
 * segmenter reports such a key frame's random access point at the first of those, after it reported the video
 * {@code moof}'s own start, and the sink must be able to start a file there. Which {@code moof}s carry the
 * primary track (the segmenter's: the first video track, else the first audio track) is learned from
 * {@link #onBlock}, which the segmenter reports for each run right after the {@code moof}'s start.
 */
final class SinkEvents implements SegmentListener {

    private final RecordingSink.Stream stream;
    /** MP4: the primary track's number; -1 for other containers, whose segment starts all pass. */
    private int primaryTrack = -1;
    /** A segment start was passed on. */
    private boolean started;
    /** MP4: whether the {@code moof} last reported carries the primary track. */
    private boolean moofHasPrimary;

    SinkEvents(RecordingSink.Stream stream) {
        this.stream = stream;
    }

    @Override
    public void onInitSegment(long endOffset, StreamInfo info) {
        if (info.container() == StreamInfo.Container.MP4) {
            primaryTrack = primary(info);
        }
        call(() -> stream.initSegment(endOffset, info));
    }

    @Override
    public void onSegmentStart(long offset, long timestampMillis) {
        boolean continuesGroup = primaryTrack >= 0 && started && !moofHasPrimary;
        moofHasPrimary = false;
        if (continuesGroup) {
            return; // the moof before it had none of the primary track: one segment with it
        }
        started = true;
        call(() -> stream.segmentStart(offset, timestampMillis));
    }

    @Override
    public void onBlock(long offset, int trackNumber, long timestampMillis, boolean keyframe) {
        if (trackNumber == primaryTrack) {
            moofHasPrimary = true;
        }
    }

    @Override
    public void onRandomAccessPoint(long segmentOffset) {
        call(() -> stream.randomAccessPoint(segmentOffset));
    }

    /** The segmenter's choice: the first video track, else the first audio track, else none (-1). */
    private static int primary(StreamInfo info) {
        for (TrackInfo.Kind kind : new TrackInfo.Kind[] {TrackInfo.Kind.VIDEO, TrackInfo.Kind.AUDIO}) {
            for (TrackInfo t : info.tracks()) {
                if (t.kind() == kind) {
                    return t.number();
                }
            }
        }
        return -1;
    }

    @FunctionalInterface
    private interface IoAction {
        void run() throws IOException;
    }

    private static void call(IoAction a) {
        try {
            a.run();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
