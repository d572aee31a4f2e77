package io.wsvideo.relay.record;

import io.wsvideo.relay.media.SegmentListener;
import io.wsvideo.relay.media.StreamInfo;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Hands a segmenter's events to a {@link RecordingSink.Stream}, which sees them after the bytes they refer to
 * (the caller passes each chunk to the stream before feeding it to the segmenter). An {@link IOException} of
 * the stream leaves the segmenter as an {@link UncheckedIOException}.
 */
final class SinkEvents implements SegmentListener {

    private final RecordingSink.Stream stream;

    SinkEvents(RecordingSink.Stream stream) {
        this.stream = stream;
    }

    @Override
    public void onInitSegment(long endOffset, StreamInfo info) {
        call(() -> stream.initSegment(endOffset, info));
    }

    @Override
    public void onSegmentStart(long offset, long timestampMillis) {
        call(() -> stream.segmentStart(offset, timestampMillis));
    }

    @Override
    public void onRandomAccessPoint(long segmentOffset) {
        call(() -> stream.randomAccessPoint(segmentOffset));
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
