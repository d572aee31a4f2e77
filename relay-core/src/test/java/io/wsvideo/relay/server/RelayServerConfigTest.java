package io.wsvideo.relay.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RelayServerConfigTest {

    @Test
    void everyKeyIsReadFromWsvideoProperties() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("wsvideo.enabled", "true");
        p.put("wsvideo.publishPath", "/live/in/{channel}");
        p.put("wsvideo.viewPath", "/live/out/{channel}");
        p.put("wsvideo.maxQueueBytes", "1000000");
        p.put("wsvideo.maxQueueAgeMillis", "1500");
        p.put("wsvideo.maxStallMillis", "5000");
        p.put("wsvideo.maxSkipsPerMinute", "3");
        p.put("wsvideo.lateJoinCacheBytes", "2000000");
        p.put("wsvideo.lateJoinCacheMillis", "4000");
        p.put("wsvideo.maxElementBytes", "3000000");
        p.put("wsvideo.maxInitSegmentBytes", "65536");
        p.put("wsvideo.maxMessageBytes", "524288");
        p.put("wsvideo.maxChannels", "10");
        p.put("wsvideo.maxViewersPerChannel", "50");
        p.put("wsvideo.maxSessionsPerRemoteAddress", "20");
        p.put("wsvideo.publisherIdleTimeoutMillis", "60000");
        p.put("wsvideo.viewerIdleTimeoutMillis", "120000");
        p.put("wsvideo.handshakeTimeoutMillis", "5000");
        p.put("wsvideo.channelNamePattern", "[a-z]{1,8}");
        p.put("wsvideo.publishTokens", " one , two ");
        p.put("wsvideo.viewTokens", "see");
        p.put("wsvideo.allowedOrigins", "https://Example.com, http://localhost:3000");
        p.put("wsvideo.publisherTakeover", "TRUE");
        p.put("wsvideo.publisherResumeMillis", "8000");
        p.put("wsvideo.recordDir", "/var/recordings");
        p.put("wsvideo.recordChannels", "news-.*");
        p.put("wsvideo.recordOnRequest", "true");
        p.put("wsvideo.recordMaxSeconds", "600");
        p.put("wsvideo.recordMaxBytes", "100000000");
        p.put("wsvideo.recordRetentionBytes", "5000000000");
        p.put("wsvideo.recordRetentionSeconds", "86400");
        p.put("wsvideo.recordQueueBytes", "4000000");
        p.put("unrelated.key", "ignored");
        assertThat(p.keySet()).containsAll(RelayServerConfig.keys().stream().map(k -> "wsvideo." + k).toList());

        RelayServerConfig c = RelayServerConfig.fromProperties(p);

        assertThat(c.enabled()).isTrue();
        assertThat(c.publishPath()).isEqualTo("/live/in/{channel}");
        assertThat(c.viewPath()).isEqualTo("/live/out/{channel}");
        assertThat(c.relay().maxQueueBytes()).isEqualTo(1_000_000);
        assertThat(c.relay().maxQueueAgeMillis()).isEqualTo(1500);
        assertThat(c.relay().maxStallMillis()).isEqualTo(5000);
        assertThat(c.relay().maxSkipsPerMinute()).isEqualTo(3);
        assertThat(c.relay().lateJoinCacheBytes()).isEqualTo(2_000_000);
        assertThat(c.relay().lateJoinCacheMillis()).isEqualTo(4000);
        assertThat(c.relay().maxElementBytes()).isEqualTo(3_000_000);
        assertThat(c.relay().maxInitSegmentBytes()).isEqualTo(65536);
        assertThat(c.maxMessageBytes()).isEqualTo(524288);
        assertThat(c.relay().maxChannels()).isEqualTo(10);
        assertThat(c.relay().maxViewersPerChannel()).isEqualTo(50);
        assertThat(c.maxSessionsPerRemoteAddress()).isEqualTo(20);
        assertThat(c.publisherIdleTimeoutMillis()).isEqualTo(60000);
        assertThat(c.viewerIdleTimeoutMillis()).isEqualTo(120000);
        assertThat(c.handshakeTimeoutMillis()).isEqualTo(5000);
        assertThat(c.relay().channelNamePattern().pattern()).isEqualTo("[a-z]{1,8}");
        assertThat(c.publishAuthorizer().authorize("c", "two", null)).isTrue();
        assertThat(c.publishAuthorizer().authorize("c", " two ", null)).isFalse();
        assertThat(c.viewTokens().matches("see")).isTrue();
        assertThat(c.allowedOrigins()).containsExactly("https://example.com", "http://localhost:3000");
        assertThat(c.relay().publisherTakeover()).isTrue();
        assertThat(c.relay().publisherResumeMillis()).isEqualTo(8000);
        assertThat(c.recording().dir()).isEqualTo(java.nio.file.Path.of("/var/recordings"));
        assertThat(c.recording().channels().pattern()).isEqualTo("news-.*");
        assertThat(c.recording().onRequest()).isTrue();
        assertThat(c.recording().maxSeconds()).isEqualTo(600);
        assertThat(c.recording().maxBytes()).isEqualTo(100_000_000);
        assertThat(c.recording().retentionBytes()).isEqualTo(5_000_000_000L);
        assertThat(c.recording().retentionSeconds()).isEqualTo(86400);
        assertThat(c.recording().queueBytes()).isEqualTo(4_000_000);
    }

    @Test
    void recordingIsOffWithoutARecordDirAndRecordKeysNeedOne() {
        assertThat(RelayServerConfig.fromProperties(Map.of()).recording()).isNull();
        assertThat(RelayServerConfig.fromProperties(Map.of("wsvideo.recordDir", "rec")).recording().channels()
                .pattern()).isEqualTo(".*");
        assertThatThrownBy(() -> RelayServerConfig.fromProperties(Map.of("wsvideo.recordMaxSeconds", "60")))
                .hasMessageContaining("wsvideo.recordDir must be set");
        assertThatThrownBy(() -> RelayServerConfig.fromProperties(Map.of("wsvideo.recordDir", "rec",
                "wsvideo.recordChannels", "(")))
                .hasMessageStartingWith("wsvideo.recordChannels");
        assertThatThrownBy(() -> RelayServerConfig.fromProperties(Map.of("wsvideo.recordDir", "rec",
                "wsvideo.recordMaxBytes", "-1")))
                .hasMessageStartingWith("wsvideo.recordMaxBytes must be >= 0");
    }

    @Test
    void theDefaultsAreOpenAndUnlimitedPerAddress() {
        RelayServerConfig c = RelayServerConfig.fromProperties(Map.of());
        assertThat(c.enabled()).isTrue();
        assertThat(c.publishAuthorizer()).isNull();
        assertThat(c.viewTokens()).isNull();
        assertThat(c.allowedOrigins()).isEmpty();
        assertThat(c.maxSessionsPerRemoteAddress()).isZero();
        assertThat(c.maxMessageBytes()).isEqualTo(1 << 20);
        assertThat(c.publishPath()).isEqualTo("/relay/publish/{channel}");
    }

    @Test
    void anUnknownKeyFailsNamingIt() {
        assertThatThrownBy(() -> RelayServerConfig.fromProperties(Map.of("wsvideo.maxQueueByte", "1")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown configuration key wsvideo.maxQueueByte")
                .hasMessageContaining("wsvideo.maxQueueBytes");
    }

    @Test
    void aValueThatIsNotANumberFailsNamingTheKey() {
        assertThatThrownBy(() -> RelayServerConfig.fromProperties(Map.of("wsvideo.lateJoinCacheMillis", "10s")))
                .hasMessageContaining("wsvideo.lateJoinCacheMillis").hasMessageContaining("'10s'");
        assertThatThrownBy(() -> RelayServerConfig.fromProperties(Map.of("wsvideo.maxChannels", "9999999999")))
                .hasMessageContaining("wsvideo.maxChannels");
    }

    @Test
    void anOutOfRangeValueFailsNamingTheKey() {
        assertThatThrownBy(() -> RelayServerConfig.fromProperties(Map.of("wsvideo.maxQueueBytes", "0")))
                .hasMessageStartingWith("wsvideo.maxQueueBytes must be > 0");
        assertThatThrownBy(() -> RelayServerConfig.fromProperties(Map.of("wsvideo.maxSessionsPerRemoteAddress",
                "-1"))).hasMessageStartingWith("wsvideo.maxSessionsPerRemoteAddress must be >= 0");
        assertThatThrownBy(() -> RelayServerConfig.fromProperties(Map.of("wsvideo.viewPath", "/relay/view")))
                .hasMessageStartingWith("wsvideo.viewPath must start with / and contain {channel}");
    }

    @Test
    void aBadBooleanRegexOrOriginFailsNamingTheKey() {
        assertThatThrownBy(() -> RelayServerConfig.fromProperties(Map.of("wsvideo.publisherTakeover", "yes")))
                .hasMessageContaining("wsvideo.publisherTakeover").hasMessageContaining("true or false");
        assertThatThrownBy(() -> RelayServerConfig.fromProperties(Map.of("wsvideo.publisherResumeMillis", "-1")))
                .hasMessageContaining("publisherResumeMillis");
        assertThatThrownBy(() -> RelayServerConfig.fromProperties(Map.of("wsvideo.channelNamePattern", "[a-")))
                .hasMessageStartingWith("wsvideo.channelNamePattern");
        assertThatThrownBy(() -> RelayServerConfig.fromProperties(Map.of("wsvideo.allowedOrigins",
                "https://example.com/page"))).hasMessageStartingWith("wsvideo.allowedOrigins");
    }

    @Test
    void originsMatchExactlyIgnoringCaseAndAMissingOriginIsAllowed() {
        RelayServerConfig c = RelayServerConfig.builder().allowedOrigins("https://example.com").build();
        assertThat(c.originAllowed("https://example.com")).isTrue();
        assertThat(c.originAllowed("HTTPS://EXAMPLE.COM")).isTrue();
        assertThat(c.originAllowed("https://example.com:8443")).isFalse();
        assertThat(c.originAllowed("http://example.com")).isFalse();
        assertThat(c.originAllowed("https://evil.example.com")).isFalse();
        assertThat(c.originAllowed("null")).isFalse();
        assertThat(c.originAllowed(null)).isTrue();
        assertThat(RelayServerConfig.builder().allowedOrigins("*").build().originAllowed("https://any")).isTrue();
    }

    @Test
    void aCustomAuthorizerReplacesTheTokensButNotBoth() {
        RelayServerConfig c = RelayServerConfig.builder()
                .publishAuthorizer((channel, token, address) -> channel.startsWith("open-")).build();
        assertThat(c.publishAuthorizer().authorize("open-1", null, null)).isTrue();
        assertThat(c.publishAuthorizer().authorize("closed", "x", null)).isFalse();
        assertThatThrownBy(() -> RelayServerConfig.builder().publishTokens("t")
                .publishAuthorizer((ch, t, a) -> true).build()).hasMessageContaining("publishTokens");
    }

    @Test
    void toStringHidesTheTokens() {
        String s = RelayServerConfig.builder().publishTokens("hunter2").viewTokens("swordfish").build().toString();
        assertThat(s).doesNotContain("hunter2").doesNotContain("swordfish");
    }
}
