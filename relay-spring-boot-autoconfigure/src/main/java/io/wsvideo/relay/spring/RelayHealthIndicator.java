package io.wsvideo.relay.spring;

import io.wsvideo.relay.ChannelStats;
import io.wsvideo.relay.RelayHub;
import io.wsvideo.relay.RelayStats;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * {@code wsvideo} in {@code /actuator/health}: UP with the audience while the endpoints serve, OUT_OF_SERVICE
 * when they were not registered or once the relay is shutting down (so a load balancer stops sending
 * viewers to a node whose relay has closed its sessions).
 */
final class RelayHealthIndicator implements HealthIndicator {

    private final RelayHub hub;
    private final RelayEndpointsRegistrar endpoints;

    RelayHealthIndicator(RelayHub hub, RelayEndpointsRegistrar endpoints) {
        this.hub = hub;
        this.endpoints = endpoints;
    }

    @Override
    public Health health() {
        if (!endpoints.serving()) {
            return Health.outOfService().withDetail("reason", endpoints.isRunning()
                    ? "endpoints not registered (no WebSocket server container)" : "relay stopped").build();
        }
        RelayStats stats = hub.stats(false);
        long live = stats.channels().stream().filter(ChannelStats::live).count();
        return Health.up()
                .withDetail("channels", stats.channels().size())
                .withDetail("publishers", live)
                .withDetail("viewers", stats.viewerCount())
                .withDetail("viewersEvicted", stats.viewersEvicted())
                .withDetail("publishersRefused", stats.publishersRefused())
                .build();
    }
}
