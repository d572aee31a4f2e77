package io.wsvideo.relay.media;

import java.nio.ByteBuffer;

/** A push parser for one container format; {@link Segmenter} picks one after sniffing the first bytes. */
interface ContainerParser {

    /**
     * Consumes {@code buf[from, to)} using absolute reads only, so the caller's position and limit stay as
     * they were, and keeps no reference to {@code buf}.
     */
    void feed(ByteBuffer buf, int from, int to) throws MalformedStreamException;

    /** Null until the init segment is complete. */
    StreamInfo info();
}
