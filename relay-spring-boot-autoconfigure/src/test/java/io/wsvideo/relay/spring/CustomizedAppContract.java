package io.wsvideo.relay.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.wsvideo.relay.RelayHub;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContext;
import org.springframework.test.annotation.DirtiesContext;

/**
 * An application with its own {@link RelayHub} and {@link io.wsvideo.relay.PublishAuthorizer} beans, other
 * paths and a per-address limit. The tests run in a fixed order: the first one counts sessions per address,
 * which needs every earlier session gone, and the last one stops the relay.
 */
@SpringBootTest(classes = CustomizedApp.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
    "server.address=127.0.0.1",
    "wsvideo.publish-path=/live/in/{channel}",
    "wsvideo.view-path=/live/out/{channel}",
    "wsvideo.max-sessions-per-remote-address=2",
    "management.endpoints.web.exposure.include=health",
    "management.endpoint.health.show-details=always"})
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class CustomizedAppContract {

    @LocalServerPort
    int port;

    @Autowired
    ApplicationContext context;

    @Autowired
    RelayHub applicationHub;

    @Autowired
    CustomizedApp.ChannelOwners owners;

    String ws(String path) {
        return "ws://127.0.0.1:" + port + path;
    }

    /**
     * Counting sessions per address needs the client's address, which Tomcat's WebSocket sessions do not tell:
     * the starter's RemoteAddressListener supplies it.
     */
    @Test
    @Order(1)
    void aThirdSessionFromOneAddressIsRefusedWith1013() throws Exception {
        List<RelayClient> admitted = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            RelayClient v = RelayClient.open(ws("/live/out/limited"));
            v.awaitControl("\"type\":\"waiting\"");
            admitted.add(v);
        }
        RelayClient third = RelayClient.open(ws("/live/out/limited"));
        assertThat(third.awaitClose()).isEqualTo(new RelayClient.Close(1013, "too many connections from your address"));
        for (RelayClient v : admitted) {
            assertThat(v.closed()).isFalse();
            v.close();
        }
    }

    @Test
    @Order(2)
    void theApplicationsHubBacksTheStartersOffAndServesTheEndpoints() throws Exception {
        assertThat(context.getBeansOfType(RelayHub.class)).containsOnlyKeys("applicationHub");
        RelayClient publisher = RelayClient.open(ws("/live/in/alice-cam?mime=video%2Fwebm&token=alice-token"));
        RelayClient.await(() -> applicationHub.stats(false).channel("alice-cam") != null,
                () -> "the application's hub has the channel; the publisher " + (publisher.closed() ? "was closed" : "is open"));
        publisher.close();
    }

    @Test
    @Order(3)
    void thePublishAuthorizerBeanDecidesWhoPublishesAndSeesTheClientsAddress() throws Exception {
        owners.asked.clear();
        RelayClient notHers = RelayClient.open(ws("/live/in/bob-cam?mime=video%2Fwebm"), "alice-token");
        assertThat(notHers.awaitClose()).isEqualTo(new RelayClient.Close(1008, "invalid token"));
        assertThat(owners.asked).containsExactly("bob-cam alice-token 127.0.0.1");
    }

    @Test
    @Order(4)
    @DirtiesContext
    void onceTheRelayStopsItsHealthIsOutOfServiceAndNewViewersAreTurnedAway() throws Exception {
        HttpResponse<String> up = Http.get(port, "/actuator/health/wsvideo");
        assertThat(up.statusCode()).isEqualTo(200);
        assertThat(up.body()).contains("\"status\":\"UP\"");

        context.getBean(RelayEndpointsRegistrar.class).stop();

        HttpResponse<String> down = Http.get(port, "/actuator/health/wsvideo");
        assertThat(down.statusCode()).isEqualTo(503);
        assertThat(down.body()).contains("\"status\":\"OUT_OF_SERVICE\"", "relay stopped");
        RelayClient late = RelayClient.open(ws("/live/out/after"));
        assertThat(late.awaitClose()).isEqualTo(new RelayClient.Close(1001, "relay is shutting down"));
    }
}
