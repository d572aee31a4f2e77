package io.wsvideo.relay.record;

import java.time.Instant;
import java.util.List;

/**
 * A snapshot of a {@link Recorder}: the recordings running now and the last one of each channel that failed,
 * plus totals since the recorder started.
 *
 * @param recordings     the recordings running or waiting for a keyframe, and failed ones until their channel
 *                       records again
 * @param started        recordings started
 * @param failed         recordings stopped by a failure (queue overflow, write error, malformed stream)
 * @param queueOverflows of those, the ones stopped because their writer fell behind
 * @param bytesRecorded  stream bytes handed to the sink, all recordings
 */
public record RecorderStats(List<Recording> recordings, long started, long failed, long queueOverflows,
                            long bytesRecorded) {

    /** Where a recording is in its life. */
    public enum State {
        /** Asked for, waiting for the stream's first bytes or its next keyframe. */
        WAITING,
        /** Receiving and writing. */
        RECORDING,
        /** The stream ended and its recording was completed. */
        ENDED,
        /** Stopped by a failure; {@link Recording#reason()} says which. The live channel was not affected. */
        FAILED
    }

    /**
     * One recording.
     *
     * @param reason       why it ended or failed; null while it runs
     * @param bytes        stream bytes handed to the sink so far
     * @param queuedBytes  bytes waiting for the writer
     */
    public record Recording(String channel, State state, String reason, Instant startedAt, long bytes,
                            long queuedBytes) {
    }

    /** The snapshot as JSON, for the demo's {@code /relay/stats}. */
    public String toJson() {
        StringBuilder b = new StringBuilder("{\"started\":").append(started).append(",\"failed\":").append(failed)
                .append(",\"queueOverflows\":").append(queueOverflows).append(",\"bytesRecorded\":")
                .append(bytesRecorded).append(",\"recordings\":[");
        for (int i = 0; i < recordings.size(); i++) {
            Recording r = recordings.get(i);
            b.append(i == 0 ? "" : ",").append("{\"channel\":").append(JsonText.string(r.channel()))
                    .append(",\"state\":\"").append(r.state()).append("\",\"reason\":")
                    .append(JsonText.string(r.reason())).append(",\"startedAt\":")
                    .append(JsonText.string(r.startedAt() == null ? null : r.startedAt().toString()))
                    .append(",\"bytes\":").append(r.bytes()).append(",\"queuedBytes\":").append(r.queuedBytes())
                    .append('}');
        }
        return b.append("]}").toString();
    }
}
