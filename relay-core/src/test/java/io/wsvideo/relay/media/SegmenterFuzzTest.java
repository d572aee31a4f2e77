package io.wsvideo.relay.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.wsvideo.relay.testing.Recording;
import io.wsvideo.relay.testing.RetainedSize;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.constraints.Size;

/**
 * Property-based fuzzing of the {@link Segmenter} (issue 8). Every property feeds a stream in a random split
 * and checks the parser's contract:
 *
 * <ul>
 *   <li>the only failure is {@link MalformedStreamException} with close code 1003 or 1007 and a printable
 *       ASCII reason of 1 to 100 characters; any other exception fails the property;</li>
 *   <li>after a failure every later {@code feed} throws that same exception;</li>
 *   <li>the events are the same however the stream is split (and so is the failure, offset included);</li>
 *   <li>events are sane: one init segment first, segment starts strictly ascending, every random access
 *       point is the segment that just started, no offset beyond the bytes fed;</li>
 *   <li>what the segmenter retains stays within a bound derived from {@link SegmenterLimits}
 *       ({@link RetainedSize}), whatever it was fed.</li>
 * </ul>
 *
 * The number of tries per property is {@code jqwik.tries.default}, set by the {@code fuzz.tries} Maven
 * property in {@code relay-core/pom.xml}: 1,000 in the ordinary build (7 properties, 7,000 cases), and
 * {@code mvn -pl relay-core test -Pfuzz} runs 1,000,000 (see {@code docs/reliability.md}).
 */
class SegmenterFuzzTest {

    /** Small limits, so that fuzzing reaches them often; the bound on retained memory is derived from them. */
    static final SegmenterLimits LIMITS = new SegmenterLimits(1 << 20, 64 << 10, 8);

    private static final Map<String, Recording> RECORDINGS = new ConcurrentHashMap<>();

    static Recording recording(String name) {
        return RECORDINGS.computeIfAbsent(name, Recording::load);
    }

    /** A stream and the MIME type its publisher claims. */
    record Source(String label, String mime, byte[] bytes) {
        @Override
        public String toString() {
            return label + " (" + bytes.length + " bytes, mime " + mime + ")";
        }
    }

    // ---------------------------------------------------------------------------------------------------
    // Properties

    /** Real recordings and synthetic valid streams parse without failure however they are split or cut. */
    @Property
    void validStreamsGiveTheSameEventsInAnySplitAndTruncatedOnesAPrefixOfThem(
            @ForAll("validSources") Source source, @ForAll long splitSeed, @ForAll @IntRange(max = 1000) int cutPermille) {
        EventLog whole = check(source.mime, LIMITS, source.bytes, null);
        assertThat(whole.failure).as("a valid stream must not fail: %s", whole.failure).isNull();
        EventLog split = check(source.mime, LIMITS, source.bytes, new Random(splitSeed));
        Feeding.assertSame(whole, split, "random split");

        int cut = (int) ((long) source.bytes.length * cutPermille / 1000);
        EventLog prefix = check(source.mime, LIMITS, Arrays.copyOf(source.bytes, cut), new Random(splitSeed + 1));
        assertThat(prefix.failure).isNull();
        List<String> all = whole.lines();
        List<String> some = prefix.lines();
        assertThat(all.subList(0, Math.min(all.size(), some.size()))).as("events of a truncated stream")
                .isEqualTo(some);
    }

    /** Bit flips, overwrites, insertions, deletions, duplications and absurd sizes in real and synthetic streams. */
    @Property
    void mutatedStreamsFailOnlyWithTheDocumentedClose(@ForAll("anySources") Source source,
            @ForAll("mutations") List<Mutation> mutations, @ForAll long splitSeed) {
        byte[] bytes = source.bytes;
        for (Mutation m : mutations) {
            bytes = m.apply(bytes);
        }
        EventLog whole = check(source.mime, LIMITS, bytes, null);
        EventLog split = check(source.mime, LIMITS, bytes, new Random(splitSeed));
        Feeding.assertSame(whole, split, "random split of the mutated stream");
    }

