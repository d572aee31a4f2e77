package io.wsvideo.demo;

/**
 * {@link RelayAbuseTest} against the demo's netty engine: the same hostile inputs get the same close codes (and
 * an unmasked client frame or a continuation without a start gets 1002 from Netty's decoder).
 */
class RelayAbuseNettyTest extends RelayAbuseTest {

    @Override
    RelayServer.Engine engine() {
        return RelayServer.Engine.NETTY;
    }
}
