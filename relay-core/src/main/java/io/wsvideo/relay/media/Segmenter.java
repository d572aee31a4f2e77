package io.wsvideo.relay.media;

import io.wsvideo.relay.media.internal.ContainerParser;
import io.wsvideo.relay.media.internal.Malformed;
import io.wsvideo.relay.media.internal.Mp4Segmenter;
import io.wsvideo.relay.media.internal.WebmSegmenter;
import java.nio.ByteBuffer;
import java.util.Locale;
import java.util.Objects;

/**
 * Finds the init segment, media segments and random access points in one publisher's byte stream, which
 * arrives in chunks cut anywhere (MediaRecorder's Blobs never fall on element boundaries).
 *
 * <p>The container is sniffed from the first bytes, not trusted from the MIME type: EBML magic
 * {@code 1A 45 DF A3} means WebM/Matroska, {@code ftyp} at bytes 4..8 means fragmented MP4. A stream that is
 * neither, with no WebM/MP4 MIME type to contradict, is passed through: one {@link
 * SegmentListener#onInitSegment} at offset 0 with {@link StreamInfo#passthrough(String)}, then nothing.
 *
 * <p>Not thread-safe: one publisher's bytes are fed by one thread at a time. Listener callbacks run on that
 * thread, inside {@link #feed}. Once {@code feed} throws, the segmenter is dead and every later call throws
 * the same exception. An exception thrown by the listener propagates out of {@code feed} and leaves the
 * segmenter unusable ({@link IllegalStateException} thereafter): it no longer knows where it is in the stream.
 */
public final class Segmenter {

    private static final int SNIFF_BYTES = 8;
    private static final byte[] EBML_MAGIC = {0x1A, 0x45, (byte) 0xDF, (byte) 0xA3};
    private static final byte[] FTYP = {'f', 't', 'y', 'p'};

    private enum State {
        SNIFFING, PARSING, PASSTHROUGH, FAILED, LISTENER_FAILED
    }

    private final String mimeHint;
    private final StreamInfo.Container claimed;
    private final SegmenterLimits limits;
    private final SegmentListener listener;

    private State state = State.SNIFFING;
    private final byte[] sniffed = new byte[SNIFF_BYTES];
    private int sniffedLength;
    private ContainerParser parser;
    private StreamInfo passthroughInfo;
    private MalformedStreamException failure;
    private long bytesFed;

    private Segmenter(String mimeHint, SegmenterLimits limits, SegmentListener listener) {
        this.mimeHint = mimeHint;
        this.claimed = claimedContainer(mimeHint);
        this.limits = Objects.requireNonNull(limits, "limits");
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    /**
     * @param mimeHint the publisher's declared type (MediaRecorder's {@code mimeType}), or null; if it names
     *     WebM/Matroska or MP4, a stream that turns out to be something else is refused with close code 1003
     */
    public static Segmenter create(String mimeHint, SegmenterLimits limits, SegmentListener listener) {
        return new Segmenter(mimeHint, limits, listener);
    }

    /**
     * Parses {@code chunk} from its position to its limit. Does not move the position or limit and keeps no
     * reference to the buffer after returning, so the caller may reuse or share it.
     *
     * @throws MalformedStreamException if the stream breaks its container's rules or a limit, or is not what
     *     its MIME type says; the segmenter is dead afterwards
     */
    public void feed(ByteBuffer chunk) throws MalformedStreamException {
        if (state == State.FAILED) {
            throw failure;
        }
        if (state == State.LISTENER_FAILED) {
            throw new IllegalStateException("a listener threw earlier; the segmenter's position is lost");
        }
        int from = chunk.position();
        int to = chunk.limit();
        bytesFed += to - from;
        try {
            switch (state) {
                case SNIFFING -> sniff(chunk, from, to);
                case PARSING -> parser.feed(chunk, from, to);
                case PASSTHROUGH -> {
                }
                default -> throw new IllegalStateException(state.name());
            }
        } catch (MalformedStreamException e) {
            state = State.FAILED;
            failure = e;
            throw e;
        } catch (RuntimeException | Error e) {
            state = State.LISTENER_FAILED;
            throw e;
        }
    }

    /** Total bytes passed to {@link #feed}, including those of a failed call. */
    public long bytesFed() {
        return bytesFed;
    }

    /**
     * No frame reported from now on starts before this stream offset: a caller that builds frames from the
     * chunks it was fed needs to keep only the bytes from here on (a frame's start may lie in an earlier
     * chunk than its end). The bytes fed so far, for a stream that has no frames (pass-through, not sniffed).
     */
    public long framesFrom() {
        return parser != null ? parser.framesFrom() : bytesFed;
    }

    /** What the init segment says; null until it is complete. */
    public StreamInfo info() {
        return parser != null ? parser.info() : passthroughInfo;
    }

    private void sniff(ByteBuffer chunk, int from, int to) throws MalformedStreamException {
        int n = Math.min(SNIFF_BYTES - sniffedLength, to - from);
        chunk.get(from, sniffed, sniffedLength, n);
        sniffedLength += n;

        StreamInfo.Container found;
        if (sniffedLength >= EBML_MAGIC.length && startsWith(sniffed, 0, EBML_MAGIC)) {
            found = StreamInfo.Container.WEBM;
        } else if (sniffedLength == SNIFF_BYTES) {
            found = startsWith(sniffed, 4, FTYP) ? StreamInfo.Container.MP4 : StreamInfo.Container.UNKNOWN;
        } else {
            return; // MediaRecorder's first Blob can be the single byte 0x1A
        }

        if (claimed != StreamInfo.Container.UNKNOWN && found != claimed) {
            throw Malformed.unsupported("stream is not %s as its MIME type says%s",
                    claimed == StreamInfo.Container.WEBM ? "WebM/Matroska" : "MP4",
                    found == StreamInfo.Container.UNKNOWN ? "" : found == StreamInfo.Container.WEBM
                            ? "; it is WebM/Matroska" : "; it is MP4");
        }
        switch (found) {
            case WEBM -> parser = new WebmSegmenter(limits, listener);
            case MP4 -> parser = new Mp4Segmenter(limits, listener);
            default -> {
                state = State.PASSTHROUGH;
                passthroughInfo = StreamInfo.passthrough(mimeHint);
                listener.onInitSegment(0, passthroughInfo);
                return;
            }
        }
        state = State.PARSING;
        parser.feed(ByteBuffer.wrap(sniffed), 0, sniffedLength);
        parser.feed(chunk, from + n, to);
    }

    private static boolean startsWith(byte[] b, int at, byte[] prefix) {
        for (int k = 0; k < prefix.length; k++) {
            if (b[at + k] != prefix[k]) {
                return false;
            }
        }
        return true;
    }

    /** The container a MIME type names; {@code codecs} parameters are ignored ({@code mp4a} is not MP4). */
    static StreamInfo.Container claimedContainer(String mimeHint) {
        if (mimeHint == null) {
            return StreamInfo.Container.UNKNOWN;
        }
        String type = mimeHint.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        String subtype = type.substring(type.indexOf('/') + 1);
        if (subtype.contains("webm") || subtype.contains("matroska")) {
            return StreamInfo.Container.WEBM;
        }
        if (subtype.contains("mp4")) {
            return StreamInfo.Container.MP4;
        }
        return StreamInfo.Container.UNKNOWN;
    }
}
