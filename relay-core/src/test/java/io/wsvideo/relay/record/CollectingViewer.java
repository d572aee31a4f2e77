package io.wsvideo.relay.record;

import io.wsvideo.relay.SendCallback;
import io.wsvideo.relay.ViewerSink;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;

/** A viewer whose sends complete at once, keeping every media byte it was sent. */
final class CollectingViewer implements ViewerSink {

    private final ByteArrayOutputStream media = new ByteArrayOutputStream();

    @Override
    public synchronized void sendBinary(ByteBuffer data, SendCallback callback) {
        byte[] b = new byte[data.remaining()];
        data.get(b);
        media.write(b, 0, b.length);
        callback.completed(null);
    }

    @Override
    public void sendText(String text, SendCallback callback) {
        callback.completed(null);
    }

    @Override
    public void close(int code, String reason) {
    }

    synchronized byte[] media() {
        return media.toByteArray();
    }
}
