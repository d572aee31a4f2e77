package io.wsvideo.relay.media.internal;

import static io.wsvideo.relay.media.internal.Ebml.*;
import static io.wsvideo.relay.media.internal.WebmSegmenter.*;

import java.io.ByteArrayOutputStream;
import java.util.Random;

/**
 * Valid streams made up from a seed, for the fuzz properties: shapes MediaRecorder never writes but the
 * specifications allow (known- and unknown-size Clusters, BlockGroups, Void and unknown elements, several
 * tracks, large timestamps, largesize boxes, several trafs per moof).
 */
final class SyntheticStreams {

    private SyntheticStreams() {
    }

    /** A valid WebM stream: init segment, then 1 to 12 Clusters. */
    static byte[] webm(Random r) {
        int tracks = 1 + r.nextInt(3);
        byte[][] entries = new byte[tracks][];
        boolean video = r.nextBoolean();
        for (int t = 0; t < tracks; t++) {
            boolean isVideo = video && t == 0;
            entries[t] = track(t + 1, isVideo ? TRACK_TYPE_VIDEO : TRACK_TYPE_AUDIO, isVideo
                    ? (r.nextBoolean() ? "V_VP8" : "V_VP9") : "A_OPUS", isVideo ? video(320, 240) : new byte[0]);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(header());
        out.writeBytes(id(SEGMENT));
        out.writeBytes(UNKNOWN_SIZE);
        if (r.nextBoolean()) {
            out.writeBytes(element(VOID, new byte[r.nextInt(20)]));
        }
        out.writeBytes(element(INFO, uint(TIMESTAMP_SCALE, 1_000_000)));
        out.writeBytes(element(TRACKS, entries));
        int clusters = 1 + r.nextInt(12);
        long time = r.nextInt(4) == 0 ? r.nextInt(Integer.MAX_VALUE) : 0;
        for (int c = 0; c < clusters; c++) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            body.writeBytes(uint(TIMESTAMP, time));
            int blocks = r.nextInt(10);
            for (int b = 0; b < blocks; b++) {
                int track = 1 + r.nextInt(tracks);
                int relative = r.nextInt(30_000);
                int payload = r.nextInt(4) == 0 ? r.nextInt(5000) : r.nextInt(100);
                switch (r.nextInt(6)) {
                    case 0 -> body.writeBytes(blockGroup(track, relative, r.nextBoolean(), payload));
                    case 1 -> body.writeBytes(element(VOID, new byte[r.nextInt(50)]));
                    case 2 -> body.writeBytes(element(0x4DBB + r.nextInt(3), new byte[r.nextInt(30)])); // unknown
                    default -> body.writeBytes(simpleBlock(track, relative, r.nextInt(3) == 0, payload));
                }
            }
            byte[] children = body.toByteArray();
            out.writeBytes(r.nextBoolean() ? unknownSize(CLUSTER, children) : element(CLUSTER, children));
            time += 1 + r.nextInt(5000);
        }
        return out.toByteArray();
    }

    /** A valid fragmented MP4 stream: ftyp, moov, then 1 to 8 moof+mdat pairs. */
    static byte[] mp4(Random r) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(Mp4.init());
        if (r.nextBoolean()) {
            out.writeBytes(Mp4.box("free", new byte[r.nextInt(40)]));
        }
        int fragments = 1 + r.nextInt(8);
        long time = 0;
        for (int f = 0; f < fragments; f++) {
            int video = 1 + r.nextInt(8);
            byte[] moof = r.nextBoolean()
                    ? Mp4.moof(f + 1, Mp4.traf(1, time, video, r.nextBoolean() ? Mp4.SYNC : Mp4.NON_SYNC))
                    : Mp4.moof(f + 1, Mp4.traf(1, time, video, null), Mp4.traf(2, time * 48 / 90, 1 + r.nextInt(8),
                            Mp4.SYNC));
            out.writeBytes(moof);
            // Samples are 100 bytes each from the moof's start: the mdat holds at least the 8 a traf may have.
            int mdat = 800 + r.nextInt(2200);
            if (r.nextInt(5) == 0) {
                out.writeBytes(Mp4.cat(Mp4.u32(1), "mdat".getBytes(), Mp4.u64(16 + mdat), new byte[mdat]));
            } else {
                out.writeBytes(Mp4.mdat(mdat));
            }
            time += 1 + r.nextInt(180_000);
        }
        return out.toByteArray();
    }
}
