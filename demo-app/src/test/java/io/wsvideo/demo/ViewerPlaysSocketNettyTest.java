package io.wsvideo.demo;

/** {@link ViewerPlaysSocketTest} against the demo's Netty engine. */
class ViewerPlaysSocketNettyTest extends ViewerPlaysSocketTest {

    @Override
    RelayServer.Engine engine() {
        return RelayServer.Engine.NETTY;
    }
}
