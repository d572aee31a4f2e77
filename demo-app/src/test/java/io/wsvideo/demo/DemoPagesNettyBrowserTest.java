package io.wsvideo.demo;

/**
 * {@link DemoPagesBrowserTest} on the demo's netty engine: the pages, a throttled viewer skipped to a keyframe
 * (the hub's queue policy behind Netty's writability), reconnects and tokens.
 */
class DemoPagesNettyBrowserTest extends DemoPagesBrowserTest {

    @Override
    RelayServer.Engine engine() {
        return RelayServer.Engine.NETTY;
    }
}
