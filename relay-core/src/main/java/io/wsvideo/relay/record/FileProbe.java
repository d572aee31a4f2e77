package io.wsvideo.relay.record;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Reads what a recording file's head says: codecs, whether it has video, its duration if completed. */
final class FileProbe {

    /** @param durationMillis -1 when the head does not say (a file never completed) */
    record Head(List<String> videoCodecs, List<String> audioCodecs, long durationMillis) {
        String codecs() {
            List<String> all = new ArrayList<>(videoCodecs);
            all.addAll(audioCodecs);
            return String.join(",", all);
        }

        boolean hasVideo() {
            return !videoCodecs.isEmpty();
        }
    }

    private FileProbe() {
    }

    static Head webm(byte[] b, int len) {
        List<String> video = new ArrayList<>();
        List<String> audio = new ArrayList<>();
        double duration = -1;
        long scale = Ebml.DEFAULT_TIMESTAMP_SCALE;
        Ebml.Header ebml = Ebml.header(b, 0, len);
        if (ebml == null || ebml.id() != Ebml.EBML || ebml.unknownSize()) {
            return null;
        }
        int p = (int) (ebml.length() + ebml.size());
        Ebml.Header segment = Ebml.header(b, p, len);
        if (segment == null || segment.id() != Ebml.SEGMENT) {
            return null;
        }
        for (p += segment.length(); p < len; ) {
            Ebml.Header c = Ebml.header(b, p, len);
            if (c == null || c.id() == Ebml.CLUSTER || c.unknownSize() || p + c.length() + c.size() > len) {
                break;
            }
            int data = p + c.length();
            int end = (int) (data + c.size());
            if (c.id() == Ebml.INFO) {
                for (int q = data; q < end; ) {
                    Ebml.Header e = Ebml.header(b, q, end);
                    if (e == null || e.unknownSize()) {
                        break;
                    }
                    int ed = q + e.length();
                    if (e.id() == Ebml.TIMESTAMP_SCALE) {
                        scale = Buf.uint(b, ed, (int) Math.min(8, e.size()));
                    } else if (e.id() == Ebml.DURATION && e.size() == 8) {
                        duration = Double.longBitsToDouble(Buf.u64(b, ed));
                    } else if (e.id() == Ebml.DURATION && e.size() == 4) {
                        duration = Float.intBitsToFloat((int) Buf.u32(b, ed));
                    }
                    q = (int) (ed + e.size());
                }
            } else if (c.id() == Ebml.TRACKS) {
                for (int q = data; q < end; ) {
                    Ebml.Header e = Ebml.header(b, q, end);
                    if (e == null || e.unknownSize()) {
                        break;
                    }
                    int ed = q + e.length();
                    int ee = (int) (ed + e.size());
                    if (e.id() == Ebml.TRACK_ENTRY) {
                        long type = 0;
                        String codec = null;
                        for (int r = ed; r < ee; ) {
                            Ebml.Header f = Ebml.header(b, r, ee);
                            if (f == null || f.unknownSize()) {
                                break;
                            }
                            int fd = r + f.length();
                            if (f.id() == Ebml.TRACK_TYPE) {
                                type = Buf.uint(b, fd, (int) Math.min(8, f.size()));
                            } else if (f.id() == Ebml.CODEC_ID) {
                                codec = new String(b, fd, (int) f.size(), StandardCharsets.US_ASCII).trim();
                            }
                            r = (int) (fd + f.size());
                        }
                        if (codec != null && type == Ebml.TRACK_TYPE_VIDEO) {
                            video.add(webmCodec(codec));
                        } else if (codec != null && type == Ebml.TRACK_TYPE_AUDIO) {
                            audio.add(webmCodec(codec));
                        }
                    }
                    q = ee;
                }
            }
            p = end;
        }
        long millis = duration < 0 ? -1 : Math.round(duration * scale / 1_000_000.0);
        return new Head(video, audio, millis);
    }

    private static String webmCodec(String codecId) {
        return switch (codecId) {
            case "V_VP8" -> "vp8";
            case "V_VP9" -> "vp9";
            case "V_AV1" -> "av1";
            case "V_MPEG4/ISO/AVC" -> "h264";
            case "V_MPEGH/ISO/HEVC" -> "h265";
            case "A_OPUS" -> "opus";
            case "A_VORBIS" -> "vorbis";
            case "A_AAC" -> "aac";
            default -> codecId.toLowerCase(Locale.ROOT);
        };
    }

    static Head mp4(byte[] b, int len) {
        List<String> video = new ArrayList<>();
        List<String> audio = new ArrayList<>();
        Boxes.Box moov = Boxes.child(b, 0, len, Boxes.MOOV);
        if (moov == null) {
            return null;
        }
        long timescale = 0;
        long duration = 0;
        Boxes.Box mvhd = Boxes.child(b, moov, Boxes.MVHD);
        if (mvhd != null) {
            int d = mvhd.dataStart();
            boolean v1 = b[d] == 1;
            timescale = Buf.u32(b, d + (v1 ? 20 : 12));
            duration = v1 ? Buf.u64(b, d + 24) : Buf.u32(b, d + 16);
        }
        Boxes.Box mvex = Boxes.child(b, moov, Boxes.MVEX);
        Boxes.Box mehd = mvex == null ? null : Boxes.child(b, mvex, Boxes.MEHD);
        if (mehd != null) {
            int d = mehd.dataStart();
            long fragments = b[d] == 1 ? Buf.u64(b, d + 4) : Buf.u32(b, d + 4);
            duration = Math.max(duration, fragments);
        }
        for (int p = moov.dataStart(); p < moov.end(); ) {
            Boxes.Box trak = Boxes.box(b, p, (int) moov.end());
            if (trak == null || trak.end() > moov.end()) {
                break;
            }
            if (trak.type() == Boxes.TRAK) {
                Boxes.Box mdia = Boxes.child(b, trak, Boxes.MDIA);
                Boxes.Box hdlr = mdia == null ? null : Boxes.child(b, mdia, Boxes.HDLR);
                Boxes.Box minf = mdia == null ? null : Boxes.child(b, mdia, Boxes.MINF);
                Boxes.Box stbl = minf == null ? null : Boxes.child(b, minf, Boxes.STBL);
                Boxes.Box stsd = stbl == null ? null : Boxes.child(b, stbl, Boxes.STSD);
                if (hdlr != null && stsd != null && stsd.dataStart() + 16 <= stsd.end()) {
                    int handler = (int) Buf.u32(b, hdlr.dataStart() + 8);
                    String codec = mp4Codec(Boxes.name((int) Buf.u32(b, stsd.dataStart() + 12)));
                    if (handler == Boxes.VIDE) {
                        video.add(codec);
                    } else if (handler == Boxes.SOUN) {
                        audio.add(codec);
                    }
                }
            }
            p = (int) trak.end();
        }
        long millis = duration > 0 && timescale > 0 ? Math.round(duration * 1000.0 / timescale) : -1;
        return new Head(video, audio, millis);
    }

    private static String mp4Codec(String sampleEntry) {
        return switch (sampleEntry) {
            case "avc1", "avc3" -> "h264";
            case "hvc1", "hev1" -> "h265";
            case "vp08" -> "vp8";
            case "vp09" -> "vp9";
            case "av01" -> "av1";
            case "Opus" -> "opus";
            case "mp4a" -> "aac";
            default -> sampleEntry.trim().toLowerCase(Locale.ROOT);
        };
    }
}
