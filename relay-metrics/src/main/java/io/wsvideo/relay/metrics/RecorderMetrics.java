package io.wsvideo.relay.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.wsvideo.relay.record.Recorder;
import io.wsvideo.relay.record.RecorderStats;
import java.util.Objects;

/**
 * Micrometer meters for a {@link Recorder} ({@code wsvideo_recordings_*}, {@code wsvideo_recorded_bytes_total},
 * docs/metrics.md "Recording"), read from {@link Recorder#stats()} when the registry asks: nothing to refresh
 * and nothing to close. Shared by the demo server and the Spring Boot starter.
 */
public final class RecorderMetrics implements MeterBinder {

    private final Recorder recorder;

    public RecorderMetrics(Recorder recorder) {
        this.recorder = Objects.requireNonNull(recorder, "recorder");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Recorder r = recorder;
        FunctionCounter.builder("wsvideo.recordings.started", r, x -> x.stats().started())
                .description("recordings started").register(registry);
        FunctionCounter.builder("wsvideo.recordings.failed", r, x -> x.stats().failed())
                .description("recordings stopped by a failure (queue overflow, write error)").register(registry);
        FunctionCounter.builder("wsvideo.recordings.queue.overflows", r, x -> x.stats().queueOverflows())
                .description("recordings stopped because their writer fell behind").register(registry);
        FunctionCounter.builder("wsvideo.recorded", r, x -> x.stats().bytesRecorded()).baseUnit("bytes")
                .description("stream bytes handed to the recording files").register(registry);
        Gauge.builder("wsvideo.recordings.active", r, x -> x.stats().recordings().stream()
                .filter(s -> s.state() == RecorderStats.State.RECORDING).count())
                .description("recordings being written").register(registry);
    }
}
