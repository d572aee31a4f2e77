package io.wsvideo.relay;

import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.function.Function;

/**
 * One binary message that every viewer of a stream gets byte for byte the same, as handed to
 * {@link ViewerSink#sendShared}. A transport may turn it into its wire form once (for WebSocket: one framed
 * copy, since server-to-client frames are unmasked) and send that to every viewer, instead of framing and
 * copying the payload once per viewer.
 */
public final class SharedBytes {

    private final ByteBuffer bytes;
    /** {@code {maker, wireForm}} of the first transport that asked; written once, read by many threads. */
    private volatile Object[] wire;

    SharedBytes(ByteBuffer readOnly) {
        this.bytes = readOnly;
    }

    /** A shared message of {@code bytes} from position to limit (for transports' tests; the hub makes its own). */
    public static SharedBytes of(ByteBuffer bytes) {
        return new SharedBytes(bytes.slice().asReadOnlyBuffer());
    }

    /** The payload as a fresh read-only buffer (position 0); never write to the bytes. */
    public ByteBuffer bytes() {
        return bytes.duplicate();
    }

    public int size() {
        return bytes.remaining();
    }

    /**
     * This message's wire form as {@code maker} makes it from the payload; made on first use and kept as long
     * as the message is (queued or in the late-join cache). Two threads asking at once may both make it; one
     * result is kept. A transport must pass the same {@code maker} instance every time (a constant); another
     * maker gets its result made afresh on every call, uncached.
     */
    @SuppressWarnings("unchecked")
    public <T> T wireForm(Function<ByteBuffer, T> maker) {
        Objects.requireNonNull(maker, "maker");
        Object[] w = wire;
        if (w != null && w[0] == maker) {
            return (T) w[1];
        }
        T made = maker.apply(bytes.duplicate());
        if (w == null) {
            wire = new Object[] {maker, made};
        }
        return made;
    }
}
