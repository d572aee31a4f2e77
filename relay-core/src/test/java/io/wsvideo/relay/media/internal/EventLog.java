package io.wsvideo.relay.media.internal;

import io.wsvideo.relay.media.MalformedStreamException;
import io.wsvideo.relay.media.MediaFrame;
import io.wsvideo.relay.media.SegmentListener;
import io.wsvideo.relay.media.StreamInfo;
import io.wsvideo.relay.media.TrackInfo;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * A recording fake listener. Events are kept as numbers so that feeding a recording hundreds of thousands of
 * times stays cheap; {@link #lines()} renders them in the golden-file format.
 */
final class EventLog implements SegmentListener {

    private static final int INIT = 1;
    private static final int SEGMENT = 2;
    private static final int RAP = 3;
    private static final int BLOCK = 4;
    private static final int FRAME = 5;
    private static final int FIELDS = 6;

    private long[] events = new long[FIELDS * 64];
    private int count;
    StreamInfo info;
    int initCalls;
    MalformedStreamException failure;

    @Override
    public void onInitSegment(long endOffset, StreamInfo info) {
        this.info = info;
        initCalls++;
        add(INIT, endOffset, 0, 0, 0);
    }

    @Override
    public void onSegmentStart(long offset, long timestampMillis) {
        add(SEGMENT, offset, timestampMillis, 0, 0);
    }

    @Override
    public void onRandomAccessPoint(long segmentOffset) {
        add(RAP, segmentOffset, 0, 0, 0);
    }

    @Override
    public void onBlock(long offset, int trackNumber, long timestampMillis, boolean keyframe) {
        add(BLOCK, offset, trackNumber, timestampMillis, keyframe ? 1 : 0);
    }

    @Override
    public void onFrame(MediaFrame f) {
        add(FRAME, f.offset(), f.length(), f.trackNumber(), f.timestampMicros(), f.keyFrame() ? 1 : 0);
    }

    private void add(long kind, long a, long b, long c, long d) {
        add(kind, a, b, c, d, 0);
    }

    private void add(long kind, long a, long b, long c, long d, long e) {
        if (count * FIELDS == events.length) {
            events = Arrays.copyOf(events, events.length * 2);
        }
        int at = count++ * FIELDS;
        events[at] = kind;
        events[at + 1] = a;
        events[at + 2] = b;
        events[at + 3] = c;
        events[at + 4] = d;
        events[at + 5] = e;
    }

    /** Everything observable, for exact comparison between two feedings of the same stream. */
    boolean sameAs(EventLog other) {
        return count == other.count
                && Arrays.equals(events, 0, count * FIELDS, other.events, 0, count * FIELDS)
                && String.valueOf(info).equals(String.valueOf(other.info))
                && String.valueOf(failureLine()).equals(String.valueOf(other.failureLine()));
    }

    private String failureLine() {
        return failure == null ? null : "error " + failure.closeCode() + " " + failure.getMessage();
    }

    List<String> lines() {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int at = i * FIELDS;
            long a = events[at + 1];
            long b = events[at + 2];
            switch ((int) events[at]) {
                case INIT -> {
                    out.add("init " + a + " " + (info.msePlayable() ? info.mseMimeType()
                            : "not-playable: " + info.notPlayableReason()));
                    for (TrackInfo t : info.tracks()) {
                        out.add("track " + t.number() + " " + t.kind() + " " + t.codecId() + " " + t.mseCodec()
                                + (t.kind() == TrackInfo.Kind.VIDEO ? " " + t.width() + "x" + t.height() : "")
                                + (t.kind() == TrackInfo.Kind.AUDIO ? " " + t.sampleRate() + "Hz "
                                        + t.numberOfChannels() + "ch" : "")
                                + " webcodecs=" + t.codec()
                                + (t.description() != null
                                        ? " description=" + HexFormat.of().formatHex(t.description()) : ""));
                    }
                }
                case SEGMENT -> out.add("segment " + a + " t=" + b);
                case RAP -> out.add("rap " + a);
                case BLOCK -> out.add("block " + a + " track=" + b + " t=" + events[at + 3]
                        + (events[at + 4] != 0 ? " key" : ""));
                case FRAME -> out.add("frame " + a + "+" + b + " track=" + events[at + 3] + " us=" + events[at + 4]
                        + (events[at + 5] != 0 ? " key" : ""));
                default -> throw new IllegalStateException();
            }
        }
        if (failure != null) {
            out.add(failureLine());
        }
        return out;
    }

    /** The events but those of {@code kind}: for tests about the others. */
    List<String> linesWithout(String kind) {
        return lines().stream().filter(l -> !l.startsWith(kind + " ")).toList();
    }

    List<String> linesStartingWith(String kind) {
        return lines().stream().filter(l -> l.startsWith(kind + " ")).toList();
    }

    @Override
    public String toString() {
        return String.join("\n", lines());
    }
}