    /** An element or box of any declared size, at any place after a valid init segment. */
    @Property
    void absurdSizesAreRefusedOrStreamedWithinTheLimits(@ForAll boolean mp4, @ForAll long seed,
            @ForAll("ebmlSizes") byte[] ebmlSize, @ForAll("boxSizes") byte[] boxSize, @ForAll("elementIds") int id,
            @ForAll @IntRange(max = 4096) int payload) {
        Random r = new Random(seed);
        byte[] valid = mp4 ? SyntheticStreams.mp4(r) : SyntheticStreams.webm(r);
        byte[] head;
        if (mp4) {
            head = Mp4.cat(Arrays.copyOf(boxSize, 4), Mp4.u32(id), Arrays.copyOfRange(boxSize, 4, boxSize.length));
        } else {
            head = Ebml.cat(ebmlId(id), ebmlSize);
        }
        int at = r.nextInt(valid.length + 1);
        byte[] junk = new byte[payload];
        r.nextBytes(junk);
        byte[] bytes = Ebml.cat(Arrays.copyOf(valid, at), head, junk, Arrays.copyOfRange(valid, at, valid.length));
        check(mp4 ? "video/mp4" : "video/webm", LIMITS, bytes, r);
    }

    /** A well-formed EBML ID (1 to 4 bytes, length marker included) from any int. */
    private static byte[] ebmlId(int id) {
        int n = 1 + Math.floorMod(id >>> 28, 4);
        byte[] b = new byte[n];
        for (int k = 0; k < n; k++) {
            b[k] = (byte) (id >>> (8 * k));
        }
        b[0] = (byte) (b[0] & (0xFF >>> n) | (0x80 >>> (n - 1)));
        if (n == 1 && (b[0] & 0x7F) == 0x7F) {
            b[0] = (byte) 0xEC; // 0xFF is reserved; use Void
        }
        return b;
    }

    /** Masters and boxes nested up to 64 deep, under a nesting limit of 1 to 12. */
    @Property
    void deepNestingIsRefusedAtTheLimit(@ForAll boolean mp4, @ForAll @IntRange(min = 1, max = 64) int depth,
            @ForAll @IntRange(min = 1, max = 12) int limit, @ForAll boolean unknownSizes, @ForAll long seed) {
        Random r = new Random(seed);
        SegmenterLimits limits = new SegmenterLimits(1 << 20, 64 << 10, limit);
        byte[] bytes;
        if (mp4) {
            String[] types = {"moov", "trak", "mdia", "minf", "stbl", "stsd", "avc1", "moof", "traf", "free", "uuid"};
            byte[] inner = Mp4.box("avcC", new byte[] {1, 0x42, 0, 0x1F});
            for (int d = 0; d < depth; d++) {
                String t = types[r.nextInt(types.length)];
                inner = t.equals("uuid") ? Mp4.box(t, new byte[16], inner) : Mp4.box(t, inner);
            }
            bytes = Mp4.cat(Mp4.ftyp(), inner, Mp4.box("moov"), Mp4.moof(1));
        } else {
            int[] masters = {WebmSegmenter.SEGMENT, WebmSegmenter.CLUSTER, WebmSegmenter.INFO, WebmSegmenter.TRACKS,
                    WebmSegmenter.TRACK_ENTRY, WebmSegmenter.VIDEO, WebmSegmenter.BLOCK_GROUP, 0x4DBB};
            // Half the time the outermost levels are a chain the parser descends into.
            int[][] chains = {{WebmSegmenter.SEGMENT, WebmSegmenter.TRACKS, WebmSegmenter.TRACK_ENTRY,
                    WebmSegmenter.VIDEO}, {WebmSegmenter.SEGMENT, WebmSegmenter.CLUSTER, WebmSegmenter.BLOCK_GROUP}};
            int[] chain = chains[r.nextInt(chains.length)];
            boolean chained = r.nextBoolean();
            byte[] inner = Ebml.uint(WebmSegmenter.TRACK_NUMBER, 1);
            for (int d = 0; d < depth; d++) {
                int level = depth - 1 - d;
                int id = chained && level < chain.length ? chain[level] : masters[r.nextInt(masters.length)];
                inner = unknownSizes && r.nextBoolean() && id != 0x4DBB ? Ebml.unknownSize(id, inner)
                        : Ebml.element(id, inner);
            }
            bytes = Ebml.cat(Ebml.header(), inner);
        }
        EventLog log = check(mp4 ? "video/mp4" : "video/webm", limits, bytes, r);
        if (log.failure != null && log.failure.getMessage().contains("nested deeper")) {
            assertThat(log.failure.getMessage()).contains("than " + limit + " levels");
        }
    }

