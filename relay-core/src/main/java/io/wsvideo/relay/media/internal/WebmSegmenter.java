package io.wsvideo.relay.media.internal;

import static io.wsvideo.relay.media.internal.Malformed.invalid;

import io.wsvideo.relay.media.MalformedStreamException;
import io.wsvideo.relay.media.SegmentListener;
import io.wsvideo.relay.media.SegmenterLimits;
import io.wsvideo.relay.media.StreamInfo;
import io.wsvideo.relay.media.TrackInfo;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Push parser for the WebM/Matroska that MediaRecorder writes (EBML, RFC 8794; Matroska, RFC 9559).
 *
 * <p>MediaRecorder leaves the Segment and every Cluster with unknown size and cuts its Blobs anywhere, so this
 * is a byte-at-a-time state machine over element headers. It descends only into the masters it needs and
 * streams over every other payload without holding it; only small leaf values (track numbers, CodecPrivate,
 * Cluster Timestamp) and the first bytes of each block are copied.
 */
public final class WebmSegmenter implements ContainerParser {

    // Element IDs, named as in the EBML and Matroska specifications.
    static final int EBML = 0x1A45DFA3;
    static final int SEGMENT = 0x18538067;
    static final int SEEK_HEAD = 0x114D9B74;
    static final int INFO = 0x1549A966;
    static final int TIMESTAMP_SCALE = 0x2AD7B1;
    static final int TRACKS = 0x1654AE6B;
    static final int TRACK_ENTRY = 0xAE;
    static final int TRACK_NUMBER = 0xD7;
    static final int TRACK_TYPE = 0x83;
    static final int CODEC_ID = 0x86;
    static final int CODEC_PRIVATE = 0x63A2;
    static final int VIDEO = 0xE0;
    static final int AUDIO = 0xE1;
    static final int PIXEL_WIDTH = 0xB0;
    static final int PIXEL_HEIGHT = 0xBA;
    static final int CLUSTER = 0x1F43B675;
    static final int TIMESTAMP = 0xE7;
    static final int SILENT_TRACKS = 0x5854;
    static final int POSITION = 0xA7;
    static final int PREV_SIZE = 0xAB;
    static final int SIMPLE_BLOCK = 0xA3;
    static final int BLOCK_GROUP = 0xA0;
    static final int ENCRYPTED_BLOCK = 0xAF;
    static final int BLOCK = 0xA1;
    static final int BLOCK_ADDITIONS = 0x75A1;
    static final int BLOCK_DURATION = 0x9B;
    static final int REFERENCE_PRIORITY = 0xFA;
    static final int REFERENCE_BLOCK = 0xFB;
    static final int CODEC_STATE = 0xA4;
    static final int DISCARD_PADDING = 0x75A2;
    static final int CUES = 0x1C53BB6B;
    static final int CHAPTERS = 0x1043A770;
    static final int TAGS = 0x1254C367;
    static final int ATTACHMENTS = 0x1941A469;
    static final int VOID = 0xEC;
    static final int CRC_32 = 0xBF;

    // TrackType values.
    static final int TRACK_TYPE_VIDEO = 1;
    static final int TRACK_TYPE_AUDIO = 2;

    /** SimpleBlock flags bit: the block is a keyframe. */
    static final int SIMPLE_BLOCK_KEYFRAME = 0x80;

    /** EBMLMaxIDLength and EBMLMaxSizeLength defaults; WebM never raises them. */
    static final int MAX_ID_LENGTH = 4;
    static final int MAX_SIZE_LENGTH = 8;

    /** TimestampScale default: timestamps count milliseconds. */
    static final long DEFAULT_TIMESTAMP_SCALE = 1_000_000L;

    // parentOf() answers for IDs that are valid anywhere or not known to this parser.
    private static final int PARENT_ROOT = 0;
    private static final int PARENT_ANY = -1;
    private static final int PARENT_UNKNOWN = -2;

