package io.wsvideo.demo;

/** {@link RecordingsEndpointTest} on the demo's Netty engine ({@code --engine netty}). */
class RecordingsEndpointNettyTest extends RecordingsEndpointTest {

    @Override
    RelayServer.Engine engine() {
        return RelayServer.Engine.NETTY;
    }
}