    /** Random bytes after a valid start: magic only, EBML header, ftyp, or a whole init segment. */
    @Property
    void randomBytesAfterAValidHeader(@ForAll("headers") Source header,
            @ForAll @IntRange(max = 65536) int length, @ForAll long seed) {
        Random r = new Random(seed);
        byte[] junk = new byte[length];
        r.nextBytes(junk);
        check(header.mime, LIMITS, Ebml.cat(header.bytes, junk), r);
    }

    /** Any bytes at all, with any MIME type claim (including none, lies and non-ASCII). */
    @Property
    void arbitraryBytesWithAnyMimeType(@ForAll("mimes") String mime, @ForAll @Size(max = 2048) byte[] bytes,
            @ForAll long seed) {
        check(mime, LIMITS, bytes, new Random(seed));
    }

    /**
     * The in-place MP4 audio repair sees every chunk before the segmenter, malformed or not: it must never
     * throw, move a buffer's position or limit, or write outside them; and the segmenter's contract holds on
     * what it leaves.
     */
    @Property
    void mp4AudioRepairNeverThrowsOnMutatedStreams(@ForAll("mp4Sources") Source source,
            @ForAll("fewMutations") List<Mutation> mutations, @ForAll long splitSeed) {
        byte[] bytes = source.bytes;
        for (Mutation m : mutations) {
            bytes = m.apply(bytes);
        }
        Random r = new Random(splitSeed);
        int[] cuts = Feeding.randomCuts(r, bytes.length);
        Mp4AudioDurationFix fix = new Mp4AudioDurationFix();
        byte[] repaired = new byte[bytes.length];
        int from = 0;
        for (int k = 0; k <= cuts.length; k++) {
            int to = k < cuts.length ? cuts[k] : bytes.length;
            if (to <= from) {
                continue;
            }
            // The piece sits between guard bytes, which must survive.
            byte[] padded = new byte[to - from + 8];
            Arrays.fill(padded, (byte) 0x5A);
            System.arraycopy(bytes, from, padded, 4, to - from);
            ByteBuffer b = ByteBuffer.wrap(padded, 4, to - from);
            int rewritten = fix.apply(b);
            assertThat(rewritten).isNotNegative();
            assertThat(b.position()).isEqualTo(4);
            assertThat(b.limit()).isEqualTo(4 + to - from);
            for (int g = 0; g < 4; g++) {
                assertThat(padded[g]).isEqualTo((byte) 0x5A);
                assertThat(padded[padded.length - 1 - g]).isEqualTo((byte) 0x5A);
            }
            System.arraycopy(padded, 4, repaired, from, to - from);
            from = to;
        }
        check(source.mime, LIMITS, repaired, r);
    }

    // ---------------------------------------------------------------------------------------------------
    // The contract

    /**
     * Feeds {@code bytes} whole ({@code split == null}) or in a random split (half the time through pieces
     * in the middle of larger buffers) and checks everything but split invariance.
     */
    static EventLog check(String mime, SegmenterLimits limits, byte[] bytes, Random split) {
        EventLog log = new EventLog();
        Segmenter s = Segmenter.create(mime, limits, log);
        int[] cuts = split == null ? new int[0] : Feeding.randomCuts(split, bytes.length);
        boolean poison = split != null && split.nextBoolean();
        int from = 0;
        long fed = 0;
        try {
            for (int k = 0; k <= cuts.length; k++) {
                int to = k < cuts.length ? cuts[k] : bytes.length;
                if (to <= from) {
                    continue;
                }
                ByteBuffer b;
                if (poison) {
                    byte[] padded = new byte[to - from + 6];
                    Arrays.fill(padded, (byte) 0xA5);
                    System.arraycopy(bytes, from, padded, 3, to - from);
                    b = ByteBuffer.wrap(padded, 3, to - from).asReadOnlyBuffer();
                } else {
                    b = ByteBuffer.wrap(bytes, from, to - from);
                }
                int position = b.position();
                int limit = b.limit();
                fed += to - from;
                s.feed(b);
                assertThat(b.position()).as("feed moved the position").isEqualTo(position);
                assertThat(b.limit()).as("feed moved the limit").isEqualTo(limit);
                from = to;
            }
        } catch (MalformedStreamException e) {
            log.failure = e;
            assertThat(e.closeCode()).as("close code of %s", e.getMessage()).isIn(1003, 1007);
            assertThat(e.getMessage()).as("close reason").matches("[\\x20-\\x7E]{1,100}");
            try {
                s.feed(ByteBuffer.wrap(new byte[] {0x1A, 0x45}));
                fail("a failed segmenter accepted more bytes");
            } catch (MalformedStreamException again) {
                assertThat(again).isSameAs(e);
            }
        }
        if (log.failure == null) {
            assertThat(s.bytesFed()).isEqualTo(bytes.length);
        }
        Statistics.label("outcome").collect(outcome(log));
        assertSaneEvents(log, fed);
        long retained = RetainedSize.of(s, o -> o instanceof SegmentListener && !(o instanceof ContainerParser));
        assertThat(retained).as("bytes the segmenter retains").isLessThanOrEqualTo(retainedBound(limits));
        return log;
    }

