package io.wsvideo.relay.media.internal;

import java.nio.ByteBuffer;

/**
 * What an MP4 {@code esds} box (ISO/IEC 14496-1 7.2.6.5, ES_Descriptor) says of an audio track: the
 * objectTypeIndication of its DecoderConfigDescriptor (0x40: MPEG-4 audio) and the DecoderSpecificInfo, which
 * for AAC is the AudioSpecificConfig that WebCodecs takes as {@code description}.
 *
 * @param decoderSpecificInfo null if absent
 */
record Esds(int objectTypeIndication, byte[] decoderSpecificInfo) {

    private static final int ES_DESCRIPTOR = 0x03;
    private static final int DECODER_CONFIG_DESCRIPTOR = 0x04;
    private static final int DECODER_SPECIFIC_INFO = 0x05;
    /** objectTypeIndication, streamType, bufferSizeDB (3), maxBitrate (4), avgBitrate (4). */
    private static final int DECODER_CONFIG_FIELDS = 13;

    /** Parses the descriptors in {@code b[from, to)} (after the FullBox header); null if there is no config. */
    static Esds parse(ByteBuffer b, int from, int to) {
        int[] es = descriptor(b, from, to, ES_DESCRIPTOR);
        if (es == null) {
            return null;
        }
        int p = es[0];
        if (p + 3 > es[1]) {
            return null;
        }
        int flags = b.get(p + 2) & 0xFF;
        p += 3; // ES_ID, flags
        if ((flags & 0x80) != 0) {
            p += 2; // dependsOn_ES_ID
        }
        if ((flags & 0x40) != 0) {
            p += p < es[1] ? 1 + (b.get(p) & 0xFF) : 1; // URL
        }
        if ((flags & 0x20) != 0) {
            p += 2; // OCR_ES_Id
        }
        int[] config = descriptor(b, p, es[1], DECODER_CONFIG_DESCRIPTOR);
        if (config == null || config[1] - config[0] < DECODER_CONFIG_FIELDS) {
            return null;
        }
        int objectType = b.get(config[0]) & 0xFF;
        int[] info = descriptor(b, config[0] + DECODER_CONFIG_FIELDS, config[1], DECODER_SPECIFIC_INFO);
        byte[] dsi = null;
        if (info != null) {
            dsi = new byte[info[1] - info[0]];
            b.get(info[0], dsi);
        }
        return new Esds(objectType, dsi);
    }

    /**
     * The payload bounds {start, end} of the first descriptor with {@code tag} among those in {@code b[p, to)},
     * or null. A descriptor is a tag byte, a size in up to four 7-bit groups (high bit: more follow), a payload.
     */
    private static int[] descriptor(ByteBuffer b, int p, int to, int tag) {
        while (p >= 0 && p < to) {
            int found = b.get(p++) & 0xFF;
            int size = 0;
            for (int k = 0; k < 4; k++) {
                if (p >= to) {
                    return null;
                }
                int v = b.get(p++) & 0xFF;
                size = size << 7 | (v & 0x7F);
                if ((v & 0x80) == 0) {
                    break;
                }
            }
            if (size > to - p) {
                return null;
            }
            if (found == tag) {
                return new int[] {p, p + size};
            }
            p += size;
        }
        return null;
    }
}
