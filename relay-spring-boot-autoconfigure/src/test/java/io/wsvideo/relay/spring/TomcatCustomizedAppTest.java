package io.wsvideo.relay.spring;

/** {@link CustomizedAppContract} on embedded Tomcat. */
class TomcatCustomizedAppTest extends CustomizedAppContract {
}
