package io.wsvideo.relay.spring;

import org.junit.jupiter.api.Tag;

/** {@link CustomizedAppContract} on embedded Jetty. */
@Tag("jetty")
class JettyCustomizedAppTest extends CustomizedAppContract {
}