    /** The failure's kind with offsets and numbers left out, for the statistics jqwik reports. */
    static String outcome(EventLog log) {
        if (log.failure == null) {
            return log.info == null ? "ok, no init yet" : log.info.passthrough() ? "ok, passthrough" : "ok";
        }
        return log.failure.closeCode() + " " + log.failure.getMessage().replaceAll("'[^']*'|0x[0-9A-F]+|-?\\d+", "#");
    }

    /**
     * What a segmenter may keep: a held box or element (one init segment's worth), the leaf buffer, the
     * CodecPrivate copies and track descriptions (all inside one init segment) and a few KiB of its own.
     */
    static long retainedBound(SegmenterLimits limits) {
        return 4L * limits.maxInitSegmentBytes() + (64 << 10);
    }

    private static void assertSaneEvents(EventLog log, long fed) {
        List<String> lines = log.lines();
        int inits = 0;
        long lastSegment = -1;
        for (int i = 0; i < lines.size(); i++) {
            String[] f = lines.get(i).split(" ");
            switch (f[0]) {
                case "init" -> {
                    assertThat(i).as("init is the first event").isZero();
                    assertThat(Long.parseLong(f[1])).isBetween(0L, fed);
                    inits++;
                }
                case "track" -> assertThat(inits).isOne();
                case "segment" -> {
                    long at = Long.parseLong(f[1]);
                    assertThat(inits).as("segment before init").isOne();
                    assertThat(at).as("segment starts ascend").isGreaterThan(lastSegment).isLessThan(fed);
                    lastSegment = at;
                }
                case "rap" -> assertThat(Long.parseLong(f[1])).as("rap is the current segment").isEqualTo(lastSegment);
                case "block" -> assertThat(inits).isOne();
                case "error" -> assertThat(i).isEqualTo(lines.size() - 1);
                default -> fail("unexpected event " + lines.get(i));
            }
        }
        assertThat(log.initCalls).isLessThanOrEqualTo(1);
    }

    // ---------------------------------------------------------------------------------------------------
    // Generators

    @Provide
    Arbitrary<Source> validSources() {
        return Arbitraries.oneOf(recordings(), syntheticWebm(), syntheticMp4());
    }

    @Provide
    Arbitrary<Source> anySources() {
        return Arbitraries.oneOf(recordings(), recordings(), syntheticWebm(), syntheticMp4(),
                Combinators.combine(recordings(), mimes()).as((s, m) -> new Source(s.label + " claimed " + m, m,
                        s.bytes)));
    }

    @Provide
    Arbitrary<Source> mp4Sources() {
        return Arbitraries.oneOf(Arbitraries.just(fixture("mp4-h264-opus")), syntheticMp4());
    }

    private static Arbitrary<Source> recordings() {
        return Arbitraries.of(Recording.all()).map(SegmenterFuzzTest::fixture);
    }

    static Source fixture(String name) {
        Recording r = recording(name);
        return new Source(name, r.mime(), r.bytes());
    }

    private static Arbitrary<Source> syntheticWebm() {
        return Arbitraries.longs().map(seed -> new Source("synthetic webm " + seed, "video/webm",
                SyntheticStreams.webm(new Random(seed))));
    }

    private static Arbitrary<Source> syntheticMp4() {
        return Arbitraries.longs().map(seed -> new Source("synthetic mp4 " + seed, "video/mp4",
                SyntheticStreams.mp4(new Random(seed))));
    }

