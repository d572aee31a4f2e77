package io.wsvideo.relay.record;

/** JSON string literals for the recording package's few fixed-shape documents (relay-core has no JSON library). */
final class JsonText {

    private JsonText() {
    }

    /** {@code s} as a JSON string literal, or {@code null}; every control character and quote escaped. */
    static String string(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        s.chars().forEach(c -> {
            if (c < 0x20 || c == '"' || c == '\\' || c == 0x2028 || c == 0x2029) {
                b.append(String.format("\\u%04x", c));
            } else {
                b.append((char) c);
            }
        });
        return b.append('"').toString();
    }
}
