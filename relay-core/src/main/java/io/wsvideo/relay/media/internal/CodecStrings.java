package io.wsvideo.relay.media.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * RFC 6381 codec strings from codec configuration records, for MediaSource and WebCodecs. MediaSource rejects
 * the recorder's short names ({@code avc1}, {@code av01}): it wants profile and level, which only these
 * records carry; WebCodecs wants them too, and {@code vp09.PP.LL.DD} even where MediaSource takes {@code vp9}.
 * Where the init segment has no record (Chromium's H.264 in Matroska, its VP9 in WebM), the first key frame
 * has what is needed: {@link #fromKeyFrame}.
 */
public final class CodecStrings {

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
     * 3 bit depth), or null when any is missing.
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
        return profile < 0 || level < 0 || bitDepth < 0 ? null : vp09(profile, level, bitDepth);
    }

    private static String vp09(int profile, int level, int bitDepth) {
        return String.format(Locale.ROOT, "vp09.%02d.%02d.%02d", profile, level, bitDepth);
    }

    /**
     * The MediaSource codec string for a Matroska CodecID, or null if MediaSource has no name for it. Plain
     * {@code vp9} when the CodecPrivate does not say more: MediaSource accepts it in WebM.
     */
    static String matroska(String codecId, byte[] codecPrivate) {
        if ("V_VP9".equals(codecId)) {
            String full = vp9Matroska(codecPrivate);
            return full != null ? full : "vp9";
        }
        return webCodecsMatroska(codecId, codecPrivate);
    }

    /**
     * The WebCodecs codec string for a Matroska CodecID, or null if the init segment does not say enough
     * (then {@link #fromKeyFrame} may) or WebCodecs has no name for it.
     */
    static String webCodecsMatroska(String codecId, byte[] codecPrivate) {
        int n = codecPrivate == null ? 0 : codecPrivate.length;
        return switch (codecId == null ? "" : codecId) {
            case "V_VP8" -> "vp8";
            case "V_VP9" -> vp9Matroska(codecPrivate);
            case "V_AV1" -> av1(codecPrivate, 0, n);
            case "V_MPEG4/ISO/AVC" -> avc("avc1", codecPrivate, 0, n);
            case "A_OPUS" -> "opus";
            case "A_VORBIS" -> "vorbis";
            case "A_AAC" -> aac(0x40, codecPrivate);
            default -> null;
        };
    }

    /**
     * What WebCodecs takes as {@code description} for a Matroska track: the CodecPrivate of H.264 (avcC, when
     * it is one), Opus (OpusHead), Vorbis (its three headers, Xiph-laced) and AAC (AudioSpecificConfig); null
     * for the others, which need none.
     */
    static byte[] matroskaDescription(String codecId, byte[] codecPrivate) {
        if (codecPrivate == null || codecPrivate.length == 0) {
            return null;
        }
        return switch (codecId == null ? "" : codecId) {
            case "V_MPEG4/ISO/AVC" -> avc("avc1", codecPrivate, 0, codecPrivate.length) != null ? codecPrivate : null;
            case "A_OPUS", "A_VORBIS", "A_AAC" -> codecPrivate;
            default -> null;
        };
    }

    /**
     * {@code mp4a.40.AOT} from an MPEG-4 audio objectTypeIndication (0x40) and AudioSpecificConfig (ISO/IEC
     * 14496-3 1.6.2.1: the audio object type in 5 bits, 6 more after an escape of 31), {@code mp4a.40.2} (AAC-LC)
     * when it is missing, {@code mp4a.OO} for any other objectTypeIndication.
     */
    static String aac(int objectTypeIndication, byte[] asc) {
        if (objectTypeIndication != 0x40) {
            return String.format(Locale.ROOT, "mp4a.%02X", objectTypeIndication);
        }
        if (asc == null || asc.length == 0) {
            return "mp4a.40.2";
        }
        int aot = (asc[0] & 0xFF) >>> 3;
        if (aot == 31) {
            if (asc.length < 2) {
                return "mp4a.40.2";
            }
            aot = 32 + (((asc[0] & 0x07) << 3) | ((asc[1] & 0xFF) >>> 5));
        }
        return aot == 0 ? "mp4a.40.2" : "mp4a.40." + aot;
    }

    /**
     * The OpusHead (RFC 7845 5.1) that WebCodecs takes as an Opus {@code description}, from an MP4 {@code dOps}
     * payload (Opus in ISOBMFF 4.3.2: the same fields, big-endian, without the magic); null if it is too short.
     */
    static byte[] opusHead(byte[] dOps) {
        if (dOps == null || dOps.length < 11) {
            return null;
        }
        int channels = dOps[1] & 0xFF;
        int family = dOps[10] & 0xFF;
        int mapping = family == 0 ? 0 : 2 + channels;
        if (dOps.length < 11 + mapping) {
            return null;
        }
        ByteBuffer head = ByteBuffer.allocate(19 + mapping).order(ByteOrder.LITTLE_ENDIAN);
        head.put("OpusHead".getBytes(StandardCharsets.US_ASCII));
        head.put((byte) 1); // version
        head.put((byte) channels);
        head.putShort((short) ((dOps[2] & 0xFF) << 8 | (dOps[3] & 0xFF))); // pre-skip
        head.putInt((dOps[4] & 0xFF) << 24 | (dOps[5] & 0xFF) << 16 | (dOps[6] & 0xFF) << 8 | (dOps[7] & 0xFF));
        head.putShort((short) ((dOps[8] & 0xFF) << 8 | (dOps[9] & 0xFF))); // output gain
        head.put((byte) family);
        head.put(dOps, 11, mapping); // stream count, coupled count, channel mapping
        return head.array();
    }

    /** True for the codecs whose WebCodecs string {@link #fromKeyFrame} can read from a key frame. */
    public static boolean fromKeyFrameFor(String codecId) {
        return switch (codecId == null ? "" : codecId) {
            case "V_MPEG4/ISO/AVC", "avc1", "avc3", "V_VP9", "vp09" -> true;
            default -> false;
        };
    }

    /**
     * The WebCodecs codec string read from the start of a key frame's payload (position to limit, not moved):
     * {@code avc1.PPCCLL} from an H.264 sequence parameter set (Annex B start codes or 4-byte NAL lengths),
     * {@code vp09.PP.LL.DD} from a VP9 uncompressed header (profile and bit depth; the level is the lowest
     * whose picture size admits the frame's); null when the payload does not tell.
     */
    public static String fromKeyFrame(String codecId, ByteBuffer payload) {
        return switch (codecId == null ? "" : codecId) {
            case "V_MPEG4/ISO/AVC", "avc1", "avc3" -> avcFromSps(payload);
            case "V_VP9", "vp09" -> vp9FromKeyFrame(payload);
            default -> null;
        };
    }

    private static String avcFromSps(ByteBuffer b) {
        int from = b.position();
        int to = b.limit();
        // Annex B: NAL units after 00 00 01 start codes.
        for (int p = from; p + 2 < to; p++) {
            if (b.get(p) == 0 && b.get(p + 1) == 0 && b.get(p + 2) == 1) {
                String s = avcFromNal(b, p + 3, to);
                if (s != null) {
                    return s;
                }
            }
        }
        // Length-prefixed NAL units (4-byte lengths, as avcC streams carry them).
        for (int p = from; p + 4 < to; ) {
            long len = (b.getInt(p) & 0xFFFFFFFFL);
            String s = avcFromNal(b, p + 4, (int) Math.min(to, p + 4 + len));
            if (s != null) {
                return s;
            }
            if (len == 0 || len > to - p - 4) {
                break;
            }
            p += 4 + (int) len;
        }
        return null;
    }

    /** {@code avc1.PPCCLL} if the NAL unit at {@code p} is a sequence parameter set. */
    private static String avcFromNal(ByteBuffer b, int p, int to) {
        if (p + 4 > to || (b.get(p) & 0x1F) != 7) {
            return null;
        }
        return String.format(Locale.ROOT, "avc1.%02X%02X%02X", b.get(p + 1) & 0xFF, b.get(p + 2) & 0xFF,
                b.get(p + 3) & 0xFF);
    }

    /** VP9 levels (Annex A) and the largest picture, in luma samples, each admits. */
    private static final int[] VP9_LEVELS = {10, 11, 20, 21, 30, 31, 40, 41, 50, 51, 52, 60, 61, 62};
    private static final int[] VP9_MAX_PICTURE = {36864, 73728, 122880, 245760, 552960, 983040, 2228224, 2228224,
        8912896, 8912896, 8912896, 35651584, 35651584, 35651584};

    /** The VP9 uncompressed header of a key frame (VP9 bitstream 6.2): profile, bit depth and frame size. */
    private static String vp9FromKeyFrame(ByteBuffer b) {
        Bits r = new Bits(b);
        if (r.read(2) != 2) { // frame_marker
            return null;
        }
        int profile = r.read(1);
        profile |= r.read(1) << 1;
        if (profile == 3) {
            r.read(1); // reserved_zero
        }
        if (r.read(1) != 0 || r.read(1) != 0) { // show_existing_frame; frame_type must be KEY_FRAME (0)
            return null;
        }
        r.read(2); // show_frame, error_resilient_mode
        if (r.read(24) != 0x498342) { // frame_sync_code
            return null;
        }
        int bitDepth = profile >= 2 ? (r.read(1) == 1 ? 12 : 10) : 8;
        int colorSpace = r.read(3);
        if (colorSpace != 7) { // not CS_RGB
            r.read(1); // color_range
            if (profile == 1 || profile == 3) {
                r.read(3); // subsampling_x, subsampling_y, reserved_zero
            }
        } else if (profile == 1 || profile == 3) {
            r.read(1); // reserved_zero
        }
        long frameWidth = r.read(16) + 1L;
        long frameHeight = r.read(16) + 1L;
        if (r.overrun) {
            return null;
        }
        long picture = frameWidth * frameHeight;
        int level = VP9_LEVELS[VP9_LEVELS.length - 1];
        for (int i = 0; i < VP9_LEVELS.length; i++) {
            if (picture <= VP9_MAX_PICTURE[i]) {
                level = VP9_LEVELS[i];
                break;
            }
        }
        return vp09(profile, level, bitDepth);
    }

    /** Reads bits most significant first from a buffer's position to its limit. */
    private static final class Bits {
        private final ByteBuffer b;
        private long at;
        boolean overrun;

        Bits(ByteBuffer b) {
            this.b = b;
            this.at = (long) b.position() * 8;
        }

        int read(int n) {
            int v = 0;
            for (int k = 0; k < n; k++) {
                int index = (int) (at >>> 3);
                if (index >= b.limit()) {
                    overrun = true;
                    return 0;
                }
                v = v << 1 | (b.get(index) >>> (7 - (int) (at & 7)) & 1);
                at++;
            }
            return v;
        }
    }
}
