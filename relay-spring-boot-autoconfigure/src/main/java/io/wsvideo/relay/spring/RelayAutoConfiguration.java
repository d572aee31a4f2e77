package io.wsvideo.relay.spring;

import io.micrometer.core.instrument.binder.MeterBinder;
import io.wsvideo.relay.PublishAuthorizer;
import io.wsvideo.relay.RelayHub;
import io.wsvideo.relay.jakarta.JakartaRelayConfig;
import io.wsvideo.relay.jakarta.RelayEndpoints;
import io.wsvideo.relay.jakarta.RemoteAddressListener;
import io.wsvideo.relay.metrics.RecorderMetrics;
import io.wsvideo.relay.metrics.RelayMetrics;
import jakarta.servlet.ServletContext;
import jakarta.websocket.server.ServerContainer;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.web.servlet.ServletListenerRegistrationBean;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The relay in a Spring Boot servlet application: a {@link RelayHub} configured from the {@code wsvideo.*}
 * properties ({@link RelayProperties}), its two WebSocket endpoints on the embedded server, closed with 1001
 * when the application stops; with {@code wsvideo.record-dir}, the recorder and {@code /recordings}
 * ({@link RelayRecording}); with Micrometer, the relay's meters; with the actuator, the {@code wsvideo} health
 * indicator and the {@code /actuator/wsvideo} endpoint.
 *
 * <p>Backs off entirely with {@code wsvideo.enabled=false}. An application's own {@link RelayHub} bean replaces
 * the hub (the endpoint keys still apply, the hub keys do not), and its {@link PublishAuthorizer} bean replaces
 * the shared publish tokens.
 */
@AutoConfiguration
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass({ServletContext.class, ServerContainer.class, RelayEndpoints.class})
@ConditionalOnBooleanProperty(name = "wsvideo.enabled", matchIfMissing = true)
@EnableConfigurationProperties(RelayProperties.class)
public class RelayAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    JakartaRelayConfig wsvideoRelayConfig(RelayProperties properties, ObjectProvider<PublishAuthorizer> authorizer) {
        // getIfAvailable, not getIfUnique: two authorizers must fail the start, not silently open publishing.
        PublishAuthorizer a = authorizer.getIfAvailable();
        if (a != null && !properties.getPublishTokens().isEmpty()) {
            throw new RelayStartupException("wsvideo.publish-tokens is set and the application also defines a "
                    + "PublishAuthorizer bean (" + a.getClass().getName() + "), which replaces the shared tokens",
                    "Remove wsvideo.publish-tokens, or let the PublishAuthorizer bean accept those tokens.", null);
        }
        return properties.toConfig(a);
    }

    @Bean
    @ConditionalOnMissingBean
    RelayHub wsvideoRelayHub(JakartaRelayConfig config) {
        return RelayHub.create(config.relay());
    }

    @Bean
    RelayEndpointsRegistrar wsvideoRelayEndpoints(RelayHub hub, JakartaRelayConfig config,
            ApplicationContext context) {
        return new RelayEndpointsRegistrar(hub, config, context);
    }

    /**
     * The recorder and {@code /recordings} when the configuration records ({@code wsvideo.record-dir}); an
     * inert bean otherwise. A ServletContextInitializer, so the embedded server creates it (and the hub) while it
     * starts.
     */
    @Bean
    RelayRecording wsvideoRecording(RelayHub hub, JakartaRelayConfig config) {
        return RelayRecording.start(hub, config);
    }

    /**
     * Tells the handshake the client's address in containers whose WebSocket sessions do not (Tomcat), for
     * {@code max-sessions-per-remote-address} and a {@link PublishAuthorizer}. relay-jakarta's web fragment
     * would declare it in a WAR; an embedded server does not read web fragments.
     */
    @Bean
    ServletListenerRegistrationBean<RemoteAddressListener> wsvideoRemoteAddressListener() {
        return new ServletListenerRegistrationBean<>(new RemoteAddressListener());
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({MeterBinder.class, RelayMetrics.class})
    static class MetricsConfiguration {

        /** Bound to the application's MeterRegistry by Spring Boot, like every MeterBinder bean. */
        @Bean
        @ConditionalOnMissingBean
        RelayMetrics wsvideoRelayMetrics(RelayHub hub) {
            return RelayMetrics.builder(hub).build();
        }

        /** The {@code wsvideo_recordings_*} meters when recording; binds nothing otherwise. */
        @Bean
        MeterBinder wsvideoRecorderMetrics(RelayRecording recording) {
            return registry -> {
                if (recording.recorder() != null) {
                    new RecorderMetrics(recording.recorder()).bindTo(registry);
                }
            };
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({Endpoint.class, ConditionalOnAvailableEndpoint.class})
    static class StatsEndpointConfiguration {

        @Bean
        @ConditionalOnMissingBean
        @ConditionalOnAvailableEndpoint
        RelayStatsEndpoint wsvideoStatsEndpoint(RelayHub hub, RelayRecording recording) {
            return new RelayStatsEndpoint(hub, recording);
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({HealthIndicator.class, ConditionalOnEnabledHealthIndicator.class})
    static class HealthConfiguration {

        /** Shows as {@code wsvideo} in {@code /actuator/health}. */
        @Bean
        @ConditionalOnMissingBean(name = "wsvideoHealthIndicator")
        @ConditionalOnEnabledHealthIndicator("wsvideo")
        HealthIndicator wsvideoHealthIndicator(RelayHub hub, RelayEndpointsRegistrar endpoints) {
            return new RelayHealthIndicator(hub, endpoints);
        }
    }
}
