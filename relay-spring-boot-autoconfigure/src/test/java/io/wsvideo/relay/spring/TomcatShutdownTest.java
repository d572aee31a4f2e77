package io.wsvideo.relay.spring;

/** {@link ShutdownContract} on embedded Tomcat. */
class TomcatShutdownTest extends ShutdownContract {
}
