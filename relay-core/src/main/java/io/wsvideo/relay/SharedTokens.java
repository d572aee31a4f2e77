package io.wsvideo.relay;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * A fixed set of shared secret tokens, checked in constant time: the default {@link PublishAuthorizer}
 * (and the check for view tokens). Tokens and the presented value are hashed with SHA-256 and compared
 * with {@link MessageDigest#isEqual}, against every configured token without stopping at a match, so the
 * time taken reveals neither a matching prefix nor a token's length nor which token matched.
 */
public final class SharedTokens implements PublishAuthorizer {

    private final List<byte[]> digests;
    private final int count;

    private SharedTokens(List<byte[]> digests) {
        this.digests = digests;
        this.count = digests.size();
    }

    /**
     * @param tokens non-blank secrets; none at all means nobody is accepted (use no authorizer for "open")
     * @throws IllegalArgumentException if a token is null or blank
     */
    public static SharedTokens of(Collection<String> tokens) {
        List<byte[]> digests = new ArrayList<>(tokens.size());
        for (String t : tokens) {
            if (t == null || t.isBlank()) {
                throw new IllegalArgumentException("a token must not be blank");
            }
            digests.add(sha256(t));
        }
        return new SharedTokens(List.copyOf(digests));
    }

    /** Whether {@code presented} equals one of the tokens; false for null. */
    public boolean matches(String presented) {
        if (presented == null) {
            return false;
        }
        byte[] d = sha256(presented);
        boolean found = false;
        for (byte[] expected : digests) {
            found |= MessageDigest.isEqual(expected, d);
        }
        return found;
    }

    /** Accepts a publisher whose token matches, whatever the channel and address. */
    @Override
    public boolean authorize(String channel, String token, String remoteAddress) {
        return matches(token);
    }

    /** How many tokens there are. */
    public int size() {
        return count;
    }

    @Override
    public String toString() {
        return "SharedTokens[" + count + " token(s)]";
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
