package io.wsvideo.relay.media.internal;

import java.util.Locale;

/**
 * RFC 6381 codec strings from codec configuration records. MediaSource rejects the recorder's short names
 * ({@code avc1}, {@code av01}): it wants profile and level, which only these records carry.
 */
final class CodecStrings {

    private CodecStrings() {
    }

    /** {@code avc1.PPCCLL} from an AVCDecoderConfigurationRecord (ISO/IEC 14496-15), or null. */
    static String avc(String sampleEntry, byte[] b, int off, int len) {
        if (b == null || len < 4 || b[off] != 1) { // configurationVersion
            return null;
        }
        return String.format(Locale.ROOT, "%s.%02X%02X%02X", sampleEntry, b[off + 1] & 0xFF, b[off + 2] & 0xFF,
                b[off + 3] & 0xFF);
    }

    /** {@code av01.P.LLT.DD} from an AV1CodecConfigurationRecord ({@code av1C}), or null. */
    static String av1(byte[] b, int off, int len) {
        if (b == null || len < 4 || (b[off] & 0xFF) != 0x81) { // marker 1, version 1
            return null;
        }
        int seqProfile = (b[off + 1] & 0xFF) >>> 5;
        int seqLevelIdx0 = b[off + 1] & 0x1F;
        int flags = b[off + 2] & 0xFF;
        boolean seqTier0 = (flags & 0x80) != 0;
        boolean highBitdepth = (flags & 0x40) != 0;
        boolean twelveBit = (flags & 0x20) != 0;
        int bitDepth = !highBitdepth ? 8 : seqProfile == 2 && twelveBit ? 12 : 10;
        return String.format(Locale.ROOT, "av01.%d.%02d%c.%02d", seqProfile, seqLevelIdx0, seqTier0 ? 'H' : 'M',
                bitDepth);
    }

    /** {@code vp09.PP.LL.DD} from a VPCodecConfigurationBox payload (after its version and flags), or null. */
    static String vpcC(byte[] b, int off, int len) {
        if (b == null || len < 3) {
            return null;
        }
        return vp09(b[off] & 0xFF, b[off + 1] & 0xFF, (b[off + 2] & 0xFF) >>> 4);
    }

    /**
     * {@code vp09.PP.LL.DD} from Matroska's VP9 CodecPrivate (ID, length, value triples: 1 profile, 2 level,
     * 3 bit depth), or plain {@code vp9}, which MediaSource also accepts in WebM, when any is missing.
     */
    static String vp9Matroska(byte[] b) {
        int profile = -1;
        int level = -1;
        int bitDepth = -1;
        for (int p = 0; b != null && p + 2 <= b.length; ) {
            int id = b[p] & 0xFF;
            int len = b[p + 1] & 0xFF;
            if (p + 2 + len > b.length) {
                break;
            }
            if (len == 1) {
                int v = b[p + 2] & 0xFF;
                switch (id) {
                    case 1 -> profile = v;
                    case 2 -> level = v;
                    case 3 -> bitDepth = v;
                    default -> { }
                }
            }
            p += 2 + len;
        }
        return profile < 0 || level < 0 || bitDepth < 0 ? "vp9" : vp09(profile, level, bitDepth);
    }

    private static String vp09(int profile, int level, int bitDepth) {
        return String.format(Locale.ROOT, "vp09.%02d.%02d.%02d", profile, level, bitDepth);
    }

    /** The codec string for a Matroska CodecID, or null if MediaSource has no name for it. */
    static String matroska(String codecId, byte[] codecPrivate) {
        int n = codecPrivate == null ? 0 : codecPrivate.length;
        return switch (codecId == null ? "" : codecId) {
            case "V_VP8" -> "vp8";
            case "V_VP9" -> vp9Matroska(codecPrivate);
            case "V_AV1" -> av1(codecPrivate, 0, n);
            case "V_MPEG4/ISO/AVC" -> avc("avc1", codecPrivate, 0, n);
            case "A_OPUS" -> "opus";
            case "A_VORBIS" -> "vorbis";
            default -> null;
        };
    }
}
