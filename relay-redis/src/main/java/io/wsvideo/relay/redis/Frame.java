package io.wsvideo.relay.redis;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One message between nodes, as published on a Redis channel (docs/cluster.md, "Wire format"). Big-endian:
 *
 * <pre>
 * u8 version (1) | u8 type | i64 node | i64 stream | body
 *   START     i64 endOffset | u16 mimeLength (0xFFFF: none) | mime UTF-8 | init segment and cached bytes
 *   DATA      i64 offset | chunk bytes
 *   END       reason UTF-8
 *   HEARTBEAT i64 nextOffset
 *   CONTINUED i64 offset      its publisher's connection dropped and a new one continues the stream from offset
 *   REQUEST   (empty)         on the sync channel: "whoever publishes this channel, send a START"
 *   CLAIM     (empty)         on the sync channel: "this stream now owns the channel"
 * </pre>
 *
 * {@code node} is the sending node's random id; {@code node} and {@code stream} together name a stream.
 */
record Frame(byte type, long node, long stream, long offset, String text, ByteBuffer payload) {

    static final byte VERSION = 1;
    static final byte START = 'S';
    static final byte DATA = 'D';
    static final byte END = 'E';
    static final byte HEARTBEAT = 'H';
    static final byte REQUEST = 'R';
    static final byte CLAIM = 'C';
    static final byte CONTINUED = 'K';

    private static final int HEADER = 2 + 8 + 8;
    private static final int NO_MIME = 0xFFFF;

    static byte[] start(long node, long stream, long endOffset, String mime, List<ByteBuffer> bytes) {
        byte[] m = mime == null ? new byte[0] : mime.getBytes(StandardCharsets.UTF_8);
        if (m.length >= NO_MIME) {
            throw new IllegalArgumentException("MIME type too long");
        }
        int size = 0;
        for (ByteBuffer b : bytes) {
            size += b.remaining();
        }
        ByteBuffer out = header(START, node, stream, 8 + 2 + m.length + size);
        out.putLong(endOffset).putShort((short) (mime == null ? NO_MIME : m.length)).put(m);
        for (ByteBuffer b : bytes) {
            out.put(b.duplicate());
        }
        return out.array();
    }

    static byte[] data(long node, long stream, long offset, ByteBuffer chunk) {
        ByteBuffer out = header(DATA, node, stream, 8 + chunk.remaining());
        out.putLong(offset).put(chunk.duplicate());
        return out.array();
    }

    static byte[] end(long node, long stream, String reason) {
        byte[] r = reason.getBytes(StandardCharsets.UTF_8);
        return header(END, node, stream, r.length).put(r).array();
    }

    static byte[] heartbeat(long node, long stream, long nextOffset) {
        return header(HEARTBEAT, node, stream, 8).putLong(nextOffset).array();
    }

    static byte[] continued(long node, long stream, long offset) {
        return header(CONTINUED, node, stream, 8).putLong(offset).array();
    }

    static byte[] request(long node) {
        return header(REQUEST, node, 0, 0).array();
    }

    static byte[] claim(long node, long stream) {
        return header(CLAIM, node, stream, 0).array();
    }

    private static ByteBuffer header(byte type, long node, long stream, int bodyBytes) {
        ByteBuffer b = ByteBuffer.allocate(HEADER + bodyBytes);
        return b.put(VERSION).put(type).putLong(node).putLong(stream);
    }

    /**
     * Reads a frame. The payload shares {@code message}'s array (no copy).
     *
     * @return null for a frame of another version or type, or one too short: ignored, not fatal
     */
    static Frame parse(byte[] message) {
        if (message.length < HEADER || message[0] != VERSION) {
            return null;
        }
        ByteBuffer in = ByteBuffer.wrap(message);
        in.position(1);
        byte type = in.get();
        long node = in.getLong();
        long stream = in.getLong();
        try {
            switch (type) {
                case START -> {
                    long end = in.getLong();
                    int mimeLength = in.getShort() & 0xFFFF;
                    String mime = null;
                    if (mimeLength != NO_MIME) {
                        mime = new String(message, in.position(), mimeLength, StandardCharsets.UTF_8);
                        in.position(in.position() + mimeLength);
                    }
                    return new Frame(type, node, stream, end, mime, in.slice());
                }
                case DATA -> {
                    long offset = in.getLong();
                    return new Frame(type, node, stream, offset, null, in.slice());
                }
                case END -> {
                    return new Frame(type, node, stream, 0,
                            new String(message, HEADER, message.length - HEADER, StandardCharsets.UTF_8), null);
                }
                case HEARTBEAT, CONTINUED -> {
                    return new Frame(type, node, stream, in.getLong(), null, null);
                }
                case REQUEST, CLAIM -> {
                    return new Frame(type, node, stream, 0, null, null);
                }
                default -> {
                    return null;
                }
            }
        } catch (RuntimeException e) {
            return null;
        }
    }

    boolean sameStream(long otherNode, long otherStream) {
        return node == otherNode && stream == otherStream;
    }
}
