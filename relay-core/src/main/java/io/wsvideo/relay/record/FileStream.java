package io.wsvideo.relay.record;

import io.wsvideo.relay.media.StreamInfo;
import io.wsvideo.relay.media.internal.WebmAlphaModeFix;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One recorded stream written as files: holds the segment being received until the next one starts, then
 * hands it whole to the current file's {@link FormatWriter}, starting a new file at a keyframe when the
 * current one reached its time, size or index limit. Runs on the recording's writer thread.
 */
final class FileStream implements RecordingSink.Stream {

    private static final Logger LOG = LoggerFactory.getLogger(FileStream.class);

    /** Where a stream's files go: {@link RecordingFiles}, or one file being repaired. */
    interface Place {
        FileTarget create(String channel, String extension) throws IOException;

        void progress(java.nio.file.Path file, long mediaMillis);

        void closed(java.nio.file.Path file, boolean kept);
    }

    private final Place files;
    private final RecordingSink.Start start;
    private final RecordingConfig config;

    /** Received bytes from stream offset {@link #pendingStart} on. */
    private final Buf pending = new Buf(1 << 16);
    private long pendingStart;
    private long received;

    private StreamInfo info;
    private WebmFileWriter.Init webm;
    private Mp4FileWriter.Init mp4;
    private boolean skip;

    /** The segment being received: its start offset (-1 before the first) and whether it is a keyframe. */
    private long segment = -1;
    private boolean segmentRandomAccess;

    private FormatWriter writer;

    FileStream(Place files, RecordingSink.Start start, RecordingConfig config) {
        this.files = files;
        this.start = start;
        this.config = config;
    }

    @Override
    public void data(long offset, ByteBuffer bytes) throws IOException {
        received = offset + bytes.remaining();
        if (skip) {
            return;
        }
        if (pending.length() + (long) bytes.remaining() > config.maxSegmentBytes()) {
            throw new IOException("a media segment of over " + config.maxSegmentBytes()
                    + " bytes: too large to hold (recordMaxSegmentBytes)");
        }
        pending.put(bytes);
    }

    @Override
    public void initSegment(long endOffset, StreamInfo streamInfo) throws IOException {
        info = streamInfo;
        int len = (int) (endOffset - pendingStart);
        switch (streamInfo.container()) {
            case WEBM -> {
                // The hub clears Chromium's AlphaMode=1 only in writable chunks; an embedder's read-only ones keep
                // it, and GStreamer (WebKitGTK) then cannot play the file. Cleared here in this stream's own copy.
                new WebmAlphaModeFix().apply(ByteBuffer.wrap(pending.array(), 0, len));
                webm = WebmFileWriter.Init.parse(pending.array(), len, streamInfo);
            }
            case MP4 -> mp4 = Mp4FileWriter.Init.parse(pending.array(), len, streamInfo);
            default -> {
                skip = true;
                pending.clear();
                LOG.warn("channel {}: not recording: the stream is neither WebM nor MP4 ({})", start.channel(),
                        streamInfo);
                return;
            }
        }
        drop(endOffset);
    }

    @Override
    public void segmentStart(long offset, long timestampMillis) throws IOException {
        if (skip || info == null) {
            return;
        }
        if (segment >= 0) {
            write(offset);
        } else {
            drop(offset);
        }
        segment = offset;
        segmentRandomAccess = false;
    }

    @Override
    public void randomAccessPoint(long segmentOffset) {
        if (segmentOffset == segment) {
            segmentRandomAccess = true;
        }
    }

    @Override
    public void end(String reason, Exception failure) throws IOException {
        try {
            if (failure == null && !skip && segment >= 0) {
                write(received);
            }
        } finally {
            if (writer != null) {
                FormatWriter w = writer;
                writer = null;
                if (failure != null) {
                    w.abandon();
                    files.closed(w.target().path, true);
                } else {
                    files.closed(w.target().path, w.finish());
                }
            }
        }
    }

    /** Writes the segment that ends at {@code end}. */
    private void write(long end) throws IOException {
        int len = (int) (end - pendingStart);
        if (writer != null && segmentRandomAccess && over()) {
            FormatWriter done = writer;
            writer = null;
            files.closed(done.target().path, done.finish());
        }
        if (writer == null) {
            if (!segmentRandomAccess) {
                drop(end); // a file starts at a keyframe
                return;
            }
            writer = open();
        }
        try {
            writer.segment(pending.array(), 0, len, segmentRandomAccess);
        } catch (IOException | RuntimeException e) {
            FormatWriter failed = writer;
            writer = null;
            failed.abandon();
            files.closed(failed.target().path, true);
            throw e;
        }
        files.progress(writer.target().path, writer.mediaMillis());
        drop(end);
    }

    private boolean over() {
        return (config.maxBytes() > 0 && writer.bytes() >= config.maxBytes())
                || (config.maxSeconds() > 0 && writer.mediaMillis() >= config.maxSeconds() * 1000)
                || writer.indexFull();
    }

    private FormatWriter open() throws IOException {
        String extension = webm != null ? webm.extension() : "mp4";
        FileTarget target = files.create(start.channel(), extension);
        try {
            return webm != null ? new WebmFileWriter(target, webm)
                    : new Mp4FileWriter(target, mp4, config.maxIndexEntries());
        } catch (IOException | RuntimeException e) {
            target.delete();
            files.closed(target.path, false);
            throw e;
        }
    }

    private void drop(long until) {
        int n = (int) (until - pendingStart);
        if (n > 0) {
            pending.discard(n);
            pendingStart = until;
        }
    }
}
