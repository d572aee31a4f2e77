package io.wsvideo.relay.media.internal;

import io.wsvideo.relay.media.MalformedStreamException;
import io.wsvideo.relay.media.Segmenter;
import io.wsvideo.relay.media.StreamInfo;
import java.nio.ByteBuffer;

/** A push parser for one container format; {@link io.wsvideo.relay.media.Segmenter} picks one after sniffing the first bytes. */
public interface ContainerParser {

    /**
     * Consumes {@code buf[from, to)} using absolute reads only, so the caller's position and limit stay as
     * they were, and keeps no reference to {@code buf}.
     */
    void feed(ByteBuffer buf, int from, int to) throws MalformedStreamException;

    /** Null until the init segment is complete. */
    StreamInfo info();

    /** See {@link io.wsvideo.relay.media.Segmenter#framesFrom()}. */
    long framesFrom();
}