    @Provide
    Arbitrary<Source> headers() {
        Recording webm = recording("webm-vp8-opus");
        Recording mp4 = recording("mp4-h264-opus");
        byte[] webmInit = Arrays.copyOf(webm.bytes(), initLength(webm));
        byte[] mp4Init = Arrays.copyOf(mp4.bytes(), initLength(mp4));
        return Arbitraries.of(
                new Source("EBML magic", "video/webm", new byte[] {0x1A, 0x45, (byte) 0xDF, (byte) 0xA3}),
                new Source("EBML header", null, Ebml.header()),
                new Source("EBML header, Segment", "video/webm", Ebml.cat(Ebml.header(),
                        Ebml.id(WebmSegmenter.SEGMENT), Ebml.UNKNOWN_SIZE)),
                new Source("webm init", webm.mime(), webmInit),
                new Source("webm init, Cluster", webm.mime(), Ebml.cat(webmInit,
                        Ebml.id(WebmSegmenter.CLUSTER), Ebml.UNKNOWN_SIZE)),
                new Source("synthetic init", "video/webm", Ebml.vp8OpusInit()),
                new Source("ftyp", "video/mp4", Mp4.ftyp()),
                new Source("mp4 init", mp4.mime(), mp4Init),
                new Source("synthetic mp4 init", null, Mp4.init()));
    }

    private static int initLength(Recording r) {
        EventLog log = Feeding.feed(r.mime(), r.bytes());
        return Integer.parseInt(log.lines().get(0).split(" ")[1]);
    }

    @Provide
    Arbitrary<String> mimes() {
        return Arbitraries.oneOf(
                Arbitraries.of("video/webm;codecs=vp8,opus", "video/webm", "audio/webm;codecs=opus",
                        "video/x-matroska;codecs=avc1,opus", "video/mp4;codecs=avc1,opus", "video/mp4", "audio/ogg",
                        "application/octet-stream", "", ";", "/", "video/", "vidéo/webm\u0000\u202e", "mp4", "webm"),
                Arbitraries.strings().ofMaxLength(200),
                Arbitraries.just(null));
    }

    @Provide
    Arbitrary<byte[]> ebmlSizes() {
        Arbitrary<byte[]> any = Combinators.combine(Arbitraries.integers().between(1, 8), Arbitraries.longs())
                .as((n, v) -> {
                    byte[] b = new byte[n];
                    for (int k = 0; k < n; k++) {
                        b[k] = (byte) (v >>> (8 * k));
                    }
                    b[0] = (byte) (b[0] & (0xFF >>> n) | (0x80 >>> (n - 1)));
                    return b;
                });
        return Arbitraries.oneOf(any, any,
                Arbitraries.of(Ebml.UNKNOWN_SIZE, new byte[] {(byte) 0xFF}, new byte[] {0x40, 0x00},
                        Ebml.size(LIMITS.maxElementBytes()), Ebml.size(LIMITS.maxElementBytes() + 1L),
                        Ebml.size(LIMITS.maxInitSegmentBytes()), Ebml.size((1L << 56) - 2),
                        new byte[] {0x08, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF},
                        new byte[] {0x00, 0x00}));
    }

    @Provide
    Arbitrary<byte[]> boxSizes() {
        Arbitrary<byte[]> u32 = Arbitraries.longs().between(0, 0xFFFFFFFFL).map(Mp4::u32);
        Arbitrary<byte[]> small = Arbitraries.longs().between(0, 9000).map(Mp4::u32);
        Arbitrary<byte[]> large = Arbitraries.longs().map(v -> Mp4.cat(Mp4.u32(1), Mp4.u64(v)));
        Arbitrary<byte[]> largeSmall = Arbitraries.longs().between(0, 9000).map(v -> Mp4.cat(Mp4.u32(1), Mp4.u64(v)));
        return Arbitraries.oneOf(u32, small, large, largeSmall,
                Arbitraries.of(Mp4.u32(0), Mp4.u32(LIMITS.maxElementBytes()), Mp4.u32(LIMITS.maxElementBytes() + 1L),
                        Mp4.u32(LIMITS.maxInitSegmentBytes() + 1L), Mp4.cat(Mp4.u32(1), Mp4.u64(Long.MIN_VALUE)),
                        Mp4.cat(Mp4.u32(1), Mp4.u64(-1)), Mp4.cat(Mp4.u32(1), Mp4.u64(0))));
    }

    @Provide
    Arbitrary<Integer> elementIds() {
        return Arbitraries.oneOf(
                Arbitraries.of(WebmSegmenter.SEGMENT, WebmSegmenter.CLUSTER, WebmSegmenter.TRACKS,
                        WebmSegmenter.TRACK_ENTRY, WebmSegmenter.CODEC_PRIVATE, WebmSegmenter.CODEC_ID,
                        WebmSegmenter.SIMPLE_BLOCK, WebmSegmenter.BLOCK_GROUP, WebmSegmenter.BLOCK,
                        WebmSegmenter.TIMESTAMP, WebmSegmenter.VOID, WebmSegmenter.EBML, 0x4DBB),
                Arbitraries.of("moov", "moof", "mdat", "trak", "traf", "trun", "free", "uuid", "ftyp")
                        .map(Mp4Segmenter::type),
                Arbitraries.integers());
    }

