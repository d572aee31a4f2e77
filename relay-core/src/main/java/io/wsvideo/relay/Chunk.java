package io.wsvideo.relay;

import java.nio.ByteBuffer;

/** A published chunk, with where it sits in the publisher's byte stream: {@code [start, end)}. */
final class Chunk {

    final Message message;
    final long start;
    final long end;

    Chunk(Message message, long start) {
        this.message = message;
        this.start = start;
        this.end = start + message.size;
    }

    /** The bytes from stream offset {@code from} to this chunk's end, as a message sharing them. */
    Message from(long from) {
        if (from <= start) {
            return message;
        }
        ByteBuffer b = message.bytes.duplicate();
        b.position((int) (from - start));
        return Message.binary(message.kind, b.slice(), message.createdNanos);
    }

    /** The bytes before stream offset {@code to}, as a message sharing them. */
    Message until(long to) {
        if (to >= end) {
            return message;
        }
        ByteBuffer b = message.bytes.duplicate();
        b.limit((int) (to - start));
        return Message.binary(message.kind, b.slice(), message.createdNanos);
    }
}
