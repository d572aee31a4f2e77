package io.wsvideo.demo;

/** {@link BrowserStreamTest} on the demo's netty engine. */
class BrowserStreamNettyTest extends BrowserStreamTest {

    @Override
    RelayServer.Engine engine() {
        return RelayServer.Engine.NETTY;
    }
}
