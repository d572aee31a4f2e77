package io.wsvideo.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback TCP forwarder the browser talks through, so a test can cut every connection at once, as a
 * network failure would, while the server stays up.
 */
final class TcpProxy implements AutoCloseable {

    private final ServerSocket server;
    private final int targetPort;
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    /** Server-side sockets kept open, silent, after {@link #cutClientsOnly()}: closed by {@link #close()}. */
    private final List<Socket> held = new CopyOnWriteArrayList<>();
    private volatile boolean closed;
    private volatile boolean downstreamPaused;
    /** Until this System.nanoTime(), new connections are reset at once (see {@link #refuseNewConnectionsFor}). */
    private volatile long refuseUntil = System.nanoTime();

    TcpProxy(int targetPort) throws IOException {
        this.targetPort = targetPort;
        this.server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        Thread acceptor = new Thread(this::acceptLoop, "tcp-proxy-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return server.getLocalPort();
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = server.accept();
                if (System.nanoTime() - refuseUntil < 0) {
                    client.setSoLinger(true, 0); // the network is still down: reset
                    closeQuietly(client);
                    continue;
                }
                Socket upstream = new Socket();
                // A small window, so that when the proxy stops reading, the server feels it at once.
                upstream.setReceiveBufferSize(16 * 1024);
                upstream.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort));
                open.add(client);
                open.add(upstream);
                pump(client, upstream, false);
                pump(upstream, client, true);
            } catch (IOException e) {
                if (closed) {
                    return;
                }
            }
        }
    }

    private void pump(Socket from, Socket to, boolean downstream) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[8 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while (true) {
                    while (downstream && downstreamPaused && !from.isClosed()) {
                        Thread.sleep(10);
                    }
                    if ((n = in.read(buf)) < 0) {
                        break;
                    }
                    out.write(buf, 0, n);
                }
            } catch (IOException | InterruptedException e) {
                // Cut, or the other side closed.
            } finally {
                // A held server-side socket stays open: the server must not learn of the cut from us.
                if (!held.contains(from)) {
                    closeQuietly(from);
                }
                if (!held.contains(to)) {
                    closeQuietly(to);
                }
            }
        }, "tcp-proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    /**
     * Stops (or resumes) reading what the server sends, like a viewer on a congested link: the server's
     * sends back up through TCP.
     */
    void pauseDownstream(boolean paused) {
        downstreamPaused = paused;
    }

    /** The network stays down for a while: connections made within {@code millis} from now are reset at once. */
    void refuseNewConnectionsFor(long millis) {
        refuseUntil = System.nanoTime() + millis * 1_000_000L;
    }

    /** Drops every connection made so far, abruptly. New connections still work. */
    void cutAll() {
        for (Socket s : open) {
            try {
                s.setSoLinger(true, 0); // RST, like a dead network path, not a polite FIN
            } catch (IOException e) {
                // Already gone.
            }
            closeQuietly(s);
        }
        open.clear();
    }

    /**
     * The network path dies the way a phone's does when it leaves Wi-Fi: the browser's side of every connection
     * made so far is reset (its page notices at once), while the server's side stays open and simply hears
     * nothing more, so the server does not notice until a timeout. New connections still work.
     */
    void cutClientsOnly() {
        for (int i = 0; i + 1 < open.size(); i += 2) {
            held.add(open.get(i + 1));
        }
        for (int i = 0; i < open.size(); i += 2) {
            Socket client = open.get(i);
            try {
                client.setSoLinger(true, 0);
            } catch (IOException e) {
                // Already gone.
            }
            closeQuietly(client);
        }
        open.clear();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // Nothing to do.
        }
    }

    @Override
    public void close() {
        closed = true;
        cutAll();
        held.forEach(TcpProxy::closeQuietly);
        held.clear();
        try {
            server.close();
        } catch (IOException e) {
            // Nothing to do.
        }
    }
}
