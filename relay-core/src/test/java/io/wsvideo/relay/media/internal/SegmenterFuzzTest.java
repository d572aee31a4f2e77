package io.wsvideo.relay.media.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.wsvideo.relay.media.MalformedStreamException;
import io.wsvideo.relay.media.SegmentListener;
import io.wsvideo.relay.media.Segmenter;
import io.wsvideo.relay.media.SegmenterLimits;
import io.wsvideo.relay.media.StreamInfo;
import io.wsvideo.relay.testing.Recording;
import io.wsvideo.relay.testing.RetainedSize;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * Seeded fuzzing of the {@link Segmenter} (issue 8), in plain JUnit loops. Every property feeds a stream in a
 * random split and checks the parser's contract:
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
 * <p>Each property runs {@code fuzz.tries} cases (system property, set from the Maven property of the same name
 * in {@code relay-core/pom.xml}): 1,000 in the ordinary build (7 properties, 7,000 cases), and
 * {@code mvn -pl relay-core test -Pfuzz -Dtest=SegmenterFuzzTest} runs 142,858 per property, 1,000,006 in all
 * (see {@code docs/reliability.md}). Case {@code i} of a property draws everything from a {@link Random} seeded
 * by the base seed ({@code -Dfuzz.seed}, fixed by default), the property's name and {@code i}, so a failure's
 * message names the command that reruns exactly that case ({@code -Dfuzz.seed=... -Dfuzz.case=i}).
 * Every property prints a one-line summary (cases, failures, feedings by outcome); {@code -Dfuzz.quiet=false}
 * (set by {@code -Pfuzz}) adds the statistics of outcomes by reason.
 */
class SegmenterFuzzTest {

    /** Small limits, so that fuzzing reaches them often; the bound on retained memory is derived from them. */
    static final SegmenterLimits LIMITS = new SegmenterLimits(1 << 20, 64 << 10, 8);

    /** The base seed of every build unless {@code -Dfuzz.seed} says otherwise. */
    static final long DEFAULT_SEED = 0x5E6E_F022_0000_0008L;

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
    @Test
    void validStreamsGiveTheSameEventsInAnySplitAndTruncatedOnesAPrefixOfThem() {
        fuzz("validStreamsGiveTheSameEventsInAnySplitAndTruncatedOnesAPrefixOfThem", t -> {
            Source source = t.given("source", validSource(t.random));
            long splitSeed = t.given("splitSeed", t.random.nextLong());
            int cutPermille = t.given("cutPermille", between(t.random, 0, 1000));

            EventLog whole = check(source.mime, LIMITS, source.bytes, null);
            assertThat(whole.failure).as("a valid stream must not fail: %s", whole.failure).isNull();
            EventLog split = check(source.mime, LIMITS, source.bytes, new Random(splitSeed));
            Feeding.assertSame(whole, split, "random split");

            int cut = (int) ((long) source.bytes.length * cutPermille / 1000);
            EventLog prefix = check(source.mime, LIMITS, Arrays.copyOf(source.bytes, cut),
                    new Random(splitSeed + 1));
            assertThat(prefix.failure).isNull();
            List<String> all = whole.lines();
            List<String> some = prefix.lines();
            assertThat(all.subList(0, Math.min(all.size(), some.size()))).as("events of a truncated stream")
                    .isEqualTo(some);
        });
    }

    /** Bit flips, overwrites, insertions, deletions, duplications and absurd sizes in real and synthetic streams. */
    @Test
    void mutatedStreamsFailOnlyWithTheDocumentedClose() {
        fuzz("mutatedStreamsFailOnlyWithTheDocumentedClose", t -> {
            Source source = t.given("source", anySource(t.random));
            List<Mutation> mutations = t.given("mutations", mutations(t.random, 1, 8));
            long splitSeed = t.given("splitSeed", t.random.nextLong());

            byte[] bytes = source.bytes;
            for (Mutation m : mutations) {
                bytes = m.apply(bytes);
            }
            EventLog whole = check(source.mime, LIMITS, bytes, null);
            EventLog split = check(source.mime, LIMITS, bytes, new Random(splitSeed));
            Feeding.assertSame(whole, split, "random split of the mutated stream");
        });
    }

