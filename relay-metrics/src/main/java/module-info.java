/** Micrometer meters for a relay hub (docs/metrics.md). */
module io.wsvideo.relay.metrics {
    requires transitive io.wsvideo.relay;
    requires transitive micrometer.core;
    requires org.slf4j;

    exports io.wsvideo.relay.metrics;
}
