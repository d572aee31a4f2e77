package io.wsvideo.relay.spring;

import org.junit.jupiter.api.Tag;

/** {@link RelayAppContract} on embedded Jetty (its own test JVM, without Tomcat: see the pom). */
@Tag("jetty")
class JettyRelayAppTest extends RelayAppContract {

    @Override
    String expectedServer() {
        return "Jetty";
    }
}