    /** An element or box of any declared size, at any place after a valid init segment. */
    @Test
    void absurdSizesAreRefusedOrStreamedWithinTheLimits() {
        fuzz("absurdSizesAreRefusedOrStreamedWithinTheLimits", t -> {
            boolean mp4 = t.given("mp4", t.random.nextBoolean());
            long seed = t.given("seed", t.random.nextLong());
            byte[] ebmlSize = t.given("ebmlSize", ebmlSize(t.random));
            byte[] boxSize = t.given("boxSize", boxSize(t.random));
            int id = t.given("id", elementId(t.random));
            int payload = t.given("payload", between(t.random, 0, 4096));

            Random r = new Random(seed);
            byte[] valid = mp4 ? SyntheticStreams.mp4(r) : SyntheticStreams.webm(r);
            byte[] head;
            if (mp4) {
                head = Mp4.cat(Arrays.copyOf(boxSize, 4), Mp4.u32(id),
                        Arrays.copyOfRange(boxSize, 4, boxSize.length));
            } else {
                head = Ebml.cat(ebmlId(id), ebmlSize);
            }
            int at = r.nextInt(valid.length + 1);
            byte[] junk = new byte[payload];
            r.nextBytes(junk);
            byte[] bytes = Ebml.cat(Arrays.copyOf(valid, at), head, junk, Arrays.copyOfRange(valid, at, valid.length));
            check(mp4 ? "video/mp4" : "video/webm", LIMITS, bytes, r);
        });
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
    @Test
    void deepNestingIsRefusedAtTheLimit() {
        fuzz("deepNestingIsRefusedAtTheLimit", t -> {
            boolean mp4 = t.given("mp4", t.random.nextBoolean());
            int depth = t.given("depth", between(t.random, 1, 64));
            int limit = t.given("limit", between(t.random, 1, 12));
            boolean unknownSizes = t.given("unknownSizes", t.random.nextBoolean());
            long seed = t.given("seed", t.random.nextLong());

            Random r = new Random(seed);
            SegmenterLimits limits = new SegmenterLimits(1 << 20, 64 << 10, limit);
            byte[] bytes;
            if (mp4) {
                String[] types = {"moov", "trak", "mdia", "minf", "stbl", "stsd", "avc1", "moof", "traf", "free",
                        "uuid"};
                byte[] inner = Mp4.box("avcC", new byte[] {1, 0x42, 0, 0x1F});
                for (int d = 0; d < depth; d++) {
                    String type = types[r.nextInt(types.length)];
                    inner = type.equals("uuid") ? Mp4.box(type, new byte[16], inner) : Mp4.box(type, inner);
                }
                bytes = Mp4.cat(Mp4.ftyp(), inner, Mp4.box("moov"), Mp4.moof(1));
            } else {
                int[] masters = {WebmSegmenter.SEGMENT, WebmSegmenter.CLUSTER, WebmSegmenter.INFO,
                        WebmSegmenter.TRACKS, WebmSegmenter.TRACK_ENTRY, WebmSegmenter.VIDEO,
                        WebmSegmenter.BLOCK_GROUP, 0x4DBB};
                // Half the time the outermost levels are a chain the parser descends into.
                int[][] chains = {{WebmSegmenter.SEGMENT, WebmSegmenter.TRACKS, WebmSegmenter.TRACK_ENTRY,
                        WebmSegmenter.VIDEO}, {WebmSegmenter.SEGMENT, WebmSegmenter.CLUSTER,
                        WebmSegmenter.BLOCK_GROUP}};
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
        });
    }

    /** Random bytes after a valid start: magic only, EBML header, ftyp, or a whole init segment. */
    @Test
    void randomBytesAfterAValidHeader() {
        fuzz("randomBytesAfterAValidHeader", t -> {
            Source header = t.given("header", pick(t.random, headers()));
            int length = t.given("length", between(t.random, 0, 65536));
            long seed = t.given("seed", t.random.nextLong());

            Random r = new Random(seed);
            byte[] junk = new byte[length];
            r.nextBytes(junk);
            check(header.mime, LIMITS, Ebml.cat(header.bytes, junk), r);
        });
    }

    /** Any bytes at all, with any MIME type claim (including none, lies and non-ASCII). */
    @Test
    void arbitraryBytesWithAnyMimeType() {
        fuzz("arbitraryBytesWithAnyMimeType", t -> {
            String mime = t.given("mime", mime(t.random));
            byte[] bytes = t.given("bytes", bytes(t.random, 0, 2048));
            long seed = t.given("seed", t.random.nextLong());

            check(mime, LIMITS, bytes, new Random(seed));
        });
    }

    /**
     * The in-place MP4 audio repair sees every chunk before the segmenter, malformed or not: it must never
     * throw, move a buffer's position or limit, or write outside them; and the segmenter's contract holds on
     * what it leaves.
     */
    @Test
    void mp4AudioRepairNeverThrowsOnMutatedStreams() {
        fuzz("mp4AudioRepairNeverThrowsOnMutatedStreams", t -> {
            Source source = t.given("source", mp4Source(t.random));
            List<Mutation> mutations = t.given("mutations", mutations(t.random, 0, 6));
            long splitSeed = t.given("splitSeed", t.random.nextLong());

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
        });
    }

    // ---------------------------------------------------------------------------------------------------
    // The runner

    /** One case: its inputs are drawn from {@code random} and recorded with {@link #given} for the report. */
    static final class Trial {
        final Random random;
        private final Map<String, Object> inputs = new LinkedHashMap<>();

        Trial(long seed) {
            random = new Random(seed);
        }

        <T> T given(String name, T value) {
            inputs.put(name, value);
            return value;
        }

        String describe() {
            StringBuilder sb = new StringBuilder();
            inputs.forEach((name, value) -> sb.append("\n    ").append(name).append(" = ").append(show(value)));
            return sb.toString();
        }

        private static String show(Object value) {
            if (value instanceof byte[] b) {
                String hex = HexFormat.of().formatHex(b, 0, Math.min(b.length, 64));
                return "byte[" + b.length + "] " + hex + (b.length > 64 ? "..." : "");
            }
            if (value instanceof String s) {
                return '"' + s.chars().mapToObj(c -> c >= 0x20 && c < 0x7F ? Character.toString(c)
                        : String.format("\\u%04x", c)).reduce("", String::concat) + '"';
            }
            return String.valueOf(value);
        }
    }

    interface Property {
        void check(Trial t) throws Exception;
    }

    private static final int MAX_REPORTED_FAILURES = 10;

    /** Outcomes of the feedings of the property running now, by {@link #outcome}. */
    private static Map<String, Long> outcomes = new TreeMap<>();

    /**
     * Runs {@code fuzz.tries} cases of a property (or only case {@code fuzz.case}), each from its own seed
     * derived from the base seed, the property's name and the case's index; prints a summary line; fails with
     * the first failures, each naming its seed, inputs and the command that reruns it.
     */
    static void fuzz(String name, Property property) {
        long base = baseSeed();
        int cases = intProperty("fuzz.tries", 1000);
        int only = intProperty("fuzz.case", -1);
        boolean quiet = !"false".equalsIgnoreCase(System.getProperty("fuzz.quiet", "true").trim());
        long propertySeed = mix(base ^ mix(name.hashCode()));

        outcomes = new TreeMap<>();
        List<AssertionError> failures = new ArrayList<>();
        int run = 0;
        int failed = 0;
        long start = System.nanoTime();
        for (int i = only >= 0 ? only : 0; i < (only >= 0 ? only + 1 : cases); i++) {
            long caseSeed = mix(propertySeed + i * 0x9E3779B97F4A7C15L);
            Trial t = new Trial(caseSeed);
            run++;
            try {
                property.check(t);
            } catch (Throwable e) {
                if (e instanceof VirtualMachineError vm && !(e instanceof StackOverflowError)) {
                    throw vm;
                }
                failed++;
                failures.add(new AssertionError(String.format(
                        "%s case %d failed (base seed 0x%016X, case seed 0x%016X): %s%n  inputs:%s%n"
                                + "  rerun: mvn -pl relay-core test -Dtest='SegmenterFuzzTest#%s' "
                                + "-Dfuzz.seed=0x%016X -Dfuzz.case=%d",
                        name, i, base, caseSeed, e, t.describe(), name, base, i), e));
                if (failed >= MAX_REPORTED_FAILURES) {
                    break;
                }
            }
        }
        long millis = (System.nanoTime() - start) / 1_000_000;

        Map<String, Long> byCode = new TreeMap<>();
        long feedings = 0;
        for (Map.Entry<String, Long> e : outcomes.entrySet()) {
            byCode.merge(e.getKey().startsWith("ok") ? "ok" : e.getKey().substring(0, 4), e.getValue(), Long::sum);
            feedings += e.getValue();
        }
        System.out.printf("[fuzz] %s: %d cases, %d failed%s, seed 0x%016X, %d ms; %d feedings by close code %s%n",
                name, run, failed, failed >= MAX_REPORTED_FAILURES ? " (stopped)" : "", base, millis, feedings,
                byCode);
        if (!quiet) {
            long total = Math.max(1, feedings);
            outcomes.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                    .forEach(e -> System.out.printf("[fuzz]   %6.2f %%  %8d  %s%n", 100.0 * e.getValue() / total,
                            e.getValue(), e.getKey()));
        }
        if (!failures.isEmpty()) {
            AssertionError first = failures.get(0);
            failures.subList(1, failures.size()).forEach(first::addSuppressed);
            throw first;
        }
    }

    /** {@code -Dfuzz.seed}: decimal or 0x-prefixed hex (64 bits); {@link #DEFAULT_SEED} if unset or empty. */
    static long baseSeed() {
        String s = System.getProperty("fuzz.seed", "").trim();
        if (s.isEmpty()) {
            return DEFAULT_SEED;
        }
        return s.startsWith("0x") || s.startsWith("0X") ? Long.parseUnsignedLong(s.substring(2).replace("_", ""), 16)
                : Long.parseLong(s);
    }

    private static int intProperty(String key, int otherwise) {
        String s = System.getProperty(key, "").trim();
        return s.isEmpty() ? otherwise : Integer.parseInt(s.replace("_", "").replace(",", ""));
    }

    /** SplitMix64's finalizer: consecutive inputs give unrelated seeds. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
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
        outcomes.merge(outcome(log), 1L, Long::sum);
        assertSaneEvents(log, fed);
        long retained = RetainedSize.of(s, o -> o instanceof SegmentListener && !(o instanceof ContainerParser));
        assertThat(retained).as("bytes the segmenter retains").isLessThanOrEqualTo(retainedBound(limits));
        return log;
    }

    /** The failure's kind with offsets and numbers left out, for the statistics {@link #fuzz} reports. */
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
        long lastRap = -1;
        java.util.Set<Long> segments = new java.util.HashSet<>();
        long lastFrameEnd = 0;
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
                    segments.add(at);
                }
                case "rap" -> {
                    // The current segment, or (MP4 with one moof per track) an earlier one after the last rap.
                    long at = Long.parseLong(f[1]);
                    assertThat(segments).as("rap names a segment start").contains(at);
                    assertThat(at).as("rap after the previous one").isGreaterThan(lastRap);
                    lastRap = at;
                }
                case "block" -> assertThat(inits).isOne();
                case "frame" -> {
                    assertThat(inits).isOne();
                    String[] span = f[1].split("\\+");
                    long at = Long.parseLong(span[0]);
                    long end = at + Long.parseLong(span[1]);
                    assertThat(at).as("frame in the current segment").isGreaterThanOrEqualTo(lastSegment)
                            .isGreaterThanOrEqualTo(0);
                    if (log.info.container() == StreamInfo.Container.WEBM) {
                        // Reported once its block's header is read, before its payload: they follow each other.
                        assertThat(at).as("WebM frames ascend").isGreaterThanOrEqualTo(lastFrameEnd);
                        lastFrameEnd = end;
                    }
                }
                case "error" -> assertThat(i).isEqualTo(lines.size() - 1);
                default -> fail("unexpected event " + lines.get(i));
            }
        }
        assertThat(log.initCalls).isLessThanOrEqualTo(1);
    }

    // ---------------------------------------------------------------------------------------------------
    // Generators: each draws from the case's Random. Bounded ints pick either bound now and then, as the
    // boundaries are where parsers break.

    /** Uniform in {@code [min, max]}, with each bound picked one time in 20. */
    static int between(Random r, int min, int max) {
        int k = r.nextInt(20);
        return k == 0 ? min : k == 1 ? max : uniform(r, min, max);
    }

    static int uniform(Random r, int min, int max) {
        return (int) (min + Math.floorMod(r.nextLong(), (long) max - min + 1));
    }

    /** Any int, with 0, 1, -1 and the extremes picked one time in 20. */
    static int anyInt(Random r) {
        int[] edges = {0, 1, -1, Integer.MIN_VALUE, Integer.MAX_VALUE};
        return r.nextInt(20) == 0 ? edges[r.nextInt(edges.length)] : r.nextInt();
    }

    /** Any long, with 0, 1, -1 and the extremes picked one time in 20. */
    static long anyLong(Random r) {
        long[] edges = {0, 1, -1, Long.MIN_VALUE, Long.MAX_VALUE};
        return r.nextInt(20) == 0 ? edges[r.nextInt(edges.length)] : r.nextLong();
    }

    static byte[] bytes(Random r, int minLength, int maxLength) {
        byte[] b = new byte[between(r, minLength, maxLength)];
        r.nextBytes(b);
        return b;
    }

    @SafeVarargs
    static <T> T pick(Random r, T... choices) {
        return choices[r.nextInt(choices.length)];
    }

    static <T> T pick(Random r, List<T> choices) {
        return choices.get(r.nextInt(choices.size()));
    }

    static Source validSource(Random r) {
        return switch (r.nextInt(3)) {
            case 0 -> recording(r);
            case 1 -> syntheticWebm(r);
            default -> syntheticMp4(r);
        };
    }

    static Source anySource(Random r) {
        return switch (r.nextInt(5)) {
            case 0, 1 -> recording(r);
            case 2 -> syntheticWebm(r);
            case 3 -> syntheticMp4(r);
            default -> {
                Source s = recording(r);
                String m = mime(r);
                yield new Source(s.label + " claimed " + m, m, s.bytes);
            }
        };
    }

    static Source mp4Source(Random r) {
        return r.nextBoolean() ? fixture("mp4-h264-opus") : syntheticMp4(r);
    }

    private static Source recording(Random r) {
        return fixture(pick(r, Recording.all()));
    }

    static Source fixture(String name) {
        Recording r = recording(name);
        return new Source(name, r.mime(), r.bytes());
    }

    private static Source syntheticWebm(Random r) {
        long seed = anyLong(r);
        return new Source("synthetic webm " + seed, "video/webm", SyntheticStreams.webm(new Random(seed)));
    }

    private static Source syntheticMp4(Random r) {
        long seed = anyLong(r);
        return new Source("synthetic mp4 " + seed, "video/mp4", SyntheticStreams.mp4(new Random(seed)));
    }

    private static volatile List<Source> headers;

    static List<Source> headers() {
        List<Source> h = headers;
        if (h == null) {
            Recording webm = recording("webm-vp8-opus");
            Recording mp4 = recording("mp4-h264-opus");
            byte[] webmInit = Arrays.copyOf(webm.bytes(), initLength(webm));
            byte[] mp4Init = Arrays.copyOf(mp4.bytes(), initLength(mp4));
            h = List.of(
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
            headers = h;
        }
        return h;
    }

    private static int initLength(Recording r) {
        EventLog log = Feeding.feed(r.mime(), r.bytes());
        return Integer.parseInt(log.lines().get(0).split(" ")[1]);
    }

    private static final String[] MIMES = {"video/webm;codecs=vp8,opus", "video/webm", "audio/webm;codecs=opus",
            "video/x-matroska;codecs=avc1,opus", "video/mp4;codecs=avc1,opus", "video/mp4", "audio/ogg",
            "application/octet-stream", "", ";", "/", "video/", "vidéo/webm\u0000\u202e", "mp4", "webm"};

    /** A known MIME type, a random string of up to 200 chars, or none, one time in three each. */
    static String mime(Random r) {
        return switch (r.nextInt(3)) {
            case 0 -> pick(r, MIMES);
            case 1 -> string(r, 200);
            default -> null;
        };
    }

    /** Up to {@code maxLength} chars: printable ASCII, control chars, Latin to CJK, or any UTF-16 unit. */
    static String string(Random r, int maxLength) {
        char[] c = new char[between(r, 0, maxLength)];
        for (int k = 0; k < c.length; k++) {
            c[k] = (char) switch (r.nextInt(4)) {
                case 0 -> uniform(r, 0x20, 0x7E);
                case 1 -> r.nextInt(8) == 0 ? 0x7F : r.nextInt(0x20);
                case 2 -> uniform(r, 0x80, 0x9FFF);
                default -> r.nextInt(0x10000);
            };
        }
        return new String(c);
    }

    /** An EBML size varint of 1 to 8 bytes and any value two times in three, else a notable one. */
    static byte[] ebmlSize(Random r) {
        if (r.nextInt(3) < 2) {
            int n = between(r, 1, 8);
            long v = anyLong(r);
            byte[] b = new byte[n];
            for (int k = 0; k < n; k++) {
                b[k] = (byte) (v >>> (8 * k));
            }
            b[0] = (byte) (b[0] & (0xFF >>> n) | (0x80 >>> (n - 1)));
            return b;
        }
        return pick(r, Ebml.UNKNOWN_SIZE, new byte[] {(byte) 0xFF}, new byte[] {0x40, 0x00},
                Ebml.size(LIMITS.maxElementBytes()), Ebml.size(LIMITS.maxElementBytes() + 1L),
                Ebml.size(LIMITS.maxInitSegmentBytes()), Ebml.size((1L << 56) - 2),
                new byte[] {0x08, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF},
                new byte[] {0x00, 0x00}).clone();
    }

    /** A box size: any u32, a small u32, any largesize, a small largesize, or a notable one; 1 in 5 each. */
    static byte[] boxSize(Random r) {
        return switch (r.nextInt(5)) {
            case 0 -> Mp4.u32(r.nextInt(20) == 0 ? pick(r, 0L, 1L, 8L, 0xFFFFFFFFL) : r.nextLong() & 0xFFFFFFFFL);
            case 1 -> Mp4.u32(between(r, 0, 9000));
            case 2 -> Mp4.cat(Mp4.u32(1), Mp4.u64(anyLong(r)));
            case 3 -> Mp4.cat(Mp4.u32(1), Mp4.u64(between(r, 0, 9000)));
            default -> pick(r, Mp4.u32(0), Mp4.u32(LIMITS.maxElementBytes()), Mp4.u32(LIMITS.maxElementBytes() + 1L),
                    Mp4.u32(LIMITS.maxInitSegmentBytes() + 1L), Mp4.cat(Mp4.u32(1), Mp4.u64(Long.MIN_VALUE)),
                    Mp4.cat(Mp4.u32(1), Mp4.u64(-1)), Mp4.cat(Mp4.u32(1), Mp4.u64(0)));
        };
    }

    private static final int[] WEBM_IDS = {WebmSegmenter.SEGMENT, WebmSegmenter.CLUSTER, WebmSegmenter.TRACKS,
            WebmSegmenter.TRACK_ENTRY, WebmSegmenter.CODEC_PRIVATE, WebmSegmenter.CODEC_ID, WebmSegmenter.SIMPLE_BLOCK,
            WebmSegmenter.BLOCK_GROUP, WebmSegmenter.BLOCK, WebmSegmenter.TIMESTAMP, WebmSegmenter.VOID,
            WebmSegmenter.EBML, 0x4DBB};

    /** A known WebM element ID, a known box type, or any int, one time in three each. */
    static int elementId(Random r) {
        return switch (r.nextInt(3)) {
            case 0 -> WEBM_IDS[r.nextInt(WEBM_IDS.length)];
            case 1 -> Mp4Box.type(pick(r, "moov", "moof", "mdat", "trak", "traf", "trun", "free", "uuid", "ftyp"));
            default -> anyInt(r);
        };
    }

    /** {@code min} to {@code max} mutations (uniformly many). */
    static List<Mutation> mutations(Random r, int min, int max) {
        int n = uniform(r, min, max);
        List<Mutation> list = new ArrayList<>(n);
        for (int k = 0; k < n; k++) {
            list.add(mutation(r));
        }
        return list;
    }

    static Mutation mutation(Random r) {
        Mutation.Kind kind = pick(r, Mutation.Kind.values());
        // Half the mutations land in the first KiB, where the headers that matter most are.
        int where = r.nextBoolean() ? uniform(r, 0, 1023) : uniform(r, 0, Integer.MAX_VALUE);
        int arg = r.nextInt();
        byte[] bytes = new byte[uniform(r, 1, 16)];
        r.nextBytes(bytes);
        return new Mutation(kind, where, arg, bytes);
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
