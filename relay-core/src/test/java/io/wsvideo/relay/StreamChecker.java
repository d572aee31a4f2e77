package io.wsvideo.relay;

import io.wsvideo.relay.media.MalformedStreamException;
import io.wsvideo.relay.testing.Recording;
import io.wsvideo.relay.testing.StreamAnalysis;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.LongFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks what one viewer receives against what was published: after every {@code stream} message comes the
 * stream's init segment, then media that is a contiguous run of the stream's bytes starting at one of its
 * random access points; a {@code skip} notice starts a new such run (further on), {@code ended} ends the
 * stream, {@code continued} (a publisher took the stream over after a drop) changes nothing. Anything else (media before a stream, a gap, a repeat, a run starting mid-segment, an unknown
 * message) is an error. Holds for any prefix of a viewer's messages, so it works for viewers that left early,
 * and it is incremental: a sink can feed it message by message and keep no bytes. Public for the other
 * modules' tests (relay-core's test-jar).
 */
public final class StreamChecker {

    private static final Pattern STREAM_ID = Pattern.compile("\"streamId\":(\\d+)");

    /** One published stream: its bytes, where its init segment ends, and its random access points. */
    public record Published(byte[] bytes, long initEnd, Set<Long> raps) {
        public static Published of(byte[] bytes, String mime) throws MalformedStreamException {
            StreamAnalysis a = StreamAnalysis.of(bytes, mime);
            return new Published(bytes, a.initEnd(), new TreeSet<>(a.raps()));
        }

        /**
         * The init segment as published, or as the hub repairs it in a writable buffer
         * ({@link Recording#asRelayed}: AlphaMode cleared); media after it is never changed.
         */
        boolean initMatches(ByteBuffer b) {
            return matches(bytes, 0, b) || matches(Recording.asRelayed(bytes), 0, b);
        }
    }

    /** What a viewer saw, for assertions beyond validity. */
    public record Summary(int streams, int ended, int skips, long mediaBytes, long lastStreamId, int continued) {
    }

    private enum State {
        NO_STREAM, EXPECT_INIT, EXPECT_RUN_START, IN_RUN
    }

    private final LongFunction<Published> published;
    private State state = State.NO_STREAM;
    private Published current;
    /** Where the last run ended (runs after a skip start at or after it). */
    private long runEnd;
    /** Where the current run may end so far: usually one offset, several while a short message is ambiguous. */
    private final List<Long> candidates = new ArrayList<>();
    private int index = -1;
    private int streams;
    private int ended;
    private int skips;
    private int continuedCount;
    private long media;
    private long lastId = -1;

    /** @param published the stream announced with a given {@code streamId} */
    public StreamChecker(LongFunction<Published> published) {
        this.published = published;
    }

    /** Checks a whole recorded conversation. @throws AssertionError naming the message and what was wrong */
    static Summary check(List<RecordingSink.Received> messages, LongFunction<Published> published) {
        StreamChecker c = new StreamChecker(published);
        for (RecordingSink.Received m : messages) {
            if (m.isText()) {
                c.onText(m.text());
            } else {
                c.onBinary(ByteBuffer.wrap(m.bytes()));
            }
        }
        return c.summary();
    }

    public Summary summary() {
        return new Summary(streams, ended, skips, media, lastId, continuedCount);
    }

    public void onText(String t) {
        index++;
        if (t.contains("\"type\":\"stream\"")) {
            Matcher id = STREAM_ID.matcher(t);
            if (!id.find()) {
                throw fail("stream message without streamId: " + t);
            }
            long streamId = Long.parseLong(id.group(1));
            if (streamId <= lastId) {
                throw fail("streamId " + streamId + " after " + lastId);
            }
            lastId = streamId;
            current = published.apply(streamId);
            state = current.initEnd() > 0 ? State.EXPECT_INIT : State.EXPECT_RUN_START;
            runEnd = 0;
            streams++;
        } else if (t.contains("\"type\":\"ended\"")) {
            state = State.NO_STREAM;
            ended++;
        } else if (t.contains("\"type\":\"skip\"")) {
            if (state != State.IN_RUN && state != State.EXPECT_RUN_START) {
                throw fail("skip notice in state " + state);
            }
            if (state == State.IN_RUN) {
                runEnd = candidates.stream().mapToLong(Long::longValue).min().orElseThrow();
            }
            state = State.EXPECT_RUN_START;
            skips++;
        } else if (t.contains("\"type\":\"continued\"")) {
            if (state == State.NO_STREAM) {
                throw fail("continued outside a stream");
            }
            continuedCount++;
        } else if (t.contains("\"type\":\"waiting\"")) {
            if (state != State.NO_STREAM) {
                throw fail("waiting in state " + state);
            }
        } else {
            throw fail("unknown control message " + t);
        }
    }

    /** Checks a binary message from its position to its limit, without moving them. */
    public void onBinary(ByteBuffer b) {
        index++;
        int n = b.remaining();
        media += n;
        switch (state) {
            case NO_STREAM -> throw fail("media without a stream");
            case EXPECT_INIT -> {
                if (n != current.initEnd() || !current.initMatches(b)) {
                    throw fail("first binary after stream is not the init segment (" + n + " bytes)");
                }
                state = State.EXPECT_RUN_START;
            }
            case EXPECT_RUN_START -> {
                // A short message may match at several random access points: keep every candidate.
                candidates.clear();
                for (long r : current.raps()) {
                    if (r >= runEnd && matches(current.bytes(), r, b)) {
                        candidates.add(r + n);
                    }
                }
                if (candidates.isEmpty()) {
                    throw fail(n + " bytes that start at no random access point at or after " + runEnd);
                }
                state = State.IN_RUN;
            }
            case IN_RUN -> {
                byte[] stream = current.bytes();
                candidates.removeIf(end -> !matches(stream, end, b));
                if (candidates.isEmpty()) {
                    throw fail(n + " bytes that do not continue the run");
                }
                candidates.replaceAll(end -> end + n);
            }
            default -> throw new IllegalStateException(state.name());
        }
    }

    private static boolean matches(byte[] stream, long at, ByteBuffer b) {
        int n = b.remaining();
        return at + n <= stream.length && ByteBuffer.wrap(stream, (int) at, n).equals(b);
    }

    private AssertionError fail(String what) {
        return new AssertionError("message #" + index + ": " + what);
    }
}
