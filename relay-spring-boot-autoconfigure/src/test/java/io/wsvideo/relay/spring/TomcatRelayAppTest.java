package io.wsvideo.relay.spring;

/** {@link RelayAppContract} on embedded Tomcat. */
class TomcatRelayAppTest extends RelayAppContract {

    @Override
    String expectedServer() {
        return "Tomcat";
    }
}
