package io.wsvideo.relay.media.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.wsvideo.relay.media.MalformedStreamException;
import io.wsvideo.relay.media.Segmenter;
import io.wsvideo.relay.media.SegmenterLimits;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Feeds one stream to a fresh segmenter in many different splits and checks they all agree. */
final class Feeding {

    private Feeding() {
    }

    /** Feeds {@code bytes} cut at {@code cuts} (ascending offsets); a failure ends the feeding, as in the relay. */
    static EventLog feed(String mime, SegmenterLimits limits, byte[] bytes, int... cuts) {
        return feed(mime, limits, bytes, false, cuts);
    }

    /**
     * With {@code poison}, each piece is copied between junk bytes, which catches reads before the buffer's
     * position (reads past its limit throw anyway); without, pieces are windows on one shared buffer, which is
     * cheap enough to do for every offset of a recording.
     */
    static EventLog feed(String mime, SegmenterLimits limits, byte[] bytes, boolean poison, int... cuts) {
        EventLog log = new EventLog();
        Segmenter s = Segmenter.create(mime, limits, log);
        ByteBuffer shared = ByteBuffer.wrap(bytes).asReadOnlyBuffer();
        int from = 0;
        try {
            for (int k = 0; k <= cuts.length; k++) {
                int to = k < cuts.length ? cuts[k] : bytes.length;
                if (to > from) {
                    if (poison) {
                        feedPoisoned(s, bytes, from, to);
                    } else {
                        shared.limit(to).position(from);
                        s.feed(shared);
                        if (shared.position() != from || shared.limit() != to) {
                            fail("feed moved the buffer: position " + shared.position() + ", limit " + shared.limit());
                        }
                    }
                }
                from = to;
            }
        } catch (MalformedStreamException e) {
            log.failure = e;
            assertThat(e.getMessage()).as("close reason").matches("[\\x20-\\x7E]{1,100}");
        }
        if (log.failure == null) {
            assertThat(s.bytesFed()).isEqualTo(bytes.length);
        }
        return log;
    }

    static EventLog feed(String mime, byte[] bytes, int... cuts) {
        return feed(mime, SegmenterLimits.defaults(), bytes, cuts);
    }

    /**
     * Feeds a slice in the middle of a larger read-only buffer and checks the segmenter neither moves the
     * buffer's position or limit nor reads outside them.
     */
    private static void feedPoisoned(Segmenter s, byte[] bytes, int from, int to) throws MalformedStreamException {
        byte[] padded = new byte[to - from + 6];
        java.util.Arrays.fill(padded, (byte) 0x5A);
        System.arraycopy(bytes, from, padded, 3, to - from);
        ByteBuffer b = ByteBuffer.wrap(padded).asReadOnlyBuffer();
        b.position(3).limit(3 + to - from);
        s.feed(b);
        if (b.position() != 3 || b.limit() != 3 + to - from) {
            fail("feed moved the buffer: position " + b.position() + ", limit " + b.limit());
        }
    }

    static EventLog feedBytewise(String mime, SegmenterLimits limits, byte[] bytes) {
        int[] cuts = new int[Math.max(0, bytes.length - 1)];
        for (int k = 0; k < cuts.length; k++) {
            cuts[k] = k + 1;
        }
        return feed(mime, limits, bytes, true, cuts);
    }

    static int[] randomCuts(Random random, int length) {
        List<Integer> cuts = new ArrayList<>();
        int at = 0;
        while (true) {
            // Mostly small pieces, sometimes large ones, like MediaRecorder Blobs around element headers.
            at += random.nextInt(4) == 0 ? 1 + random.nextInt(8) : 1 + random.nextInt(Math.max(1, length / 10));
            if (at >= length) {
                break;
            }
            cuts.add(at);
        }
        return cuts.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * Feeds the stream whole, one byte at a time, split in two at every offset and in {@code randomSplits}
     * seeded random splits, and returns the events after asserting that every feeding produced the same.
     */
    static EventLog assertSplitInvariant(String mime, SegmenterLimits limits, byte[] bytes, int randomSplits) {
        EventLog whole = feed(mime, limits, bytes);
        assertSame(whole, feedBytewise(mime, limits, bytes), "one byte at a time");
        for (int cut = 1; cut < bytes.length; cut++) {
            assertSame(whole, feed(mime, limits, bytes, cut), "split at " + cut);
        }
        Random random = new Random(bytes.length * 31L + randomSplits);
        for (int k = 0; k < randomSplits; k++) {
            int[] cuts = randomCuts(random, bytes.length);
            assertSame(whole, feed(mime, limits, bytes, true, cuts), "random split #" + k);
        }
        return whole;
    }

    static EventLog assertSplitInvariant(String mime, byte[] bytes) {
        return assertSplitInvariant(mime, SegmenterLimits.defaults(), bytes, 50);
    }

    static void assertSame(EventLog expected, EventLog actual, String how) {
        if (!expected.sameAs(actual)) {
            assertThat(actual.lines()).as(how).containsExactlyElementsOf(expected.lines());
            fail(how + ": stream info differs: " + actual.info + " vs " + expected.info);
        }
    }
}
