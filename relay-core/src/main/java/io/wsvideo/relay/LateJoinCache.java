package io.wsvideo.relay;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The published chunks a stream still needs: until the init segment is complete, every chunk (the init
 * segment is cut from them); then the bytes from the last keyframe on, so a late joiner (or a viewer that
 * skipped) starts there instead of waiting for the next keyframe. Bounded by
 * {@link RelayConfig#lateJoinCacheBytes()} and {@link RelayConfig#lateJoinCacheMillis()}: past either, the
 * keyframe is given up and late joiners wait for the next one.
 *
 * <p>Chunks are shared, never copied (except the init segment, once). Guarded by the channel's lock.
 */
final class LateJoinCache {

    private final ArrayDeque<Chunk> chunks = new ArrayDeque<>();
    /** False for a pass-through stream: nothing is cached, late joiners get live bytes only. */
    private boolean holding = true;
    private boolean initKnown;
    /** Chunks that end at or before this offset are no longer needed. */
    private long keepFrom;
    /** Start of the last keyframe segment held, or -1 when late joiners must wait for the next one. */
    private long keyframeAt = -1;
    private long keyframeSinceNanos;
    private long lastSegmentStart = -1;

    void add(Chunk c) {
        if (holding) {
            chunks.addLast(c);
        }
    }

    /** A copy of the stream's first {@code end} bytes (the init segment), cut from the chunks held. */
    ByteBuffer copyUntil(long end) {
        ByteBuffer init = ByteBuffer.allocate((int) end);
        for (Chunk c : chunks) {
            if (c.start >= end) {
                break;
            }
            init.put(c.until(end).bytes.duplicate());
        }
        return init.flip();
    }

    /** The init segment ends at {@code initEnd}: from now on only keyframe segments are kept. */
    void initKnown(long initEnd, boolean passthrough) {
        initKnown = true;
        keepFrom = initEnd;
        trimChunks();
        if (passthrough) {
            chunks.clear();
            holding = false;
        }
    }

    void segmentStarted(long offset) {
        lastSegmentStart = offset;
        if (keyframeAt < 0) {
            keepFrom = offset;
        }
    }

    /** The segment at {@code offset} opens with a keyframe. @return false if its bytes are gone already */
    boolean keyframe(long offset, long nowNanos) {
        Chunk first = chunks.peekFirst();
        if (first == null || first.start > offset) {
            // The cache gave up the bytes of this segment (it outgrew its limits): wait for the next one.
            return false;
        }
        keyframeAt = offset;
        keyframeSinceNanos = nowNanos;
        keepFrom = offset;
        trimChunks();
        return true;
    }

    /** Where the cached keyframe segment starts, or -1 when none is held. */
    long keyframeAt() {
        return keyframeAt;
    }

    /** Enforces the limits after a chunk ({@code streamEnd}: the stream's offset after it). */
    void trim(long nowNanos, long streamEnd, RelayConfig config) {
        if (keyframeAt >= 0 && (streamEnd - keyframeAt > config.lateJoinCacheBytes()
                || nowNanos - keyframeSinceNanos > config.lateJoinCacheMillis() * 1_000_000L)) {
            keyframeAt = -1;
            keepFrom = Math.max(keepFrom, lastSegmentStart);
        }
        if (keyframeAt < 0 && initKnown && streamEnd - keepFrom > config.lateJoinCacheBytes()) {
            // Even the segment in progress is too large to keep: give it up.
            keepFrom = streamEnd;
        }
        trimChunks();
    }

    private void trimChunks() {
        if (!initKnown) {
            return;
        }
        Iterator<Chunk> it = chunks.iterator();
        while (it.hasNext() && it.next().end <= keepFrom) {
            it.remove();
        }
    }

    /** The media from the cached keyframe to the stream's end, as messages sharing the chunks' bytes. */
    List<Message> fromKeyframe() {
        if (keyframeAt < 0) {
            return List.of();
        }
        List<Message> out = new ArrayList<>(chunks.size());
        for (Chunk c : chunks) {
            if (c.end > keyframeAt) {
                out.add(c.from(keyframeAt));
            }
        }
        return out;
    }

    /** Every chunk held, for a snapshot taken before the init segment is complete. */
    List<Message> all() {
        List<Message> out = new ArrayList<>(chunks.size());
        for (Chunk c : chunks) {
            out.add(c.message);
        }
        return out;
    }
}