    @Provide
    Arbitrary<List<Mutation>> mutations() {
        return mutation().list().ofMinSize(1).ofMaxSize(8);
    }

    @Provide
    Arbitrary<List<Mutation>> fewMutations() {
        return mutation().list().ofMaxSize(6);
    }

    private static Arbitrary<Mutation> mutation() {
        // Half the mutations land in the first KiB, where the headers that matter most are.
        Arbitrary<Integer> where = Arbitraries.frequencyOf(
                Tuple.of(1, Arbitraries.integers().between(0, 1023).withDistribution(RandomDistribution.uniform())),
                Tuple.of(1, Arbitraries.integers().greaterOrEqual(0).withDistribution(RandomDistribution.uniform())))
                .withoutEdgeCases();
        return Combinators.combine(Arbitraries.of(Mutation.Kind.values()), where,
                Arbitraries.integers().withoutEdgeCases(),
                Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(16))
                .as(Mutation::new);
    }

    /** One change to a byte stream; positions wrap around the stream's length. */
    record Mutation(Kind kind, int where, int arg, byte[] bytes) {

        enum Kind {
            FLIP_BIT, SET_BYTE, SET_INTERESTING, INSERT, DELETE, TRUNCATE, DUPLICATE, ABSURD_EBML_SIZE,
            ABSURD_BOX_SIZE
        }

        private static final byte[] INTERESTING = {0x00, (byte) 0xFF, 0x01, (byte) 0x80, 0x7F, 0x40, 0x10, 0x08};

        byte[] apply(byte[] in) {
            if (in.length == 0) {
                return kind == Kind.INSERT ? bytes.clone() : in;
            }
            int at = Math.floorMod(where, in.length);
            byte[] out;
            switch (kind) {
                case FLIP_BIT -> {
                    out = in.clone();
                    out[at] ^= (byte) (1 << Math.floorMod(arg, 8));
                }
                case SET_BYTE -> {
                    out = in.clone();
                    out[at] = bytes[0];
                }
                case SET_INTERESTING -> {
                    out = in.clone();
                    out[at] = INTERESTING[Math.floorMod(arg, INTERESTING.length)];
                }
                case INSERT -> out = Ebml.cat(Arrays.copyOf(in, at), bytes, Arrays.copyOfRange(in, at, in.length));
                case DELETE -> {
                    int n = Math.min(1 + Math.floorMod(arg, 64), in.length - at);
                    out = Ebml.cat(Arrays.copyOf(in, at), Arrays.copyOfRange(in, at + n, in.length));
                }
                case TRUNCATE -> out = Arrays.copyOf(in, at);
                case DUPLICATE -> {
                    int n = Math.min(1 + Math.floorMod(arg, 4096), in.length - at);
                    int to = Math.floorMod(arg * 0x9E3779B9, in.length);
                    out = Ebml.cat(Arrays.copyOf(in, to), Arrays.copyOfRange(in, at, at + n),
                            Arrays.copyOfRange(in, to, in.length));
                }
                case ABSURD_EBML_SIZE -> {
                    // An EBML size varint of 1..8 bytes, usually near the maximum.
                    int n = 1 + Math.floorMod(arg, 8);
                    byte[] size = new byte[n];
                    Arrays.fill(size, (byte) 0xFF);
                    size[0] = (byte) ((0x80 >>> (n - 1)) | (0xFF >>> n) & bytes[0]);
                    out = overwrite(in, at, size);
                }
                case ABSURD_BOX_SIZE -> {
                    long[] sizes = {0, 1, 7, 0xFFFFFFFFL, 0x7FFFFFFFL, 1L << 20, 1L << 26 | 1};
                    long v = sizes[Math.floorMod(arg, sizes.length)];
                    out = overwrite(in, at, Mp4.u32(v));
                }
                default -> throw new IllegalStateException(kind.name());
            }
            return out;
        }

        private static byte[] overwrite(byte[] in, int at, byte[] with) {
            byte[] out = in.clone();
            System.arraycopy(with, 0, out, at, Math.min(with.length, out.length - at));
            return out;
        }

        @Override
        public String toString() {
            return kind + "@" + where + "/" + arg + "/" + Arrays.toString(bytes);
        }
    }
}