    private enum State {
        ID, SIZE, LEAF, BLOCK_HEADER, SKIP
    }

    private enum Action {
        DESCEND, LEAF, BLOCK, REFERENCE, SKIP
    }

    private final SegmenterLimits limits;
    private final SegmentListener listener;

    private State state = State.ID;
    /** Absolute stream offset of the next byte to be consumed. */
    private long pos;

    // The element header being read.
    private long elementStart;
    private int id;
    private int idLength;
    private int idRead;
    private long size;
    private int sizeLength;
    private int sizeRead;

    /** Payload bytes still to consume in LEAF, BLOCK_HEADER and SKIP. */
    private long remaining;
    private byte[] leaf = new byte[16];
    private int leafLength;
    /** Block header: track number (EBML varint, up to 8 bytes), int16 timecode, flags. */
    private final byte[] blockHeader = new byte[MAX_SIZE_LENGTH + 3];
    private int blockHeaderLength;
    private int blockTrackLength;

    // Open master elements, innermost last. End is exclusive; an unknown-size element inherits its
    // parent's end so it cannot outlive it.
    private int depth;
    private int[] frameId = new int[8];
    private long[] frameEnd = new long[8];
    private boolean[] frameUnknownSize = new boolean[8];

    // Init segment.
    private long timestampScale = DEFAULT_TIMESTAMP_SCALE;
    private final List<TrackInfo> tracks = new ArrayList<>();
    private TrackBuilder track;
    private StreamInfo info;
    private int primaryTrack = -1;

    // The Cluster being read.
    private long clusterOffset;
    private long clusterTimestamp;
    private boolean clusterTimestampKnown;
    private boolean primaryBlockSeen;

    // The BlockGroup being read: its Block's keyframe flag is known only at the group's end.
    private long groupOffset;
    private boolean groupHasBlock;
    private boolean groupHasReference;
    private int groupTrack;
    private long groupMillis;

    public WebmSegmenter(SegmenterLimits limits, SegmentListener listener) {
        this.limits = limits;
        this.listener = listener;
    }

    @Override
    public StreamInfo info() {
        return info;
    }

    @Override
    public void feed(ByteBuffer buf, int from, int to) throws MalformedStreamException {
        int i = from;
        while (i < to) {
            switch (state) {
                case ID -> {
                    int b = buf.get(i++) & 0xFF;
                    if (idRead == 0) {
                        elementStart = pos;
                        idLength = varintLength(b);
                        if (idLength == 0 || idLength > MAX_ID_LENGTH) {
                            throw invalid("bad EBML element ID at offset %d", pos);
                        }
                        id = b;
                    } else {
                        id = id << 8 | b;
                    }
                    pos++;
                    if (++idRead == idLength) {
                        closeUnknownSizedBefore(id);
                        state = State.SIZE;
                        sizeRead = 0;
                    }
                }
                case SIZE -> {
                    int b = buf.get(i++) & 0xFF;
                    if (sizeRead == 0) {
                        sizeLength = varintLength(b);
                        if (sizeLength == 0) {
                            throw invalid("bad EBML size at offset %d", pos);
                        }
                        size = b & (0xFF >>> sizeLength);
                    } else {
                        size = size << 8 | b;
                    }
                    pos++;
                    if (++sizeRead == sizeLength) {
                        onHeader();
                    }
                }
                case SKIP -> {
                    int n = (int) Math.min(remaining, to - i);
                    i += n;
                    pos += n;
                    remaining -= n;
                    if (remaining == 0) {
                        elementDone();
                    }
                }
                case LEAF -> {
                    int n = (int) Math.min(remaining, to - i);
                    if (leafLength + n > leaf.length) {
                        leaf = Arrays.copyOf(leaf, (int) Math.max(leafLength + remaining, leaf.length));
                    }
                    buf.get(i, leaf, leafLength, n);
                    leafLength += n;
                    i += n;
                    pos += n;
                    remaining -= n;
                    if (remaining == 0) {
                        onLeaf();
                        elementDone();
                    }
                }
                case BLOCK_HEADER -> {
                    int b = buf.get(i++) & 0xFF;
                    if (blockHeaderLength == 0) {
                        blockTrackLength = varintLength(b);
                        if (blockTrackLength == 0) {
                            throw invalid("bad track number in block at offset %d", elementStart);
                        }
                    }
                    blockHeader[blockHeaderLength++] = (byte) b;
                    pos++;
                    remaining--;
                    if (blockHeaderLength == blockTrackLength + 3) {
                        onBlockHeader();
                        if (remaining == 0) {
                            elementDone();
                        } else {
                            state = State.SKIP;
                        }
                    } else if (remaining == 0) {
                        throw invalid("block at offset %d is shorter than its header", elementStart);
                    }
                }
                default -> throw new IllegalStateException(state.name());
            }
        }
    }

