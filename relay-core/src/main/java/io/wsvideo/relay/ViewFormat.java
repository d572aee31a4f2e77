package io.wsvideo.relay;

/**
 * What a viewer is sent of a channel's stream ({@code ?format=} of the view URL).
 */
public enum ViewFormat {

    /** The container bytes as published, for MediaSource players (the default). */
    BYTES,
    /**
     * The frames each published chunk completes, each with a 14-byte header (track index, flags, timestamp,
     * length), for WebCodecs players: README.md, "Frame view".
     */
    FRAMES;

    /**
     * The format a {@code format} query parameter names: absent (null or empty) or {@code bytes} is
     * {@link #BYTES}, {@code frames} is {@link #FRAMES}, case-insensitively.
     *
     * @throws RelayRefusal {@link CloseCodes#POLICY_VIOLATION} for anything else
     */
    public static ViewFormat parse(String value) throws RelayRefusal {
        if (value == null || value.isEmpty() || value.equalsIgnoreCase("bytes")) {
            return BYTES;
        }
        if (value.equalsIgnoreCase("frames")) {
            return FRAMES;
        }
        throw new RelayRefusal(CloseCodes.POLICY_VIOLATION, "unknown format " + shown(value) + ": use bytes or frames");
    }

    /**
     * Whether a {@code keys} query parameter asks for {@code key} messages: {@code 1} yes; absent (null or
     * empty) or {@code 0} no.
     *
     * @throws RelayRefusal {@link CloseCodes#POLICY_VIOLATION} for anything else
     */
    public static boolean parseKeys(String value) throws RelayRefusal {
        if (value == null || value.isEmpty() || value.equals("0")) {
            return false;
        }
        if (value.equals("1")) {
            return true;
        }
        throw new RelayRefusal(CloseCodes.POLICY_VIOLATION, "bad keys parameter " + shown(value) + ": use 1 or 0");
    }

    /** A client's query value in a close reason: quoted, at most 20 characters of it, printable ASCII. */
    private static String shown(String value) {
        return Json.quote(ascii(value.length() > 20 ? value.substring(0, 20) + "..." : value));
    }

    /** A query value is the client's: keep the close reason printable ASCII. */
    static String ascii(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            out.append(c >= 0x20 && c < 0x7F ? c : '?');
        }
        return out.toString();
    }
}
