/** Several relay nodes joined through Redis (docs/cluster.md). */
module io.wsvideo.relay.redis {
    requires transitive io.wsvideo.relay;
    requires lettuce.core;
    requires org.slf4j;
    // Only RedisBridgeMetrics needs Micrometer, an optional dependency.
    requires static micrometer.core;

    exports io.wsvideo.relay.redis;
}
