package io.wsvideo.relay.media.internal;

import static io.wsvideo.relay.media.internal.Malformed.invalid;

import io.wsvideo.relay.media.MalformedStreamException;
import io.wsvideo.relay.media.MediaFrame;
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
    static final int DEFAULT_DURATION = 0x23E383;
    static final int VIDEO = 0xE0;
    static final int AUDIO = 0xE1;
    static final int PIXEL_WIDTH = 0xB0;
    static final int PIXEL_HEIGHT = 0xBA;
    static final int SAMPLING_FREQUENCY = 0xB5;
    static final int CHANNELS = 0x9F;
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

    // Lacing, bits 1-2 of the block flags (RFC 9559 10.3).
    static final int LACING_NONE = 0;
    static final int LACING_XIPH = 1;
    static final int LACING_FIXED = 2;
    static final int LACING_EBML = 3;
    /** A lace count is one byte: at most 256 frames per block. */
    private static final int MAX_LACED_FRAMES = 256;

    /** Matroska's defaults for an Audio element that omits them. */
    static final double DEFAULT_SAMPLING_FREQUENCY = 8000.0;
    static final int DEFAULT_CHANNELS = 1;

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
        ID, SIZE, LEAF, BLOCK_HEADER, LACE, SKIP
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

    // The block whose header has been read: its frames, once its lacing (if any) has been read too.
    private int blockTrackIndex;
    private boolean blockKey;
    private long blockMicros;
    private int laceType;
    /** Frames in the block; 0 while the lace count byte is still to come. */
    private int laceCount;
    /** Sizes of the frames before the last, as read so far. */
    private final long[] laceSizes = new long[MAX_LACED_FRAMES];
    private int laceRead;
    private long laceXiph;
    private int laceVarintLength;
    private int laceVarintRead;
    private long laceVarint;
    /** The frame sizes of the SimpleBlock being read, reported when it ends; null otherwise. */
    private long[] simpleBlockFrames;
    private long simpleBlockFramesAt;

    // Open master elements, innermost last. End is exclusive; an unknown-size element inherits its
    // parent's end so it cannot outlive it.
    private int depth;
    private int[] frameId = new int[8];
    private long[] frameEnd = new long[8];
    private boolean[] frameUnknownSize = new boolean[8];

    // Init segment.
    private long timestampScale = DEFAULT_TIMESTAMP_SCALE;
    private final List<TrackInfo> tracks = new ArrayList<>();
    /** DefaultDuration in nanoseconds of each of {@link #tracks}, 0 if not given: spaces laced frames. */
    private final long[] defaultDurations = new long[SegmenterLimits.MAX_TRACKS];
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
    /** Its Block's track is audio: its frames are key whatever the group says ({@link #audio}). */
    private boolean groupAudio;
    private long groupMillis;
    // Its Block's frames: laced sizes, where the first starts, and the block's time.
    private long[] groupFrameSizes;
    private long groupFrameOffset;
    private long groupMicros;
    private int groupTrackIndex;

    public WebmSegmenter(SegmenterLimits limits, SegmentListener listener) {
        this.limits = limits;
        this.listener = listener;
    }

    @Override
    public StreamInfo info() {
        return info;
    }

    @Override
    public long framesFrom() {
        // Frames not found yet start after what was read; found ones wait for their block or group to end.
        long from = pos;
        if (groupFrameSizes != null && isOpen(BLOCK_GROUP)) {
            from = Math.min(from, groupFrameOffset);
        }
        if (simpleBlockFrames != null) {
            from = Math.min(from, simpleBlockFramesAt);
        }
        return from;
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
                        if (laceType != LACING_NONE) {
                            if (remaining == 0) {
                                throw invalid("laced block at offset %d has no lace count", elementStart);
                            }
                            state = State.LACE;
                        } else {
                            long[] none = {};
                            blockFrames(none, 0);
                        }
                    } else if (remaining == 0) {
                        throw invalid("block at offset %d is shorter than its header", elementStart);
                    }
                }
                case LACE -> {
                    int b = buf.get(i++) & 0xFF;
                    pos++;
                    remaining--;
                    if (lace(b)) {
                        blockFrames(laceSizes, laceCount - 1);
                    } else if (remaining == 0) {
                        throw invalid("lacing of the block at offset %d overruns the block", elementStart);
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
                if (id == VIDEO || id == AUDIO) {
                    return Action.DESCEND;
                }
                return id == TRACK_NUMBER || id == TRACK_TYPE || id == CODEC_ID || id == CODEC_PRIVATE
                        || id == DEFAULT_DURATION ? Action.LEAF : Action.SKIP;
            case VIDEO:
                return id == PIXEL_WIDTH || id == PIXEL_HEIGHT ? Action.LEAF : Action.SKIP;
            case AUDIO:
                return id == SAMPLING_FREQUENCY || id == CHANNELS ? Action.LEAF : Action.SKIP;
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
            case DEFAULT_DURATION:
            case VIDEO:
            case AUDIO:
                return TRACK_ENTRY;
            case PIXEL_WIDTH:
            case PIXEL_HEIGHT:
                return VIDEO;
            case SAMPLING_FREQUENCY:
            case CHANNELS:
                return AUDIO;
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
                groupFrameSizes = null;
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
                    boolean key = !groupHasReference || groupAudio;
                    block(groupOffset, groupTrack, groupMillis, key);
                    if (groupFrameSizes != null) {
                        frames(groupTrackIndex, key, groupMicros, groupFrameOffset, groupFrameSizes);
                    }
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
        if (simpleBlockFrames != null) {
            // The SimpleBlock ended: its frames are complete.
            long[] sizes = simpleBlockFrames;
            simpleBlockFrames = null;
            frames(blockTrackIndex, blockKey, blockMicros, simpleBlockFramesAt, sizes);
        }
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
        boolean video = kind == TrackInfo.Kind.VIDEO;
        boolean audio = kind == TrackInfo.Kind.AUDIO;
        defaultDurations[tracks.size()] = t.defaultDuration;
        tracks.add(new TrackInfo((int) t.number, kind, t.codecId, CodecStrings.matroska(t.codecId, t.codecPrivate),
                video ? t.width : 0, video ? t.height : 0, CodecStrings.webCodecsMatroska(t.codecId, t.codecPrivate),
                audio ? (int) Math.min(Math.round(t.samplingFrequency), Integer.MAX_VALUE) : 0,
                audio ? t.channels : 0, CodecStrings.matroskaDescription(t.codecId, t.codecPrivate)));
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
            case DEFAULT_DURATION -> track.defaultDuration = Math.max(0, leafUnsigned());
            case CHANNELS -> track.channels = (int) Math.min(leafUnsigned(), Integer.MAX_VALUE);
            case SAMPLING_FREQUENCY -> {
                double hz = leafLength == 4 ? Float.intBitsToFloat((int) leafUnsigned())
                        : leafLength == 8 ? Double.longBitsToDouble(leafUnsigned()) : 0;
                if (hz > 0 && hz < Integer.MAX_VALUE) { // NaN, infinities and nonsense keep the default
                    track.samplingFrequency = hz;
                }
            }
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
        blockTrackIndex = findTrack(trackNumber);
        int number = tracks.get(blockTrackIndex).number();
        if (!clusterTimestampKnown) {
            throw invalid("block at offset %d comes before its Cluster's Timestamp", elementStart);
        }
        short relative = (short) ((blockHeader[blockTrackLength] & 0xFF) << 8
                | (blockHeader[blockTrackLength + 1] & 0xFF));
        long ms = millis(clusterTimestamp + relative);
        blockMicros = micros(clusterTimestamp + relative);
        int flags = blockHeader[blockTrackLength + 2] & 0xFF;
        laceType = flags >>> 1 & 0x3;
        laceCount = 0;
        laceRead = 0;
        laceXiph = 0;
        laceVarintRead = 0;
        if (id == SIMPLE_BLOCK) {
            blockKey = (flags & SIMPLE_BLOCK_KEYFRAME) != 0 || audio(blockTrackIndex);
            block(elementStart, number, ms, blockKey);
        } else if (!groupHasBlock) {
            groupHasBlock = true;
            groupTrack = number;
            groupAudio = audio(blockTrackIndex);
            groupMillis = ms;
        }
    }

    /**
     * Takes one byte of a block's lacing header (RFC 9559 10.4): the frame count less one, then the sizes of
     * all frames but the last (Xiph: runs of 255 and a final byte; EBML: a varint, then signed varint
     * differences; fixed-size: nothing). Returns true when the header is complete.
     */
    private boolean lace(int b) throws MalformedStreamException {
        if (laceCount == 0) {
            laceCount = b + 1;
            if (laceType == LACING_FIXED) {
                if (remaining % laceCount != 0) {
                    throw invalid("fixed-size lacing of the block at offset %d does not divide its %d bytes",
                            elementStart, remaining);
                }
                Arrays.fill(laceSizes, 0, laceCount - 1, remaining / laceCount);
                return true;
            }
            return laceCount == 1;
        }
        if (laceType == LACING_XIPH) {
            laceXiph += b;
            if (b != 0xFF) {
                laceSizes[laceRead++] = laceXiph;
                laceXiph = 0;
            }
        } else {
            if (laceVarintRead == 0) {
                laceVarintLength = varintLength(b);
                if (laceVarintLength == 0) {
                    throw invalid("bad lace size in the block at offset %d", elementStart);
                }
                laceVarint = b & (0xFF >>> laceVarintLength);
            } else {
                laceVarint = laceVarint << 8 | b;
            }
            if (++laceVarintRead == laceVarintLength) {
                laceVarintRead = 0;
                long size = laceVarint;
                if (laceRead > 0) { // a signed difference from the previous size
                    size = laceSizes[laceRead - 1] + laceVarint - ((1L << (7 * laceVarintLength - 1)) - 1);
                    if (size < 0) {
                        throw invalid("negative lace size in the block at offset %d", elementStart);
                    }
                }
                laceSizes[laceRead++] = size;
            }
        }
        return laceRead == laceCount - 1;
    }

    /**
     * The current block's frames are {@code sizes[0, n)} and then the rest of the block, starting here: keeps
     * them to report when the SimpleBlock, or the BlockGroup, ends, and skips the payload.
     */
    private void blockFrames(long[] sizes, int n) throws MalformedStreamException {
        long total = 0;
        for (int k = 0; k < n; k++) {
            total += sizes[k];
            if (total > remaining) {
                throw invalid("lace sizes of the block at offset %d overrun the block", elementStart);
            }
        }
        long[] all = Arrays.copyOf(sizes, n + 1);
        all[n] = remaining - total;
        if (id == SIMPLE_BLOCK) {
            simpleBlockFrames = all;
            simpleBlockFramesAt = pos;
        } else if (groupFrameSizes == null && tracks.get(blockTrackIndex).number() == groupTrack) {
            groupFrameSizes = all;
            groupFrameOffset = pos;
            groupMicros = blockMicros;
            groupTrackIndex = blockTrackIndex;
        }
        if (remaining == 0) {
            elementDone();
        } else {
            state = State.SKIP;
        }
    }

    /**
     * Reports a block's frames, laid end to end from {@code offset}, once its last byte is in: the first at the
     * block's time, each next one a DefaultDuration later when the track has one, else at the same time.
     */
    private void frames(int trackIndex, boolean key, long micros, long offset, long[] sizes)
            throws MalformedStreamException {
        int number = tracks.get(trackIndex).number();
        long spacingNanos = defaultDurations[trackIndex];
        long at = offset;
        for (int k = 0; k < sizes.length; k++) {
            long t = micros;
            if (k > 0 && spacingNanos > 0) {
                try {
                    t = Math.addExact(micros, Math.multiplyExact(spacingNanos, k) / 1000);
                } catch (ArithmeticException e) {
                    throw invalid("DefaultDuration of track %d is out of range", number);
                }
            }
            listener.onFrame(new MediaFrame(number, key, t, at, (int) sizes[k]));
            at += sizes[k];
        }
    }

    /**
     * Every audio frame is a random access point, whatever its block's key flag says: Firefox's recorder
     * never sets it on Opus blocks (Chromium's sets it on all), and an audio-only stream would then have no
     * start point at all for a viewer. FFmpeg's Matroska demuxer also treats them as key.
     */
    private boolean audio(int trackIndex) {
        return tracks.get(trackIndex).kind() == TrackInfo.Kind.AUDIO;
    }

    /** Index in {@link #tracks} of the track a block names. */
    private int findTrack(long trackNumber) throws MalformedStreamException {
        for (int i = 0; i < tracks.size(); i++) {
            if (tracks.get(i).number() == trackNumber) {
                return i;
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

    /** Timestamp ticks in microseconds: TimestampScale is in nanoseconds. */
    private long micros(long ticks) throws MalformedStreamException {
        try {
            return Math.multiplyExact(ticks, timestampScale) / 1000;
        } catch (ArithmeticException e) {
            throw invalid("timestamp %d at offset %d is out of range", ticks, elementStart);
        }
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
        long defaultDuration;
        double samplingFrequency = DEFAULT_SAMPLING_FREQUENCY;
        int channels = DEFAULT_CHANNELS;
    }
}
