package io.wsvideo.relay;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * What a viewer's browser says it can play when it joins: the view URL's {@code plays} parameter, a
 * comma-separated list of format ids. A channel's stats count, per id, the viewers now connected that play it
 * ({@link ChannelStats#plays()}), so that a broadcaster can record in a format every current viewer plays, and
 * warn when its format leaves one out.
 *
 * <p>An id names a recording format as {@code container.video.audio}: {@code webm.vp8.opus},
 * {@code webm.vp9.opus}, {@code webm.av1.opus}, {@code mp4.avc1.opus}, {@code mp4.avc1.aac},
 * {@code mkv.avc1.opus}. The relay checks only their shape (lower-case letters and digits, up to four parts
 * joined by dots), so that newer pages may name formats it has not heard of.
 */
public final class ViewerPlays {

    /** Most ids one viewer may report. */
    public static final int MAX_IDS = 16;
    /** Longest id. */
    public static final int MAX_ID_CHARS = 32;
    /** Longest parameter: {@link #MAX_IDS} ids of {@link #MAX_ID_CHARS} and their commas. */
    static final int MAX_CHARS = MAX_IDS * (MAX_ID_CHARS + 1) - 1;
    private static final Pattern ID = Pattern.compile("[a-z0-9]+(?:\\.[a-z0-9]+){0,3}");

    /** A viewer that did not say (no {@code plays} parameter: an older page, or not a browser). */
    public static final ViewerPlays UNREPORTED = new ViewerPlays(null);

    /** The ids as reported, duplicates removed; null when unreported. */
    private final List<String> ids;

    private ViewerPlays(List<String> ids) {
        this.ids = ids;
    }

    /**
     * The value of a {@code plays} query parameter: absent (null) is {@link #UNREPORTED}; empty means the viewer
     * plays none of the formats it knows.
     *
     * @throws RelayRefusal {@link CloseCodes#POLICY_VIOLATION} for more than {@link #MAX_IDS} ids, an id longer
     *     than {@link #MAX_ID_CHARS} or not of the shape above
     */
    public static ViewerPlays parse(String value) throws RelayRefusal {
        if (value == null) {
            return UNREPORTED;
        }
        if (value.isEmpty()) {
            return new ViewerPlays(List.of());
        }
        if (value.length() > MAX_CHARS) {
            throw refusal("longer than " + MAX_CHARS + " characters");
        }
        String[] parts = value.split(",", -1);
        if (parts.length > MAX_IDS) {
            throw refusal("more than " + MAX_IDS + " ids");
        }
        Set<String> unique = new LinkedHashSet<>();
        for (String id : parts) {
            if (id.length() > MAX_ID_CHARS || !ID.matcher(id).matches()) {
                String shown = id.length() > 20 ? id.substring(0, 20) + "..." : id;
                throw refusal(Json.quote(ViewFormat.ascii(shown)) + " is not a format id");
            }
            unique.add(id);
        }
        return new ViewerPlays(List.copyOf(unique));
    }

    // The close reason must fit a close frame (123 bytes): this one is at most about 90.
    private static RelayRefusal refusal(String what) {
        return new RelayRefusal(CloseCodes.POLICY_VIOLATION, "bad plays parameter: " + what
                + " (ids like webm.vp8.opus, comma-separated)");
    }

    /** Whether the viewer said what it plays. */
    public boolean reported() {
        return ids != null;
    }

    /** The format ids the viewer plays, in its order; empty when it did not say. */
    public List<String> ids() {
        return ids == null ? List.of() : ids;
    }

    @Override
    public String toString() {
        return ids == null ? "unreported" : String.join(",", ids);
    }

    /** Adds up what the viewers of a channel play, for its stats. Not thread-safe: one per stats call. */
    static final class Tally {
        private int reporting;
        private final Map<String, Integer> counts = new TreeMap<>();

        void add(ViewerPlays p) {
            if (p.ids == null) {
                return;
            }
            reporting++;
            for (String id : p.ids) {
                counts.merge(id, 1, Integer::sum);
            }
        }

        int reporting() {
            return reporting;
        }

        /** Id to how many viewers play it, sorted by id. */
        Map<String, Integer> counts() {
            return Collections.unmodifiableMap(new TreeMap<>(counts));
        }
    }

    /** {@code ["a","b"]}, for the stats. */
    static String toJson(List<String> ids) {
        List<String> quoted = new ArrayList<>(ids.size());
        for (String id : ids) {
            quoted.add(Json.quote(id));
        }
        return "[" + String.join(",", quoted) + "]";
    }
}
