package io.wsvideo.relay.server;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A synthetic live WebM stream shaped like Chromium's MediaRecorder output (VP8 + Opus, unknown-size Segment
 * and Clusters, a key frame each second, 30 video and 50 audio blocks a second, chunks of 100 ms at about
 * 2 Mbit/s) for {@link SendPathWarmUp}. Real traffic goes through the segmenter, both views and gathering
 * writes; a warm-up that only passes opaque bytes compiles other code than that, and real traffic then
 * deoptimizes it at the worst time (measured: the first 4-5 s of a 6000-viewer run at 100 % of the core).
 * The payloads are not decodable pictures: the relay never decodes, it parses the container and block headers.
 */
final class WarmUpStream {

    static final int CHUNK_MILLIS = 100;
    private static final int FPS = 30;
    private static final int AUDIO_FRAME_MILLIS = 20;
    private static final int KEY_FRAME_BYTES = 24_000;
    private static final int DELTA_FRAME_BYTES = 7_200;
    private static final int AUDIO_FRAME_BYTES = 160;
    private static final int AUDIO_TRACK = 1;
    private static final int VIDEO_TRACK = 2;

    private WarmUpStream() {
    }

    /** The stream's chunks, as a publisher would send them: the first holds the header, the rest media. */
    static List<byte[]> chunks(int count) {
        List<byte[]> chunks = new ArrayList<>(count + 1);
        chunks.add(header());
        for (int c = 0; c < count; c++) {
            Out out = new Out();
            long from = (long) c * CHUNK_MILLIS;
            for (long t = from; t < from + CHUNK_MILLIS; t++) {
                if (t % 1000 == 0) {
                    out.id(0x1F43B675).unknownSize(); // Cluster
                    out.id(0xE7).uint(t); // Timestamp
                }
                int relative = (int) (t % 1000);
                if (t % AUDIO_FRAME_MILLIS == 0) {
                    out.block(AUDIO_TRACK, relative, true, AUDIO_FRAME_BYTES, 0xFC);
                }
                if (t * FPS % 1000 < FPS) { // the millisecond in which a frame falls due
                    boolean key = t % 1000 == 0;
                    // VP8 frame tag (RFC 6386 9.1): bit 0 is 0 for a key frame; show_frame set.
                    out.block(VIDEO_TRACK, relative, key, key ? KEY_FRAME_BYTES : DELTA_FRAME_BYTES, key ? 0x10 : 0x11);
                }
            }
            chunks.add(out.toByteArray());
        }
        return chunks;
    }

    private static byte[] header() {
        Out ebml = new Out().id(0x4286).uint(1).id(0x42F7).uint(1).id(0x42F2).uint(4).id(0x42F3).uint(8)
                .id(0x4282).string("webm").id(0x4287).uint(4).id(0x4285).uint(2);
        Out info = new Out().id(0x2AD7B1).uint(1_000_000).id(0x4D80).string("wsvideo-warmup")
                .id(0x5741).string("wsvideo-warmup");
        byte[] opusHead = {'O', 'p', 'u', 's', 'H', 'e', 'a', 'd', 1, 2, 0x38, 1, (byte) 0x80, (byte) 0xBB, 0, 0, 0, 0, 0};
        Out audio = new Out().id(0xD7).uint(AUDIO_TRACK).id(0x73C5).uint(AUDIO_TRACK).id(0x83).uint(2)
                .id(0x86).string("A_OPUS").id(0x63A2).bytes(opusHead)
                .id(0xE1).master(new Out().id(0xB5).float64(48_000).id(0x9F).uint(2));
        Out video = new Out().id(0xD7).uint(VIDEO_TRACK).id(0x73C5).uint(VIDEO_TRACK).id(0x83).uint(1)
                .id(0x86).string("V_VP8").id(0xE0).master(new Out().id(0xB0).uint(640).id(0xBA).uint(480));
        Out tracks = new Out().id(0xAE).master(audio).id(0xAE).master(video);
        return new Out().id(0x1A45DFA3).master(ebml).id(0x18538067).unknownSize()
                .id(0x1549A966).master(info).id(0x1654AE6B).master(tracks).toByteArray();
    }

    /** EBML writing (RFC 8794): IDs as their bytes, sizes as 8-byte varints except where short ones fit. */
    private static final class Out extends ByteArrayOutputStream {

        Out id(int id) {
            for (int shift = 24; shift >= 0; shift -= 8) {
                if (id >>> shift != 0) {
                    write(id >>> shift);
                }
            }
            return this;
        }

        Out size(long n) {
            write(0x01);
            for (int shift = 48; shift >= 0; shift -= 8) {
                write((int) (n >>> shift));
            }
            return this;
        }

        Out unknownSize() {
            write(0x01);
            for (int i = 0; i < 7; i++) {
                write(0xFF);
            }
            return this;
        }

        Out uint(long v) {
            size(8);
            for (int shift = 56; shift >= 0; shift -= 8) {
                write((int) (v >>> shift));
            }
            return this;
        }

        Out float64(double v) {
            return uint(Double.doubleToLongBits(v));
        }

        Out string(String s) {
            return bytes(s.getBytes(StandardCharsets.US_ASCII));
        }

        Out bytes(byte[] b) {
            size(b.length);
            write(b, 0, b.length);
            return this;
        }

        Out master(Out body) {
            return bytes(body.toByteArray());
        }

        /** A SimpleBlock: track varint, 16-bit relative timestamp, flags, then a payload led by {@code first}. */
        Out block(int track, int relativeMillis, boolean key, int payloadBytes, int first) {
            id(0xA3).size(4L + payloadBytes);
            write(0x80 | track);
            write(relativeMillis >>> 8);
            write(relativeMillis);
            write(key ? 0x80 : 0x00);
            write(first);
            for (int i = 1; i < payloadBytes; i++) {
                write(i * 31 + relativeMillis);
            }
            return this;
        }
    }
}