    /** Length of an EBML varint from its first byte, or 0 if that byte is 0 (a length over 8). */
    static int varintLength(int firstByte) {
        return firstByte == 0 ? 0 : Integer.numberOfLeadingZeros(firstByte) - 23;
    }

    private void onHeader() throws MalformedStreamException {
        long dataStart = pos;
        boolean unknownSize = size == (1L << (7 * sizeLength)) - 1;
        int parent = depth == 0 ? PARENT_ROOT : frameId[depth - 1];
        long parentEnd = depth == 0 ? Long.MAX_VALUE : frameEnd[depth - 1];
        if (dataStart > parentEnd) {
            throw invalid("element 0x%X at offset %d overruns its parent 0x%X", id, elementStart, parent);
        }
        if (!unknownSize) {
            // The Segment is the whole broadcast: capping it would cap the broadcast's length.
            if (size > limits.maxElementBytes() && id != SEGMENT) {
                throw invalid("element 0x%X at offset %d declares %d bytes, over the limit of %d", id, elementStart,
                        size, limits.maxElementBytes());
            }
            if (size > parentEnd - dataStart) {
                throw invalid("element 0x%X at offset %d overruns its parent 0x%X", id, elementStart, parent);
            }
            if (info == null && id != SEGMENT && id != CLUSTER && dataStart + size > limits.maxInitSegmentBytes()) {
                throw initTooLarge();
            }
        }
        Action action = action(parent, id);
        if (unknownSize && action != Action.DESCEND) {
            throw invalid("element 0x%X at offset %d has unknown size but is not a master", id, elementStart);
        }
        switch (action) {
            case DESCEND -> {
                push(id, unknownSize ? parentEnd : dataStart + size, unknownSize);
                elementDone();
            }
            case LEAF -> {
                if (size > 8 && id != CODEC_ID && id != CODEC_PRIVATE) {
                    throw invalid("integer element 0x%X at offset %d is %d bytes long", id, elementStart, size);
                }
                leafLength = 0;
                remaining = size;
                if (size == 0) {
                    onLeaf();
                    elementDone();
                } else {
                    state = State.LEAF;
                }
            }
            case BLOCK -> {
                blockHeaderLength = 0;
                remaining = size;
                if (size == 0) {
                    throw invalid("block at offset %d is shorter than its header", elementStart);
                }
                state = State.BLOCK_HEADER;
            }
            case REFERENCE, SKIP -> {
                if (action == Action.REFERENCE) {
                    groupHasReference = true;
                }
                remaining = size;
                if (size == 0) {
                    elementDone();
                } else {
                    state = State.SKIP;
                }
            }
            default -> throw new IllegalStateException(action.name());
        }
    }

