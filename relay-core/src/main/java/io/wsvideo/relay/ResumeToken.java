package io.wsvideo.relay;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The secret a publisher gets when it is accepted, so that it can take its channel back after its network
 * dropped (see {@link RelayHub#openPublisher(String, String, Peer, String)}): 256 random bits, base64url, and
 * compared in constant time. Immutable.
 */
final class ResumeToken {

    /** Thread-safe; a plain field of the relay's own class, so it goes with the relay's class loader. */
    private static final SecureRandom RANDOM = new SecureRandom();

    /** What the publisher is sent and shows again. */
    final String value;
    private final byte[] bytes;

    private ResumeToken(String value) {
        this.value = value;
        this.bytes = value.getBytes(StandardCharsets.US_ASCII);
    }

    static ResumeToken issue() {
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        return new ResumeToken(Base64.getUrlEncoder().withoutPadding().encodeToString(secret));
    }

    /** Whether {@code presented} is this token; the time taken does not depend on where they differ. */
    boolean matches(String presented) {
        return presented != null && MessageDigest.isEqual(bytes, presented.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return "ResumeToken[hidden]";
    }
}
