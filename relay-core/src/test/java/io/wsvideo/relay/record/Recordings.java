package io.wsvideo.relay.record;

import io.wsvideo.relay.Publisher;
import io.wsvideo.relay.RelayConfig;
import io.wsvideo.relay.RelayHub;
import io.wsvideo.relay.RelayRefusal;
import io.wsvideo.relay.testing.Recording;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;

/** Test support: publishes fixtures into a hub that records, as a transport would. */
final class Recordings {

    private Recordings() {
    }

    static RelayHub hub() {
        return RelayHub.create(RelayConfig.defaults());
    }

    static Publisher publish(RelayHub hub, String channel, Recording rec) throws RelayRefusal {
        return hub.openPublisher(channel, rec.mime(), (code, reason) -> {
        });
    }

    /** Sends chunks {@code [from, to)} of a fixture, each in a buffer of its own as transports do. */
    static void send(Publisher p, Recording rec, int from, int to) {
        List<ByteBuffer> chunks = rec.chunks();
        for (int i = from; i < to; i++) {
            ByteBuffer c = chunks.get(i);
            ByteBuffer copy = ByteBuffer.allocate(c.remaining());
            copy.put(c).flip();
            p.onData(copy);
        }
    }

    /** Records one whole fixture on channel {@code channel} into {@code dir}; returns the files made. */
    static List<RecordingFile> recordWhole(Path dir, String channel, Recording rec) throws Exception {
        RecordingConfig rc = RecordingConfig.builder().dir(dir).build();
        RecordingFiles files = RecordingFiles.create(rc);
        record(rc, files, hub -> {
            Publisher p = publish(hub, channel, rec);
            send(p, rec, 0, rec.chunks().size());
            p.close();
        });
        return files.list();
    }

    /** What a test publishes into a hub. */
    @FunctionalInterface
    interface Session {
        void run(RelayHub hub) throws Exception;
    }

    /** Runs {@code session} on a hub recorded into {@code files}; returns the recorder, closed (its files complete). */
    static Recorder record(RecordingConfig rc, RecordingFiles files, Session session) throws Exception {
        try (RelayHub hub = hub()) {
            Recorder recorder = Recorder.start(hub, rc, files);
            session.run(hub);
            recorder.close();
            return recorder;
        }
    }
}
