package io.wsvideo.relay.redis;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.abort;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code redis-server} (Debian's package) on a free loopback port, started and stopped by the test.
 * Without the binary the test is skipped with a loud message, except under {@code CI=true}, where that is
 * a failure ({@code scripts/install-test-deps.sh} installs it). Shared with other modules' tests through
 * relay-redis's test-jar.
 */
public final class RedisServerProcess implements AutoCloseable {

    private final int port;
    private final Path log;
    private Process process;

    private RedisServerProcess(int port) throws IOException {
        this.port = port;
        this.log = Files.createTempFile("redis-" + port + "-", ".log");
    }

    /** Starts a server, or skips (fails on CI) when {@code redis-server} is not installed. */
    public static RedisServerProcess start() throws Exception {
        String binary = findBinary();
        if (binary == null) {
            String msg = "redis-server is not installed: the relay-redis cluster tests cannot run. Install it with "
                    + "'apt-get install -y redis-server' (scripts/install-test-deps.sh does).";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                fail(msg + " CI=true: this is a failure.");
            }
            System.err.println("\n*** SKIPPED: " + msg + " ***\n");
            abort(msg);
        }
        RedisServerProcess r = new RedisServerProcess(freePort());
        r.startAgain();
        return r;
    }

    private static String findBinary() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
            File f = new File(dir, "redis-server");
            if (f.canExecute()) {
                return f.getPath();
            }
        }
        File f = new File("/usr/bin/redis-server");
        return f.canExecute() ? f.getPath() : null;
    }

    /** A port for a server that {@link #startAgain()} starts later (skips or fails like {@link #start()}). */
    public static RedisServerProcess notStarted() throws Exception {
        RedisServerProcess r = start();
        r.kill();
        return r;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        }
    }

    public int port() {
        return port;
    }

    /** The running server's process id. */
    public long pid() {
        return process.pid();
    }

    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    /** Starts the server (again) on the same port; waits until it answers PING. */
    public void startAgain() throws Exception {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("already running");
        }
        process = new ProcessBuilder(List.of(findBinary(), "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--daemonize", "no"))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                fail("redis-server exited with " + process.exitValue() + ": " + Files.readString(log));
            }
            if (ping()) {
                return;
            }
            Thread.sleep(50);
        }
        fail("redis-server did not answer on port " + port + " within 15 s: " + Files.readString(log));
    }

    /** Kills the server at once (SIGKILL): every connection drops, every key and subscription is gone. */
    public void kill() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private boolean ping() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            s.setSoTimeout(500);
            OutputStream out = s.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[7];
            int n = in.readNBytes(buf, 0, 7);
            return n == 7 && new String(buf, StandardCharsets.US_ASCII).equals("+PONG\r\n");
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() throws IOException {
        if (process != null) {
            process.destroy();
            try {
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        Files.deleteIfExists(log);
    }
}
