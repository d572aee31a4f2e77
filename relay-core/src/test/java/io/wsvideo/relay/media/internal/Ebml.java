package io.wsvideo.relay.media.internal;

import static io.wsvideo.relay.media.internal.WebmSegmenter.*;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Hand-built EBML for synthetic streams: tiny, explicit, and independent of the parser under test. */
final class Ebml {

    static final byte[] UNKNOWN_SIZE = {0x01, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF,
            (byte) 0xFF, (byte) 0xFF};

    private Ebml() {
    }

    static byte[] cat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    static byte[] id(int id) {
        int n = id >= 0x1000000 ? 4 : id >= 0x10000 ? 3 : id >= 0x100 ? 2 : 1;
        byte[] b = new byte[n];
        for (int k = 0; k < n; k++) {
            b[k] = (byte) (id >>> (8 * (n - 1 - k)));
        }
        return b;
    }

    /** The shortest EBML size varint for {@code size} (all-ones is reserved for "unknown"). */
    static byte[] size(long size) {
        int n = 1;
        while (size >= (1L << (7 * n)) - 1) {
            n++;
        }
        byte[] b = new byte[n];
        for (int k = 0; k < n; k++) {
            b[k] = (byte) (size >>> (8 * (n - 1 - k)));
        }
        b[0] |= (byte) (0x80 >>> (n - 1));
        return b;
    }

    static byte[] element(int id, byte[]... payload) {
        byte[] p = cat(payload);
        return cat(id(id), size(p.length), p);
    }

    static byte[] unknownSize(int id, byte[]... children) {
        return cat(id(id), UNKNOWN_SIZE, cat(children));
    }

    static byte[] uint(int id, long value) {
        int n = 1;
        while (n < 8 && value >>> (8 * n) != 0) {
            n++;
        }
        byte[] b = new byte[n];
        for (int k = 0; k < n; k++) {
            b[k] = (byte) (value >>> (8 * (n - 1 - k)));
        }
        return element(id, b);
    }

    static byte[] string(int id, String s) {
        return element(id, s.getBytes(StandardCharsets.US_ASCII));
    }

    static byte[] header() {
        return element(EBML, uint(0x4286, 1), string(0x4282, "webm"));
    }

    static byte[] track(int number, int type, String codecId, byte[]... more) {
        return element(TRACK_ENTRY, uint(TRACK_NUMBER, number), uint(TRACK_TYPE, type), string(CODEC_ID, codecId),
                cat(more));
    }

    static byte[] video(int width, int height) {
        return element(VIDEO, uint(PIXEL_WIDTH, width), uint(PIXEL_HEIGHT, height));
    }

    /** EBML header, then an unknown-size Segment opening with Info and these tracks: the init segment. */
    static byte[] init(byte[]... tracks) {
        return cat(header(), id(SEGMENT), UNKNOWN_SIZE, element(INFO, uint(TIMESTAMP_SCALE, 1_000_000)),
                element(TRACKS, tracks));
    }

    /** An init segment with video track 1 (VP8) and audio track 2 (Opus). */
    static byte[] vp8OpusInit() {
        return init(track(1, TRACK_TYPE_VIDEO, "V_VP8", video(320, 240)), track(2, TRACK_TYPE_AUDIO, "A_OPUS"));
    }

    static byte[] cluster(long timestamp, byte[]... children) {
        return unknownSize(CLUSTER, uint(TIMESTAMP, timestamp), cat(children));
    }

    static byte[] simpleBlock(int track, int relative, boolean key, int payloadBytes) {
        return element(SIMPLE_BLOCK, blockHeader(track, relative, key ? SIMPLE_BLOCK_KEYFRAME : 0),
                new byte[payloadBytes]);
    }

    static byte[] blockGroup(int track, int relative, boolean withReference, int payloadBytes) {
        return element(BLOCK_GROUP, element(BLOCK, blockHeader(track, relative, 0), new byte[payloadBytes]),
                withReference ? element(REFERENCE_BLOCK, new byte[] {(byte) 0xFF, (byte) 0xD8}) : new byte[0],
                uint(BLOCK_DURATION, 20));
    }

    private static byte[] blockHeader(int track, int relative, int flags) {
        return cat(size(track), new byte[] {(byte) (relative >> 8), (byte) relative, (byte) flags});
    }
}
