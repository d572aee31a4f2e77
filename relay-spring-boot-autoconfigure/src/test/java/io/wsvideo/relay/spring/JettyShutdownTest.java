package io.wsvideo.relay.spring;

import org.junit.jupiter.api.Tag;

/** {@link ShutdownContract} on embedded Jetty. */
@Tag("jetty")
class JettyShutdownTest extends ShutdownContract {
}