    /** What to do with element {@code id} found directly inside {@code parent}. */
    private Action action(int parent, int id) {
        switch (parent) {
            case PARENT_ROOT:
                return id == SEGMENT ? Action.DESCEND : Action.SKIP;
            case SEGMENT:
                if (id == CLUSTER) {
                    return Action.DESCEND;
                }
                // Only the init segment's Info and Tracks count; the relay cannot change them mid-stream.
                return (id == INFO || id == TRACKS) && info == null ? Action.DESCEND : Action.SKIP;
            case INFO:
                return id == TIMESTAMP_SCALE ? Action.LEAF : Action.SKIP;
            case TRACKS:
                return id == TRACK_ENTRY ? Action.DESCEND : Action.SKIP;
            case TRACK_ENTRY:
                if (id == VIDEO) {
                    return Action.DESCEND;
                }
                return id == TRACK_NUMBER || id == TRACK_TYPE || id == CODEC_ID || id == CODEC_PRIVATE
                        ? Action.LEAF : Action.SKIP;
            case VIDEO:
                return id == PIXEL_WIDTH || id == PIXEL_HEIGHT ? Action.LEAF : Action.SKIP;
            case CLUSTER:
                return switch (id) {
                    case TIMESTAMP -> Action.LEAF;
                    case SIMPLE_BLOCK -> Action.BLOCK;
                    case BLOCK_GROUP -> Action.DESCEND;
                    default -> Action.SKIP;
                };
            case BLOCK_GROUP:
                return id == BLOCK ? Action.BLOCK : id == REFERENCE_BLOCK ? Action.REFERENCE : Action.SKIP;
            default:
                return Action.SKIP;
        }
    }

    /**
     * The parent an ID may appear in, for ending unknown-size elements: an unknown-size master ends where an
     * element that cannot be its child begins. Unknown IDs stay where they are and get skipped.
     */
    private static int parentOf(int id) {
        switch (id) {
            case EBML:
            case SEGMENT:
                return PARENT_ROOT;
            case SEEK_HEAD:
            case INFO:
            case TRACKS:
            case CLUSTER:
            case CUES:
            case CHAPTERS:
            case TAGS:
            case ATTACHMENTS:
                return SEGMENT;
            case TIMESTAMP_SCALE:
                return INFO;
            case TRACK_ENTRY:
                return TRACKS;
            case TRACK_NUMBER:
            case TRACK_TYPE:
            case CODEC_ID:
            case CODEC_PRIVATE:
            case VIDEO:
            case AUDIO:
                return TRACK_ENTRY;
            case PIXEL_WIDTH:
            case PIXEL_HEIGHT:
                return VIDEO;
            case TIMESTAMP:
            case SILENT_TRACKS:
            case POSITION:
            case PREV_SIZE:
            case SIMPLE_BLOCK:
            case BLOCK_GROUP:
            case ENCRYPTED_BLOCK:
                return CLUSTER;
            case BLOCK:
            case BLOCK_ADDITIONS:
            case BLOCK_DURATION:
            case REFERENCE_PRIORITY:
            case REFERENCE_BLOCK:
            case CODEC_STATE:
            case DISCARD_PADDING:
                return BLOCK_GROUP;
            case VOID:
            case CRC_32:
                return PARENT_ANY;
            default:
                return PARENT_UNKNOWN;
        }
    }

    private void closeUnknownSizedBefore(int id) throws MalformedStreamException {
        int parent = parentOf(id);
        if (parent == PARENT_ANY || parent == PARENT_UNKNOWN) {
            return;
        }
        while (depth > 0 && frameUnknownSize[depth - 1] && frameId[depth - 1] != parent
                && (parent == PARENT_ROOT || isOpen(parent))) {
            pop();
        }
    }

    private boolean isOpen(int id) {
        for (int d = 0; d < depth; d++) {
            if (frameId[d] == id) {
                return true;
            }
        }
        return false;
    }

