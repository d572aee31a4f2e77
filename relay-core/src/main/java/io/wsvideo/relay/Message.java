package io.wsvideo.relay;

import java.nio.ByteBuffer;

/**
 * One message on its way to viewers. A published chunk becomes one {@code Message} shared by every viewer
 * queue (the bytes are never copied per viewer); each send hands the sink its own {@code duplicate()}.
 */
final class Message {

    enum Kind {
        /** A JSON control message; never dropped by the queue policy. */
        CONTROL,
        /** The stream's init segment; never dropped, or the media after it would be undecodable. */
        INIT,
        /**
         * Container bytes after the init segment, and the {@code key} messages about them; dropped on overflow,
         * resumed at a keyframe.
         */
        MEDIA
    }

    final Kind kind;
    final String text;
    /** Read-only, position 0; shared, so only ever read through a duplicate. */
    final ByteBuffer bytes;
    /** The same bytes as handed to sinks, with the transport's wire form once one asked for it. */
    final SharedBytes shared;
    final int size;
    /** When the bytes arrived from the publisher (or the message was made): queue age and latency. */
    final long createdNanos;

    private Message(Kind kind, String text, ByteBuffer bytes, int size, long createdNanos) {
        this.kind = kind;
        this.text = text;
        this.bytes = bytes;
        this.shared = bytes == null ? null : new SharedBytes(bytes);
        this.size = size;
        this.createdNanos = createdNanos;
    }

    static Message control(String json, long nowNanos) {
        return new Message(Kind.CONTROL, json, null, json.length(), nowNanos);
    }

    /**
     * A JSON message about the media queued just before it ({@code key}): dropped with that media when the viewer
     * skips, so a viewer is never told of a key frame whose bytes it did not get.
     */
    static Message mediaNote(String json, long nowNanos) {
        return new Message(Kind.MEDIA, json, null, json.length(), nowNanos);
    }

    static Message binary(Kind kind, ByteBuffer bytes, long createdNanos) {
        ByteBuffer ro = bytes.asReadOnlyBuffer();
        return new Message(kind, null, ro, ro.remaining(), createdNanos);
    }

    boolean isText() {
        return text != null;
    }
}
