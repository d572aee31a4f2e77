package io.wsvideo.relay.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/** A real application start with a bad value: Spring Boot's "APPLICATION FAILED TO START" names the key. */
@ExtendWith(OutputCaptureExtension.class)
class RelayStartFailureTest {

    private static void start(String... properties) {
        new SpringApplicationBuilder(RelayTestApp.class)
                .properties("server.port=0", "server.address=127.0.0.1")
                .properties(properties)
                .run().close();
    }

    @Test
    void aValueRelayJakartaRejects(CapturedOutput output) {
        assertThatThrownBy(() -> start("wsvideo.max-queue-bytes=-1")).isInstanceOf(RuntimeException.class);
        assertThat(output).contains("APPLICATION FAILED TO START", "Property: wsvideo.maxQueueBytes",
                "Value: \"-1\"", "Origin: \"wsvideo.max-queue-bytes\"", "maxQueueBytes must be > 0, was -1");
    }

    @Test
    void aValueOfTheWrongType(CapturedOutput output) {
        assertThatThrownBy(() -> start("wsvideo.max-channels=lots")).isInstanceOf(RuntimeException.class);
        assertThat(output).contains("APPLICATION FAILED TO START", "wsvideo.max-channels", "lots");
    }
}
