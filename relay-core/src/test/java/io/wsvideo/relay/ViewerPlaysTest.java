package io.wsvideo.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What viewers say they play: the {@code plays} parameter and the channel stats that count it. */
class ViewerPlaysTest {

    private final HubTestSupport.ManualClock clock = new HubTestSupport.ManualClock();

    @Test
    void parsesIdsKeepsTheirOrderAndDropsRepeats() throws Exception {
        ViewerPlays p = ViewerPlays.parse("webm.vp8.opus,mp4.avc1.aac,webm.vp8.opus,future1.codec2.x3.y");
        assertThat(p.reported()).isTrue();
        assertThat(p.ids()).containsExactly("webm.vp8.opus", "mp4.avc1.aac", "future1.codec2.x3.y");
        assertThat(ViewerPlays.parse(null).reported()).isFalse();
        assertThat(ViewerPlays.parse(null)).isSameAs(ViewerPlays.UNREPORTED);
        ViewerPlays none = ViewerPlays.parse("");
        assertThat(none.reported()).isTrue();
        assertThat(none.ids()).isEmpty();
        String sixteen = String.join(",", java.util.Collections.nCopies(16, "a".repeat(32)));
        assertThat(ViewerPlays.parse(sixteen).ids()).containsExactly("a".repeat(32));
    }

    @Test
    void badValuesAreRefusedWith1008AndAReasonThatFitsACloseFrame() {
        List<String> bad = List.of("WebM.VP8", "webm vp8", "webm..vp8", ".webm", "webm.", "a,,b", ",", "a.b.c.d.e",
                "a".repeat(33), "webm.vp8;opus", "\u00e9\u0000\"<script>", "x,".repeat(16) + "x",
                "a".repeat(ViewerPlays.MAX_CHARS + 1));
        for (String value : bad) {
            assertThatThrownBy(() -> ViewerPlays.parse(value)).as(value).isInstanceOfSatisfying(RelayRefusal.class,
                    r -> {
                        assertThat(r.closeCode()).isEqualTo(CloseCodes.POLICY_VIOLATION);
                        assertThat(r.getMessage()).startsWith("bad plays parameter: ")
                                .matches("[\\x20-\\x7e]+");
                        assertThat(r.getMessage().getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(123);
                    });
        }
    }

    @Test
    void channelStatsCountWhatTheViewersNowConnectedPlay() throws Exception {
        try (RelayHub hub = RelayHub.createForTest(RelayConfig.defaults(), clock::now)) {
            Viewer firefox = hub.openViewer("room", new RecordingSink(true), ViewFormat.BYTES,
                    ViewerPlays.parse("webm.vp8.opus,webm.vp9.opus,mp4.avc1.opus"));
            Viewer oldSafari = hub.openViewer("room", new RecordingSink(true), ViewFormat.BYTES,
                    ViewerPlays.parse("mp4.avc1.opus,mp4.avc1.aac"));
            hub.openViewer("room", new RecordingSink(true), ViewFormat.FRAMES,
                    ViewerPlays.parse("webm.vp8.opus,mp4.avc1.opus,mkv.avc1.opus"));
            hub.openViewer("room", new RecordingSink(true)); // an older page: says nothing
            hub.openViewer("other", new RecordingSink(true), ViewFormat.BYTES, ViewerPlays.parse("webm.av1.opus"));

            ChannelStats room = hub.stats(false).channel("room");
            assertThat(room.viewerCount()).isEqualTo(4);
            assertThat(room.viewersReporting()).isEqualTo(3);
            assertThat(room.plays()).containsExactly(Map.entry("mkv.avc1.opus", 1), Map.entry("mp4.avc1.aac", 1),
                    Map.entry("mp4.avc1.opus", 3), Map.entry("webm.vp8.opus", 2), Map.entry("webm.vp9.opus", 1));
            assertThat(room.toJson(false)).contains(",\"viewersReporting\":3,\"plays\":{\"mkv.avc1.opus\":1,"
                    + "\"mp4.avc1.aac\":1,\"mp4.avc1.opus\":3,\"webm.vp8.opus\":2,\"webm.vp9.opus\":1}");
            assertThat(hub.stats(false).channel("other").plays()).containsExactly(Map.entry("webm.av1.opus", 1));

            // Per viewer, in the detailed stats.
            List<ViewerStats> viewers = hub.stats(true).channel("room").viewers();
            assertThat(viewers).extracting(ViewerStats::plays).containsExactlyInAnyOrder(
                    List.of("webm.vp8.opus", "webm.vp9.opus", "mp4.avc1.opus"),
                    List.of("mp4.avc1.opus", "mp4.avc1.aac"),
                    List.of("webm.vp8.opus", "mp4.avc1.opus", "mkv.avc1.opus"), null);
            assertThat(hub.stats(true).toJson(true)).contains("\"plays\":[\"mp4.avc1.opus\",\"mp4.avc1.aac\"]");

            // Leaving takes a viewer out of the count: only current viewers decide.
            oldSafari.close();
            firefox.close();
            room = hub.stats(false).channel("room");
            assertThat(room.viewersReporting()).isEqualTo(1);
            assertThat(room.plays()).containsExactly(Map.entry("mkv.avc1.opus", 1), Map.entry("mp4.avc1.opus", 1),
                    Map.entry("webm.vp8.opus", 1));
        }
    }
}
