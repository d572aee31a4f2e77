package io.wsvideo.relay.media.internal;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Hand-built ISO-BMFF boxes for synthetic streams. */
final class Mp4 {

    /** sample_depends_on = 1 and sample_is_non_sync_sample: an ordinary inter frame. */
    static final int NON_SYNC = 0x01010000;
    /** sample_depends_on = 2: an I frame. */
    static final int SYNC = 0x02000000;

    private Mp4() {
    }

    static byte[] cat(byte[]... parts) {
        return Ebml.cat(parts);
    }

    static byte[] box(String type, byte[]... payload) {
        byte[] p = cat(payload);
        return cat(u32(8 + p.length), type.getBytes(StandardCharsets.US_ASCII), p);
    }

    static byte[] fullBox(String type, int version, int flags, byte[]... payload) {
        return box(type, u32(version << 24 | flags), cat(payload));
    }

    static byte[] u32(long v) {
        return ByteBuffer.allocate(4).putInt((int) v).array();
    }

    static byte[] u64(long v) {
        return ByteBuffer.allocate(8).putLong(v).array();
    }

    static byte[] u16(int v) {
        return new byte[] {(byte) (v >> 8), (byte) v};
    }

    static byte[] ftyp() {
        return box("ftyp", "isom".getBytes(StandardCharsets.US_ASCII), u32(0x200),
                "isomiso6".getBytes(StandardCharsets.US_ASCII));
    }

    static byte[] trak(int trackId, String handler, int timescale, byte[] sampleEntry) {
        byte[] tkhd = fullBox("tkhd", 0, 3, u32(0), u32(0), u32(trackId), new byte[60 + 8]);
        byte[] mdhd = fullBox("mdhd", 0, 0, u32(0), u32(0), u32(timescale), u32(0), u32(0));
        byte[] hdlr = fullBox("hdlr", 0, 0, u32(0), handler.getBytes(StandardCharsets.US_ASCII), new byte[13]);
        byte[] stsd = fullBox("stsd", 0, 0, u32(1), sampleEntry);
        return box("trak", tkhd, box("mdia", mdhd, hdlr, box("minf", box("stbl", stsd))));
    }

    static byte[] visualEntry(String type, int width, int height, byte[] config) {
        return box(type, new byte[6], u16(1), new byte[16], u16(width), u16(height), u32(0x480000),
                u32(0x480000), u32(0), u16(1), new byte[32], u16(0x18), u16(0xFFFF), config);
    }

    static byte[] opusEntry() {
        return box("Opus", new byte[6], u16(1), new byte[8], u16(2), u16(16), u32(0), u32(48000 << 16),
                box("dOps", new byte[] {0, 2, 0x0F, 0, 0, 0, (byte) 0xBB, (byte) 0x80, 0, 0, 0}));
    }

    static byte[] avcC(int profile, int compat, int level) {
        return box("avcC", new byte[] {1, (byte) profile, (byte) compat, (byte) level, (byte) 0xFF, (byte) 0xE0, 0});
    }

    static byte[] trex(int trackId, int defaultFlags) {
        return fullBox("trex", 0, 0, u32(trackId), u32(1), u32(0), u32(0), u32(defaultFlags));
    }

    /** ftyp + moov with H.264 video track 1 (90 kHz) and Opus audio track 2 (48 kHz). */
    static byte[] init() {
        return cat(ftyp(), box("moov",
                trak(1, "vide", 90000, visualEntry("avc1", 640, 360, avcC(0x42, 0xC0, 0x1F))),
                trak(2, "soun", 48000, opusEntry()),
                box("mvex", trex(1, NON_SYNC), trex(2, SYNC))));
    }

    /** A traf with default-base-is-moof and one trun of {@code samples} samples of 100 bytes each. */
    static byte[] traf(int trackId, long decodeTime, int samples, Integer firstSampleFlags) {
        int trunFlags = 0x000001 | 0x000200 | (firstSampleFlags != null ? 0x000004 : 0);
        ByteArrayOutputStream trun = new ByteArrayOutputStream();
        trun.writeBytes(u32(samples));
        trun.writeBytes(u32(0)); // data_offset: these tests never look at sample data
        if (firstSampleFlags != null) {
            trun.writeBytes(u32(firstSampleFlags));
        }
        for (int k = 0; k < samples; k++) {
            trun.writeBytes(u32(100));
        }
        return box("traf", fullBox("tfhd", 0, 0x020000, u32(trackId)), fullBox("tfdt", 1, 0, u64(decodeTime)),
                fullBox("trun", 0, trunFlags, trun.toByteArray()));
    }

    static byte[] moof(int sequence, byte[]... trafs) {
        return box("moof", fullBox("mfhd", 0, 0, u32(sequence)), cat(trafs));
    }

    static byte[] mdat(int bytes) {
        return box("mdat", new byte[bytes]);
    }
}
