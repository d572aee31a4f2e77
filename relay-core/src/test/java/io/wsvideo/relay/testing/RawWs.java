package io.wsvideo.relay.testing;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A WebSocket client on a plain socket, for abuse and fault tests: it can come from any loopback address
 * (127.0.0.2, ...), send frames a library would refuse to (unmasked, reserved opcodes, lying lengths), and
 * vanish without a close frame (a TCP reset), as a dead network does. Blocking, one thread per client. Shared by
 * the abuse tests of every server (demo-app, relay-it).
 */
public final class RawWs implements AutoCloseable {

    public static final int TEXT = 1;
    public static final int BINARY = 2;
    public static final int CLOSE = 8;
    public static final int PING = 9;
    public static final int PONG = 10;

    /** One message from the server; {@code code} is set for a close (or -1 when the socket just ended). */
    public record Message(int opcode, byte[] payload, int code, String reason) {
        public String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        public boolean isClose() {
            return opcode == CLOSE || opcode == -1;
        }

        @Override
        public String toString() {
            return opcode == TEXT ? "text " + text() : opcode == BINARY ? "binary " + payload.length
                    : opcode == CLOSE ? "close " + code + " " + reason : "end of stream";
        }
    }

    public final Socket socket;
    public final String status;
    private final DataInputStream in;
    private final OutputStream out;

    private RawWs(Socket socket, String status) throws IOException {
        this.socket = socket;
        this.status = status;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /** Opens a WebSocket from {@code from} (a loopback address) and reads the handshake answer. */
    public static RawWs open(String from, int port, String path, Map<String, String> headers) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
        s.setSoTimeout(10_000);
        s.setTcpNoDelay(true);
        StringBuilder req = new StringBuilder("GET ").append(path).append(" HTTP/1.1\r\nHost: 127.0.0.1:")
                .append(port).append("\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n")
                .append("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n");
        headers.forEach((k, v) -> req.append(k).append(": ").append(v).append("\r\n"));
        req.append("\r\n");
        s.getOutputStream().write(req.toString().getBytes(StandardCharsets.ISO_8859_1));
        InputStream raw = s.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = raw.read();
            if (b < 0) {
                break;
            }
            head.append((char) b);
            if (head.length() > 64 * 1024) {
                throw new IOException("handshake answer too long");
            }
        }
        String status = head.toString().lines().findFirst().orElse("");
        return new RawWs(s, status);
    }

    public static RawWs open(int port, String path) throws IOException {
        return open("127.0.0.1", port, path, Map.of());
    }

    /** The HTTP status of the handshake answer, e.g. 101. */
    public int statusCode() {
        String[] parts = status.split(" ");
        return parts.length > 1 ? Integer.parseInt(parts[1]) : -1;
    }

    public void send(int opcode, byte[] payload) throws IOException {
        frame(true, opcode, payload, 0, payload.length, true);
    }

    public void sendBinary(ByteBuffer data) throws IOException {
        byte[] b = new byte[data.remaining()];
        data.duplicate().get(b);
        send(BINARY, b);
    }

    public void sendText(String text) throws IOException {
        send(TEXT, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Writes one frame; {@code masked = false} breaks RFC 6455 (clients must mask). */
    public synchronized void frame(boolean fin, int opcode, byte[] payload, int off, int len, boolean masked)
            throws IOException {
        ByteArrayOutputStream f = new ByteArrayOutputStream(len + 14);
        f.write((fin ? 0x80 : 0) | opcode);
        int maskBit = masked ? 0x80 : 0;
        if (len < 126) {
            f.write(maskBit | len);
        } else if (len < 65536) {
            f.write(maskBit | 126);
            f.write(len >>> 8);
            f.write(len);
        } else {
            f.write(maskBit | 127);
            f.writeBytes(ByteBuffer.allocate(8).putLong(len).array());
        }
        byte[] mask = new byte[4];
        if (masked) {
            ThreadLocalRandom.current().nextBytes(mask);
            f.writeBytes(mask);
        }
        for (int i = 0; i < len; i++) {
            f.write(payload[off + i] ^ (masked ? mask[i & 3] : 0));
        }
        out.write(f.toByteArray());
        out.flush();
    }

    /** Writes raw bytes (a hand-made frame header, say). */
    public synchronized void raw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Reads the next whole message (answering pings), or a close, or end of stream as opcode -1. */
    public Message read() throws IOException {
        ByteArrayOutputStream message = new ByteArrayOutputStream();
        int messageOpcode = 0;
        while (true) {
            int b0;
            try {
                b0 = in.read();
            } catch (IOException e) {
                if (e instanceof SocketTimeoutException) {
                    throw e;
                }
                return new Message(-1, new byte[0], -1, String.valueOf(e));
            }
            if (b0 < 0) {
                return new Message(-1, new byte[0], -1, "end of stream");
            }
            int b1;
            long len;
            byte[] payload;
            try {
                b1 = in.readUnsignedByte();
                len = b1 & 0x7F;
                if (len == 126) {
                    len = in.readUnsignedShort();
                } else if (len == 127) {
                    len = in.readLong();
                }
                if ((b1 & 0x80) != 0) {
                    in.readInt(); // servers must not mask, but skip a mask if one came
                }
                if (len > 64L << 20) {
                    throw new IOException("frame of " + len + " bytes");
                }
                payload = new byte[(int) len];
                in.readFully(payload);
            } catch (EOFException e) {
                return new Message(-1, new byte[0], -1, "end of stream");
            }
            int opcode = b0 & 0x0F;
            boolean fin = (b0 & 0x80) != 0;
            if (opcode == CLOSE) {
                int code = payload.length >= 2 ? (payload[0] & 0xFF) << 8 | (payload[1] & 0xFF) : 1005;
                String reason = payload.length > 2
                        ? new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8) : "";
                return new Message(CLOSE, payload, code, reason);
            }
            if (opcode == PING) {
                frame(true, PONG, payload, 0, payload.length, true);
                continue;
            }
            if (opcode == PONG) {
                continue;
            }
            if (opcode != 0) {
                messageOpcode = opcode;
            }
            message.writeBytes(payload);
            if (fin) {
                return new Message(messageOpcode, message.toByteArray(), 0, null);
            }
        }
    }

    /** Reads until the server closes; returns the close (code -1 if the socket ended without one). */
    public Message awaitClose() throws IOException {
        while (true) {
            Message m = read();
            if (m.isClose()) {
                return m;
            }
        }
    }

    /** Vanishes: a TCP reset, no close frame, as when a network or a process dies. */
    public void abort() {
        try {
            socket.setSoLinger(true, 0);
            socket.close();
        } catch (IOException e) {
            // Gone already.
        }
    }

    /** A polite close: close frame 1000, then the socket. */
    @Override
    public void close() {
        try {
            if (!socket.isClosed()) {
                frame(true, CLOSE, new byte[] {0x03, (byte) 0xE8}, 0, 2, true);
            }
        } catch (IOException e) {
            // The server closed first.
        }
        try {
            socket.close();
        } catch (IOException e) {
            // Nothing left to do.
        }
    }
}
