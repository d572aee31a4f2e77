package io.wsvideo.relay.media.internal;

import io.wsvideo.relay.media.MalformedStreamException;
import java.util.Locale;

/** Builds the exceptions the parsers throw; the message becomes a WebSocket close reason (max 123 bytes). */
public final class Malformed {

    /** Leaves room below the 123-byte close reason limit for a transport's own prefix. */
    public static final int MAX_REASON_CHARS = 100;

    private Malformed() {
    }

    public static MalformedStreamException invalid(String format, Object... args) {
        return new MalformedStreamException(MalformedStreamException.INVALID_PAYLOAD, reason(format, args));
    }

    public static MalformedStreamException unsupported(String format, Object... args) {
        return new MalformedStreamException(MalformedStreamException.UNSUPPORTED_DATA, reason(format, args));
    }

    public static String reason(String format, Object... args) {
        return ascii(String.format(Locale.ROOT, format, args), MAX_REASON_CHARS);
    }

    /** Publisher-controlled text (MIME types, codec names) must not smuggle non-ASCII into a close frame. */
    public static String ascii(String s, int maxChars) {
        StringBuilder out = new StringBuilder(Math.min(s.length(), maxChars));
        for (int i = 0; i < s.length() && out.length() < maxChars; i++) {
            char c = s.charAt(i);
            out.append(c >= 0x20 && c < 0x7F ? c : '?');
        }
        return out.toString();
    }

    /** An MP4 four-character code for messages, e.g. {@code moof}. */
    public static String fourcc(int type) {
        char[] c = {(char) (type >>> 24 & 0xFF), (char) (type >>> 16 & 0xFF), (char) (type >>> 8 & 0xFF),
                (char) (type & 0xFF)};
        return ascii(new String(c), 4);
    }
}