    private void push(int id, long end, boolean unknownSize) throws MalformedStreamException {
        if (depth >= limits.maxNestingDepth()) {
            throw invalid("elements nested deeper than %d levels at offset %d", limits.maxNestingDepth(),
                    elementStart);
        }
        if (depth == frameId.length) {
            frameId = Arrays.copyOf(frameId, depth * 2);
            frameEnd = Arrays.copyOf(frameEnd, depth * 2);
            frameUnknownSize = Arrays.copyOf(frameUnknownSize, depth * 2);
        }
        frameId[depth] = id;
        frameEnd[depth] = end;
        frameUnknownSize[depth] = unknownSize;
        depth++;
        switch (id) {
            case CLUSTER -> openCluster();
            case TRACK_ENTRY -> track = new TrackBuilder();
            case BLOCK_GROUP -> {
                groupOffset = elementStart;
                groupHasBlock = false;
                groupHasReference = false;
            }
            default -> {
            }
        }
    }

    private void pop() throws MalformedStreamException {
        int id = frameId[--depth];
        switch (id) {
            case CLUSTER -> {
                if (!clusterTimestampKnown) {
                    throw invalid("Cluster at offset %d has no Timestamp", clusterOffset);
                }
            }
            case BLOCK_GROUP -> {
                if (groupHasBlock) {
                    // A Block with no ReferenceBlock references nothing: it is a keyframe.
                    block(groupOffset, groupTrack, groupMillis, !groupHasReference);
                }
            }
            case TRACK_ENTRY -> finishTrack();
            default -> {
            }
        }
    }

    /** Called whenever a whole element has been consumed: ends every known-size master that ends here. */
    private void elementDone() throws MalformedStreamException {
        state = State.ID;
        idRead = 0;
        while (depth > 0 && frameEnd[depth - 1] == pos) {
            pop();
        }
    }

    private void openCluster() throws MalformedStreamException {
        if (info == null) {
            completeInit();
        }
        clusterOffset = elementStart;
        clusterTimestampKnown = false;
        primaryBlockSeen = false;
    }

    private void completeInit() throws MalformedStreamException {
        if (elementStart > limits.maxInitSegmentBytes()) {
            throw initTooLarge();
        }
        if (tracks.isEmpty()) {
            throw invalid("first Cluster at offset %d comes before any Tracks", elementStart);
        }
        for (TrackInfo t : tracks) {
            if (t.kind() == TrackInfo.Kind.VIDEO) {
                primaryTrack = t.number();
                break;
            }
        }
        if (primaryTrack < 0) {
            for (TrackInfo t : tracks) {
                if (t.kind() == TrackInfo.Kind.AUDIO) {
                    primaryTrack = t.number();
                    break;
                }
            }
        }
        info = StreamInfo.of(StreamInfo.Container.WEBM, tracks);
        listener.onInitSegment(elementStart, info);
    }

    private MalformedStreamException initTooLarge() {
        return invalid("init segment is over the limit of %d bytes", limits.maxInitSegmentBytes());
    }

    private void finishTrack() throws MalformedStreamException {
        TrackBuilder t = track;
        track = null;
        if (t == null || t.number <= 0) {
            throw invalid("TrackEntry without a TrackNumber ending at offset %d", pos);
        }
        for (TrackInfo other : tracks) {
            if (other.number() == t.number) {
                throw invalid("TrackNumber %d is declared twice", t.number);
            }
        }
        if (tracks.size() == SegmenterLimits.MAX_TRACKS) {
            throw invalid("more than %d tracks", SegmenterLimits.MAX_TRACKS);
        }
        TrackInfo.Kind kind = t.type == TRACK_TYPE_VIDEO ? TrackInfo.Kind.VIDEO
                : t.type == TRACK_TYPE_AUDIO ? TrackInfo.Kind.AUDIO : TrackInfo.Kind.OTHER;
        tracks.add(new TrackInfo((int) t.number, kind, t.codecId, CodecStrings.matroska(t.codecId, t.codecPrivate),
                kind == TrackInfo.Kind.VIDEO ? t.width : 0, kind == TrackInfo.Kind.VIDEO ? t.height : 0));
    }

