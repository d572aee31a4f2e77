package io.wsvideo.relay.spring;

import io.wsvideo.relay.PublishAuthorizer;
import io.wsvideo.relay.RelayConfig;
import io.wsvideo.relay.RelayHub;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;

/** An application with its own hub and its own rule for who may publish. */
@SpringBootConfiguration
@EnableAutoConfiguration
public class CustomizedApp {

    @Bean
    RelayHub applicationHub() {
        return RelayHub.create(RelayConfig.builder().lateJoinCacheMillis(5_000).build());
    }

    @Bean
    ChannelOwners channelOwners() {
        return new ChannelOwners();
    }

    /** Alice may publish on the channels whose names start with "alice-"; remembers every question. */
    static final class ChannelOwners implements PublishAuthorizer {
        final List<String> asked = new CopyOnWriteArrayList<>();

        @Override
        public boolean authorize(String channel, String token, String remoteAddress) {
            asked.add(channel + " " + token + " " + remoteAddress);
            return "alice-token".equals(token) && channel.startsWith("alice-");
        }
    }
}
