package io.wsvideo.relay.media.internal;

import static io.wsvideo.relay.media.internal.Mp4.box;
import static io.wsvideo.relay.media.internal.Mp4.cat;
import static io.wsvideo.relay.media.internal.Mp4.fullBox;
import static io.wsvideo.relay.media.internal.Mp4.init;
import static io.wsvideo.relay.media.internal.Mp4.mdat;
import static io.wsvideo.relay.media.internal.Mp4.moof;
import static io.wsvideo.relay.media.internal.Mp4.u32;
import static io.wsvideo.relay.media.internal.Mp4.u64;
import static org.assertj.core.api.Assertions.assertThat;

import io.wsvideo.relay.media.StreamInfo;
import io.wsvideo.relay.media.TrackInfo;
import io.wsvideo.relay.testing.Recording;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class Mp4AudioDurationFixTest {

    private static final String FIXTURE = "mp4-h264-opus";
    private static final String MP4 = "video/mp4;codecs=avc1,opus";

    // ---- the real recording ----

    @Test
    void chromiumEndsEveryFragmentsAudioOneShortSampleBeforeTheNextFragment() {
        // The premise, on the unmodified recording: if this fails, the fixture no longer shows the bug.
        List<Fragment> fragments = Fragment.parse(Recording.load(FIXTURE).bytes());
        assertThat(fragments).hasSize(4);
        for (int k = 0; k + 1 < fragments.size(); k++) {
            Traf audio = fragments.get(k).audio;
            long regular = audio.durations[0];
            long last = audio.durations[audio.durations.length - 1];
            assertThat(regular).as("Opus samples of 60 ms at 48 kHz").isEqualTo(2880);
            assertThat(last).as("fragment %d's last audio sample", k).isLessThan(regular);
            assertThat(fragments.get(k + 1).audio.tfdt - audio.tfdt - audio.sum())
                    .as("gap before fragment %d", k + 1).isEqualTo(regular - last);
        }
    }

    @Test
    void afterTheFixEachFragmentsAudioReachesTheNextFragment() {
        Recording r = Recording.load(FIXTURE);
        byte[] fixed = fixAsRecorded(r);
        List<Fragment> fragments = Fragment.parse(fixed);
        for (int k = 0; k + 1 < fragments.size(); k++) {
            Traf audio = fragments.get(k).audio;
            long span = fragments.get(k + 1).audio.tfdt - audio.tfdt;
            assertThat(Math.abs(audio.sum() - span)).as("fragment %d: audio %d vs span %d", k, audio.sum(), span)
                    .isLessThan(audio.durations[0]);
            assertThat(audio.durations).as("fragment %d", k).containsOnly(2880L);
        }
        // Video is never touched, even though its durations vary.
        List<Fragment> before = Fragment.parse(r.bytes());
        for (int k = 0; k < fragments.size(); k++) {
            assertThat(fragments.get(k).video.durations).isEqualTo(before.get(k).video.durations);
        }
    }

    @Test
    void onlyTheLastAudioDurationOfEachMoofChangesAndNoBoxChangesSize() {
        Recording r = Recording.load(FIXTURE);
        byte[] original = r.bytes();
        byte[] fixed = fixAsRecorded(r);
        List<Integer> allowed = new ArrayList<>();
        for (Fragment f : Fragment.parse(original)) {
            int field = f.audio.durationFields[f.audio.durationFields.length - 1];
            for (int i = 0; i < 4; i++) {
                allowed.add(field + i);
            }
        }
        List<Integer> changed = new ArrayList<>();
        for (int i = 0; i < original.length; i++) {
            if (original[i] != fixed[i]) {
                changed.add(i);
            }
        }
        assertThat(changed).isNotEmpty();
        assertThat(allowed).containsAll(changed);
        assertThat(boxLayout(fixed)).isEqualTo(boxLayout(original));
    }

    @Test
    void theSegmenterSeesExactlyTheSameEvents() {
        Recording r = Recording.load(FIXTURE);
        EventLog before = Feeding.feed(r.mime(), r.bytes());
        EventLog after = Feeding.feed(r.mime(), fixAsRecorded(r));
        Feeding.assertSame(before, after, "after the fix");
        assertThat(after.failure).isNull();
    }

    @Test
    void aBoxSplitAcrossChunksIsLeftAsItIsAtEverySplit() {
        byte[] original = Recording.load(FIXTURE).bytes();
        byte[] fixedWhole = fix(original, new int[0]);
        assertThat(fixedWhole).isNotEqualTo(original);
        List<Fragment> fragments = Fragment.parse(original);
        int moovStart = ByteBuffer.wrap(original).getInt(0); // after the ftyp
        int moovEnd = fragments.get(0).moofStart;
        for (int cut = 1; cut < original.length; cut++) {
            byte[] expected = fixedWhole.clone();
            boolean moovWhole = cut <= moovStart || cut >= moovEnd;
            for (Fragment f : fragments) {
                boolean whole = moovWhole && (cut <= f.moofStart || cut >= f.moofEnd);
                if (!whole) {
                    System.arraycopy(original, f.moofStart, expected, f.moofStart, f.moofEnd - f.moofStart);
                }
            }
            byte[] actual = fix(original, new int[] {cut});
            if (!Arrays.equals(expected, actual)) {
                assertThat(actual).as("split at %d", cut).isEqualTo(expected);
            }
        }
    }

    @Test
    void worksOnWindowsOfLargerBuffersAndLeavesPositionAndLimitAlone() {
        byte[] original = Recording.load(FIXTURE).bytes();
        byte[] expected = fix(original, new int[0]);
        assertThat(expected).isNotEqualTo(original);
        Random random = new Random(7);
        for (int round = 0; round < 200; round++) {
            int[] cuts = Feeding.randomCuts(random, original.length);
            Mp4AudioDurationFix fix = new Mp4AudioDurationFix();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int from = 0;
            for (int k = 0; k <= cuts.length; k++) {
                int to = k < cuts.length ? cuts[k] : original.length;
                byte[] padded = new byte[to - from + 6];
                Arrays.fill(padded, (byte) 0x5A);
                System.arraycopy(original, from, padded, 3, to - from);
                ByteBuffer b = ByteBuffer.wrap(padded).position(3).limit(3 + to - from);
                fix.apply(b);
                assertThat(b.position()).isEqualTo(3);
                assertThat(b.limit()).isEqualTo(3 + to - from);
                assertThat(padded[0]).isEqualTo((byte) 0x5A);
                assertThat(padded[padded.length - 1]).isEqualTo((byte) 0x5A);
                out.write(padded, 3, to - from);
                from = to;
            }
            byte[] actual = out.toByteArray();
            // Whatever was fixed was fixed as in the whole-stream case; nothing else changed.
            for (int i = 0; i < actual.length; i++) {
                if (actual[i] != original[i] && actual[i] != expected[i]) {
                    assertThat(actual[i]).as("round %d, byte %d", round, i).isEqualTo(expected[i]);
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"webm-vp8-opus", "webm-vp9-opus", "webm-av1-opus", "webm-opus-audio", "mkv-h264-opus",
        "firefox-webm-vp8-opus", "firefox-webm-opus-audio"})
    void leavesOtherContainersAlone(String name) {
        Recording r = Recording.load(name);
        assertThat(fix(r.bytes(), new int[0])).isEqualTo(r.bytes());
        assertThat(fixAsRecorded(r)).isEqualTo(r.bytes());
    }

    @Test
    void leavesReadOnlyBuffersAlone() {
        Recording r = Recording.load(FIXTURE);
        Mp4AudioDurationFix fix = new Mp4AudioDurationFix();
        for (ByteBuffer chunk : r.chunks()) {
            assertThat(fix.apply(chunk)).isZero();
        }
    }

    // ---- synthetic streams: when not to rewrite ----

    @Test
    void rewritesOnlyAShorterLastSampleOfARegularAudioTrack() {
        assertThat(fixTraf(2, null, 960, 960, 960, 300)).containsExactly(960, 960, 960, 960);
        assertThat(fixTraf(2, null, 960, 960, 960, 960)).containsExactly(960, 960, 960, 960);
        assertThat(fixTraf(2, null, 960, 960, 960, 1200)).as("longer: kept").containsExactly(960, 960, 960, 1200);
        assertThat(fixTraf(2, null, 960, 1024, 960, 300)).as("majority").containsExactly(960, 1024, 960, 960);
        assertThat(fixTraf(2, null, 960, 1024, 300)).as("no majority: kept").containsExactly(960, 1024, 300);
        assertThat(fixTraf(1, null, 3000, 3000, 3000, 100)).as("video: kept").containsExactly(3000, 3000, 3000, 100);
        assertThat(fixTraf(2, null, 300)).as("one sample, no default").containsExactly(300);
        assertThat(fixTraf(2, 960, 300)).as("one sample, tfhd default").containsExactly(960);
        assertThat(fixTraf(2, 960, 960, 960, 300)).containsExactly(960, 960, 960);
    }

    @Test
    void oneJitteredSampleDoesNotHideTheTypicalDuration() {
        // As recorded live on a busy machine: one 70 ms Opus sample among 60 ms ones, then the short last one.
        long[] durations = new long[17];
        Arrays.fill(durations, 2880);
        durations[7] = 3360;
        durations[16] = 1008;
        long[] after = fixTraf(2, null, durations);
        assertThat(after[16]).isEqualTo(2880);
        assertThat(Arrays.copyOf(after, 16)).isEqualTo(Arrays.copyOf(durations, 16));
    }

    @Test
    void aRunWithoutPerSampleDurationsCountsAsRegular() {
        // Two truns: the first uses the tfhd default (1024), the second ends with a short sample.
        byte[] trunDefault = fullBox("trun", 0, 0x000200, u32(3), u32(10), u32(10), u32(10));
        byte[] trunExplicit = fullBox("trun", 0, 0x000300, u32(2), u32(1024), u32(10), u32(500), u32(10));
        byte[] traf = box("traf", fullBox("tfhd", 0, 0x020008, u32(2), u32(1024)), fullBox("tfdt", 1, 0, u64(0)),
                trunDefault, trunExplicit);
        byte[] stream = cat(init(), moof(1, traf), mdat(50));
        ByteBuffer b = ByteBuffer.wrap(stream.clone());
        assertThat(new Mp4AudioDurationFix().apply(b)).isEqualTo(1);
        int field = stream.length - mdat(50).length - 8; // the last sample's duration, then its size
        assertThat(b.getInt(field)).isEqualTo(1024);
    }

    @Test
    void neverThrowsOnCorruptMoofs() {
        byte[] original = Recording.load(FIXTURE).bytes();
        int moovEnd = Fragment.parse(original).get(0).moofStart;
        Random random = new Random(11);
        for (int round = 0; round < 3000; round++) {
            byte[] b = original.clone();
            for (int k = 0; k < 1 + random.nextInt(4); k++) {
                b[moovEnd + random.nextInt(b.length - moovEnd)] = (byte) random.nextInt();
            }
            Mp4AudioDurationFix fix = new Mp4AudioDurationFix();
            fix.apply(ByteBuffer.wrap(b, 0, moovEnd).slice());
            fix.apply(ByteBuffer.wrap(b, moovEnd, b.length - moovEnd).slice());
        }
    }

    // ---- helpers ----

    /** Rewrites a copy of {@code bytes} fed in pieces cut at {@code cuts}. */
    private static byte[] fix(byte[] bytes, int[] cuts) {
        byte[] b = bytes.clone();
        Mp4AudioDurationFix fix = new Mp4AudioDurationFix();
        int from = 0;
        for (int k = 0; k <= cuts.length; k++) {
            int to = k < cuts.length ? cuts[k] : b.length;
            fix.apply(ByteBuffer.wrap(b, from, to - from));
            from = to;
        }
        return b;
    }

    /** Rewrites a copy of the recording fed in its recorded chunks, as the hub does. */
    private static byte[] fixAsRecorded(Recording r) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Mp4AudioDurationFix fix = new Mp4AudioDurationFix();
        int rewritten = 0;
        for (ByteBuffer chunk : r.chunks()) {
            ByteBuffer copy = ByteBuffer.allocate(chunk.remaining()).put(chunk).flip();
            rewritten += fix.apply(copy);
            out.write(copy.array(), 0, copy.limit());
        }
        if (r.name().equals(FIXTURE)) {
            assertThat(rewritten).as("one per moof").isEqualTo(4);
        }
        return out.toByteArray();
    }

    /** Feeds init + one moof with a traf for {@code track} (1 video, 2 audio) and returns its durations after. */
    private static long[] fixTraf(int track, Integer tfhdDefault, long... durations) {
        ByteArrayOutputStream trun = new ByteArrayOutputStream();
        trun.writeBytes(u32(durations.length));
        for (long d : durations) {
            trun.writeBytes(u32(d));
            trun.writeBytes(u32(10));
        }
        byte[] tfhd = tfhdDefault == null ? fullBox("tfhd", 0, 0x020000, u32(track))
                : fullBox("tfhd", 0, 0x020008, u32(track), u32(tfhdDefault));
        byte[] traf = box("traf", tfhd, fullBox("tfdt", 1, 0, u64(0)), fullBox("trun", 0, 0x000300, trun.toByteArray()));
        byte[] stream = cat(init(), moof(1, traf), mdat(10 * durations.length));
        ByteBuffer b = ByteBuffer.wrap(stream);
        new Mp4AudioDurationFix().apply(b);
        assertThat(Feeding.feed(MP4, stream).failure).isNull();
        return Fragment.parse(stream).get(0).trafs.get(0).durations;
    }

    /** Offset, size and type of every top-level box, and of every box inside each moof and traf. */
    private static List<String> boxLayout(byte[] b) {
        List<String> out = new ArrayList<>();
        boxLayout(ByteBuffer.wrap(b), 0, b.length, "", out);
        return out;
    }

    private static void boxLayout(ByteBuffer b, int from, int to, String indent, List<String> out) {
        for (int p = from; p < to; p += b.getInt(p)) {
            int type = b.getInt(p + 4);
            out.add(indent + p + " " + b.getInt(p) + " " + Malformed.fourcc(type));
            if (type == Mp4Box.MOOF || type == Mp4Box.TRAF) {
                boxLayout(b, p + 8, p + b.getInt(p), indent + "  ", out);
            }
        }
    }

    /** One moof of a test stream, read independently of the class under test (8-byte headers only). */
    private static final class Fragment {
        int moofStart;
        int moofEnd;
        final List<Traf> trafs = new ArrayList<>();
        Traf audio;
        Traf video;

        static List<Fragment> parse(byte[] b) {
            StreamInfo info = Feeding.feed(null, b).info;
            List<Fragment> out = new ArrayList<>();
            ByteBuffer buf = ByteBuffer.wrap(b);
            for (int p = 0; p < b.length; p += buf.getInt(p)) {
                if (buf.getInt(p + 4) != Mp4Box.MOOF) {
                    continue;
                }
                Fragment f = new Fragment();
                f.moofStart = p;
                f.moofEnd = p + buf.getInt(p);
                for (int q = p + 8; q < f.moofEnd; q += buf.getInt(q)) {
                    if (buf.getInt(q + 4) == Mp4Box.TRAF) {
                        Traf t = Traf.parse(buf, q + 8, q + buf.getInt(q));
                        f.trafs.add(t);
                        TrackInfo.Kind kind = info.tracks().stream().filter(x -> x.number() == t.trackId)
                                .findFirst().orElseThrow().kind();
                        if (kind == TrackInfo.Kind.AUDIO) {
                            f.audio = t;
                        } else if (kind == TrackInfo.Kind.VIDEO) {
                            f.video = t;
                        }
                    }
                }
                out.add(f);
            }
            return out;
        }
    }

    private static final class Traf {
        int trackId;
        long tfdt;
        long[] durations = new long[0];
        int[] durationFields = new int[0];

        long sum() {
            return Arrays.stream(durations).sum();
        }

        static Traf parse(ByteBuffer b, int from, int to) {
            Traf t = new Traf();
            long defaultDuration = -1;
            for (int p = from; p < to; p += b.getInt(p)) {
                int type = b.getInt(p + 4);
                int body = p + 8;
                if (type == Mp4Box.TFHD) {
                    int flags = b.getInt(body) & 0xFFFFFF;
                    t.trackId = b.getInt(body + 4);
                    int at = body + 8 + ((flags & 1) != 0 ? 8 : 0) + ((flags & 2) != 0 ? 4 : 0);
                    defaultDuration = (flags & 8) != 0 ? b.getInt(at) & 0xFFFFFFFFL : -1;
                } else if (type == Mp4Box.TFDT) {
                    t.tfdt = b.get(body) == 1 ? b.getLong(body + 4) : b.getInt(body + 4) & 0xFFFFFFFFL;
                } else if (type == Mp4Box.TRUN) {
                    int flags = b.getInt(body) & 0xFFFFFF;
                    int count = b.getInt(body + 4);
                    int at = body + 8 + ((flags & 1) != 0 ? 4 : 0) + ((flags & 4) != 0 ? 4 : 0);
                    int record = 4 * Integer.bitCount(flags & 0xF00);
                    int n = t.durations.length;
                    t.durations = Arrays.copyOf(t.durations, n + count);
                    t.durationFields = Arrays.copyOf(t.durationFields, n + count);
                    for (int s = 0; s < count; s++, at += record) {
                        boolean own = (flags & 0x100) != 0;
                        t.durations[n + s] = own ? b.getInt(at) & 0xFFFFFFFFL : defaultDuration;
                        t.durationFields[n + s] = own ? at : -1;
                    }
                }
            }
            return t;
        }
    }
}