    private void onLeaf() throws MalformedStreamException {
        switch (id) {
            case TIMESTAMP_SCALE -> {
                long v = leafUnsigned();
                if (v <= 0) {
                    throw invalid("TimestampScale %d is not positive", v);
                }
                timestampScale = v;
            }
            case TIMESTAMP -> {
                if (!clusterTimestampKnown) {
                    clusterTimestamp = leafUnsigned();
                    clusterTimestampKnown = true;
                    listener.onSegmentStart(clusterOffset, millis(clusterTimestamp));
                }
            }
            case TRACK_NUMBER -> {
                long v = leafUnsigned();
                if (v <= 0 || v > Integer.MAX_VALUE) {
                    throw invalid("TrackNumber %d out of range at offset %d", v, elementStart);
                }
                track.number = v;
            }
            case TRACK_TYPE -> track.type = (int) Math.min(leafUnsigned(), Integer.MAX_VALUE);
            case CODEC_ID -> {
                int n = leafLength;
                while (n > 0 && leaf[n - 1] == 0) {
                    n--;
                }
                track.codecId = new String(leaf, 0, n, StandardCharsets.US_ASCII);
            }
            case CODEC_PRIVATE -> track.codecPrivate = Arrays.copyOf(leaf, leafLength);
            case PIXEL_WIDTH -> track.width = (int) Math.min(leafUnsigned(), Integer.MAX_VALUE);
            case PIXEL_HEIGHT -> track.height = (int) Math.min(leafUnsigned(), Integer.MAX_VALUE);
            default -> throw new IllegalStateException(Integer.toHexString(id));
        }
    }

    private long leafUnsigned() {
        long v = 0;
        for (int k = 0; k < leafLength; k++) {
            v = v << 8 | (leaf[k] & 0xFF);
        }
        return v;
    }

    private void onBlockHeader() throws MalformedStreamException {
        long trackNumber = blockHeader[0] & (0xFF >>> blockTrackLength);
        for (int k = 1; k < blockTrackLength; k++) {
            trackNumber = trackNumber << 8 | (blockHeader[k] & 0xFF);
        }
        int number = findTrack(trackNumber);
        if (!clusterTimestampKnown) {
            throw invalid("block at offset %d comes before its Cluster's Timestamp", elementStart);
        }
        short relative = (short) ((blockHeader[blockTrackLength] & 0xFF) << 8
                | (blockHeader[blockTrackLength + 1] & 0xFF));
        long ms = millis(clusterTimestamp + relative);
        if (id == SIMPLE_BLOCK) {
            int flags = blockHeader[blockTrackLength + 2] & 0xFF;
            block(elementStart, number, ms, (flags & SIMPLE_BLOCK_KEYFRAME) != 0);
        } else if (!groupHasBlock) {
            groupHasBlock = true;
            groupTrack = number;
            groupMillis = ms;
        }
    }

    private int findTrack(long trackNumber) throws MalformedStreamException {
        for (TrackInfo t : tracks) {
            if (t.number() == trackNumber) {
                return t.number();
            }
        }
        throw invalid("block at offset %d is for track %d, which Tracks does not declare", elementStart,
                trackNumber);
    }

    private void block(long offset, int trackNumber, long ms, boolean keyframe) {
        if (trackNumber == primaryTrack && !primaryBlockSeen) {
            primaryBlockSeen = true;
            if (keyframe) {
                listener.onRandomAccessPoint(clusterOffset);
            }
        }
        listener.onBlock(offset, trackNumber, ms, keyframe);
    }

    private long millis(long ticks) throws MalformedStreamException {
        if (timestampScale == DEFAULT_TIMESTAMP_SCALE) {
            return ticks;
        }
        try {
            return Math.multiplyExact(ticks, timestampScale) / DEFAULT_TIMESTAMP_SCALE;
        } catch (ArithmeticException e) {
            throw invalid("timestamp %d at offset %d is out of range", ticks, elementStart);
        }
    }

    /** A TrackEntry being read. */
    private static final class TrackBuilder {
        long number;
        int type;
        String codecId;
        byte[] codecPrivate;
        int width;
        int height;
    }
}
