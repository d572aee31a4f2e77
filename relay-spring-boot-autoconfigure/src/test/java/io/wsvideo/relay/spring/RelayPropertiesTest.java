package io.wsvideo.relay.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.wsvideo.relay.PublishAuthorizer;
import io.wsvideo.relay.RelayConfig;
import io.wsvideo.relay.RelayHub;
import io.wsvideo.relay.SharedTokens;
import io.wsvideo.relay.jakarta.JakartaRelayConfig;
import io.wsvideo.relay.record.Recorder;
import io.wsvideo.relay.record.RecordingConfig;
import io.wsvideo.relay.server.RelayServerConfig;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.bind.validation.BindValidationException;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.validation.FieldError;

/** Binding, validation and back-off, in a servlet application context without a server. */
class RelayPropertiesTest {

    private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(RelayAutoConfiguration.class));

    @Test
    void relaxedKeysBindToRelayJakartasConfig() {
        runner.withPropertyValues(
                "wsvideo.max-queue-bytes=1234567",
                "wsvideo.lateJoinCacheMillis=5000", // the context parameter's spelling binds too
                "wsvideo.publish-tokens=one, two",
                "wsvideo.view-tokens[0]=watch",
                "wsvideo.allowed-origins=https://video.example.com",
                "wsvideo.publisher-takeover=true",
                "wsvideo.publisher-resume-millis=8000",
                "wsvideo.channel-name-pattern=[a-z]{1,8}",
                "wsvideo.view-path=/watch/{channel}").run(context -> {
                    JakartaRelayConfig config = context.getBean(JakartaRelayConfig.class);
                    assertThat(config.relay().maxQueueBytes()).isEqualTo(1_234_567);
                    assertThat(config.relay().lateJoinCacheMillis()).isEqualTo(5_000);
                    assertThat(config.relay().publisherTakeover()).isTrue();
                    assertThat(config.relay().publisherResumeMillis()).isEqualTo(8000);
                    assertThat(config.relay().channelNamePattern().pattern()).isEqualTo("[a-z]{1,8}");
                    assertThat(config.publishAuthorizer()).isInstanceOfSatisfying(SharedTokens.class,
                            t -> assertThat(t.matches("two")).isTrue());
                    assertThat(config.viewTokens().matches("watch")).isTrue();
                    assertThat(config.allowedOrigins()).containsExactly("https://video.example.com");
                    assertThat(config.viewPath()).isEqualTo("/watch/{channel}");
                    assertThat(config.publishPath()).isEqualTo(JakartaRelayConfig.defaults().publishPath());
                    assertThat(context.getBean(RelayHub.class).config()).isSameAs(config.relay());
                });
    }

    @Test
    void environmentVariablesBindInSpringsForm() {
        runner.withInitializer(ctx -> ctx.getEnvironment().getPropertySources().addFirst(
                new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                        Map.of("WSVIDEO_MAXQUEUEBYTES", "777777", "WSVIDEO_PUBLISHTOKENS", "from-env"))))
                .run(context -> {
                    JakartaRelayConfig config = context.getBean(JakartaRelayConfig.class);
                    assertThat(config.relay().maxQueueBytes()).isEqualTo(777_777);
                    assertThat(((SharedTokens) config.publishAuthorizer()).matches("from-env")).isTrue();
                });
    }

    @Test
    void withoutPropertiesTheRelaysDefaultsApplyAndPublishingIsOpen() {
        runner.run(context -> {
            JakartaRelayConfig config = context.getBean(JakartaRelayConfig.class);
            assertThat(config.toString()).isEqualTo(JakartaRelayConfig.defaults().toString());
            assertThat(config.publishAuthorizer()).isNull();
        });
    }

    /** The binder runs relay-jakarta's checks and reports the offending key in Spring's form. */
    @Test
    void aBadValueFailsTheStartOnItsKey() {
        runner.withPropertyValues("wsvideo.max-queue-age-millis=0").run(context -> {
            assertThat(context).hasFailed();
            Throwable failure = context.getStartupFailure();
            BindValidationException e = findCause(failure, BindValidationException.class);
            assertThat(e.getValidationErrors().getAllErrors()).singleElement().isInstanceOfSatisfying(FieldError.class,
                    f -> {
                        assertThat(f.getField()).isEqualTo("maxQueueAgeMillis");
                        assertThat(f.getDefaultMessage()).isEqualTo("maxQueueAgeMillis must be > 0, was 0");
                    });
            assertThat(e.getValidationErrors().getName().toString()).isEqualTo("wsvideo");
        });
    }

    @Test
    void everyRuleOfRelayJakartaNamesItsProperty() {
        Map<String, String> bad = Map.of(
                "wsvideo.publish-path", "/no-channel-here",
                "wsvideo.allowed-origins", "https://video.example.com/page",
                "wsvideo.channel-name-pattern", "[unclosed",
                "wsvideo.max-sessions-per-remote-address", "-1",
                "wsvideo.max-message-bytes", "0");
        bad.forEach((key, value) -> runner.withPropertyValues(key + "=" + value).run(context -> {
            assertThat(context).hasFailed();
            BindValidationException e = findCause(context.getStartupFailure(), BindValidationException.class);
            String field = key.substring("wsvideo.".length());
            assertThat(e.getValidationErrors().getAllErrors()).as(key).singleElement()
                    .isInstanceOfSatisfying(FieldError.class, f -> assertThat(dashed(f.getField())).isEqualTo(field));
        }));
    }

    @Test
    void disabledTheStarterBacksOffEntirely() {
        runner.withPropertyValues("wsvideo.enabled=false").run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context).doesNotHaveBean(RelayHub.class).doesNotHaveBean(JakartaRelayConfig.class)
                    .doesNotHaveBean(RelayEndpointsRegistrar.class).doesNotHaveBean(RelayProperties.class);
        });
    }

    @Test
    void anApplicationHubReplacesTheStartersHub() {
        RelayHub own = RelayHub.create(RelayConfig.defaults());
        try {
            runner.withBean("myHub", RelayHub.class, () -> own).run(context -> {
                assertThat(context.getBeansOfType(RelayHub.class)).containsOnlyKeys("myHub");
                assertThat(context).hasSingleBean(RelayEndpointsRegistrar.class);
            });
        } finally {
            own.close();
        }
    }

    @Test
    void anApplicationJakartaRelayConfigReplacesTheProperties() {
        JakartaRelayConfig mine = JakartaRelayConfig.builder().viewPath("/mine/{channel}")
                .relay(RelayConfig.builder().maxChannels(3).build()).build();
        runner.withBean(JakartaRelayConfig.class, () -> mine).withPropertyValues("wsvideo.max-channels=99")
                .run(context -> {
                    assertThat(context).hasSingleBean(JakartaRelayConfig.class);
                    assertThat(context.getBean(RelayHub.class).config().maxChannels()).isEqualTo(3);
                });
    }

    @Test
    void aPublishAuthorizerBeanReplacesTheSharedTokens() {
        PublishAuthorizer mine = (channel, token, address) -> true;
        runner.withBean(PublishAuthorizer.class, () -> mine).run(context ->
                assertThat(context.getBean(JakartaRelayConfig.class).publishAuthorizer()).isSameAs(mine));
    }

    @Test
    void tokensAndAnAuthorizerTogetherFailTheStartWithAnAnalysis() {
        runner.withBean(PublishAuthorizer.class, () -> (channel, token, address) -> true)
                .withPropertyValues("wsvideo.publish-tokens=t").run(context -> {
                    assertThat(context).hasFailed();
                    FailureAnalysis analysis = new RelayFailureAnalyzer().analyze(context.getStartupFailure());
                    assertThat(analysis).isNotNull();
                    assertThat(analysis.getDescription()).contains("wsvideo.publish-tokens", "PublishAuthorizer");
                    assertThat(analysis.getAction()).contains("Remove wsvideo.publish-tokens");
                });
    }

    /** Without a running server (a mock servlet context) nothing is registered, and health says so. */
    @Test
    void withoutAServerTheEndpointsAreNotRegisteredAndHealthIsOutOfService() {
        runner.run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBean(RelayEndpointsRegistrar.class).serving()).isFalse();
            HealthIndicator health = context.getBean("wsvideoHealthIndicator", HealthIndicator.class);
            assertThat(health.health().getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
        });
    }

    /** IDE completion: the generated metadata describes a property for every key relay-jakarta reads. */
    @Test
    void theConfigurationMetadataHasEveryRelayKey() throws Exception {
        String json;
        try (InputStream in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            assertThat(in).as("generated by spring-boot-configuration-processor").isNotNull();
            json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Set<String> described = new HashSet<>();
        Matcher m = Pattern.compile("\"name\": \"wsvideo\\.([a-z-]+)\",\\s*\"type\": \"[^\"]+\",\\s*\"description\": \"[^\"]+\"")
                .matcher(json);
        while (m.find()) {
            described.add(m.group(1));
        }
        List<String> expected = JakartaRelayConfig.keys().stream().map(RelayPropertiesTest::dashed).toList();
        assertThat(described).containsExactlyInAnyOrderElementsOf(expected);
    }

    /** The record-* keys, as the context parameters: recording on with record-dir, its limits bound and checked. */
    @Test
    void recordKeysBindAndStartTheRecorder(@TempDir Path dir) {
        runner.withPropertyValues(
                "wsvideo.record-dir=" + dir.resolve("rec"),
                "wsvideo.record-channels=cam-.*",
                "wsvideo.record-on-request=true",
                "wsvideo.record-max-seconds=600",
                "wsvideo.record-max-bytes=1000000",
                "wsvideo.record-retention-bytes=50000000",
                "wsvideo.record-retention-seconds=86400",
                "wsvideo.record-queue-bytes=65536").run(context -> {
                    assertThat(context).hasNotFailed();
                    RecordingConfig rc = context.getBean(JakartaRelayConfig.class).server().recording();
                    assertThat(rc.dir()).isEqualTo(dir.resolve("rec"));
                    assertThat(rc.channels().pattern()).isEqualTo("cam-.*");
                    assertThat(rc.onRequest()).isTrue();
                    assertThat(rc.maxSeconds()).isEqualTo(600);
                    assertThat(rc.maxBytes()).isEqualTo(1_000_000);
                    assertThat(rc.retentionBytes()).isEqualTo(50_000_000);
                    assertThat(rc.retentionSeconds()).isEqualTo(86_400);
                    assertThat(rc.queueBytes()).isEqualTo(65_536);
                    Recorder recorder = context.getBean(RelayRecording.class).recorder();
                    assertThat(recorder).isNotNull();
                    assertThat(recorder.config()).isSameAs(rc);
                    assertThat(dir.resolve("rec")).as("created by the recorder's files").isDirectory();
                });
    }

    /** Recording follows the configuration in use: an application's JakartaRelayConfig bean records if it says so. */
    @Test
    void anApplicationJakartaRelayConfigWithRecordingRecords(@TempDir Path dir) {
        JakartaRelayConfig mine = JakartaRelayConfig.of(RelayServerConfig.builder()
                .recording(RecordingConfig.builder().dir(dir).channels("mine-.*").build()).build());
        runner.withBean(JakartaRelayConfig.class, () -> mine).run(context -> {
            Recorder recorder = context.getBean(RelayRecording.class).recorder();
            assertThat(recorder).isNotNull();
            assertThat(recorder.config()).isSameAs(mine.server().recording());
        });
    }

    @Test
    void withoutRecordDirNothingIsRecorded() {
        runner.run(context -> {
            assertThat(context.getBean(JakartaRelayConfig.class).server().recording()).isNull();
            assertThat(context.getBean(RelayRecording.class).recorder()).isNull();
        });
    }

    @Test
    void badRecordValuesFailTheStartOnTheirKeys() {
        Map<String, String> bad = Map.of(
                "wsvideo.record-queue-bytes=0", "recordQueueBytes",
                "wsvideo.record-channels=[unclosed", "recordChannels",
                "wsvideo.record-max-seconds=-1", "recordMaxSeconds",
                // as with the context parameters: the other record keys need record-dir
                "wsvideo.record-max-bytes=1000", "recordDir");
        bad.forEach((property, field) -> runner.withPropertyValues(property).run(context -> {
            assertThat(context).hasFailed();
            BindValidationException e = findCause(context.getStartupFailure(), BindValidationException.class);
            assertThat(e.getValidationErrors().getAllErrors()).as(property).singleElement()
                    .isInstanceOfSatisfying(FieldError.class, f -> assertThat(f.getField()).isEqualTo(field));
        }));
    }

    /** A record-dir the application cannot create fails the start with an analysis naming the key. */
    @Test
    void anUnusableRecordDirFailsTheStartWithAnAnalysis(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("a-file"), "not a folder");
        runner.withPropertyValues("wsvideo.record-dir=" + file).run(context -> {
            assertThat(context).hasFailed();
            FailureAnalysis analysis = new RelayFailureAnalyzer().analyze(context.getStartupFailure());
            assertThat(analysis).isNotNull();
            assertThat(analysis.getDescription()).contains("cannot record into " + file, "wsvideo.record-dir");
            assertThat(analysis.getAction()).contains("wsvideo.record-dir");
        });
    }

    /** {@code maxQueueBytes} becomes {@code max-queue-bytes}. */
    private static String dashed(String key) {
        return key.replaceAll("([A-Z])", "-$1").toLowerCase(Locale.ROOT);
    }

    private static <T extends Throwable> T findCause(Throwable t, Class<T> type) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (type.isInstance(c)) {
                return type.cast(c);
            }
        }
        throw new AssertionError("no " + type.getSimpleName() + " in " + t);
    }
}
