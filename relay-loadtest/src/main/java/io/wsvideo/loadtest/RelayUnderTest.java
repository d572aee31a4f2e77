package io.wsvideo.loadtest;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The relay being measured: this project's demo server or the naive Node.js baseline, started as a separate
 * process pinned to its own CPU, or any running relay reached by URL (then no CPU/RSS unless a pid is given).
 */
final class RelayUnderTest implements AutoCloseable {

    enum Type {
        /** This project's demo server (either engine). */
        JAVA,
        /** A naive relay: every binary message to every other client, no protocol of this project's. */
        NODE,
        /** The C epoll relay (c-baseline/relay.c): the naive relay's protocol, at the kernel's floor. */
        C,
        URL;

        boolean naive() {
            return this == NODE || this == C;
        }
    }

    final Type type;
    final String label;
    final String host;
    final int port;
    /** Path prefix of the WebSocket URLs, for a relay under a context path; empty for the demo. */
    private final String contextPath;
    /** With a cluster: {@code host:port/context} of the node the publisher connects to; else null. */
    private final String publishBase;
    private final Process process;
    final long pid;
    final Path log;

    private RelayUnderTest(Type type, String label, String host, int port, String contextPath, Process process,
                           long pid, Path log) {
        this(type, label, host, port, contextPath, null, process, pid, log);
    }

    private RelayUnderTest(Type type, String label, String host, int port, String contextPath, String publishBase,
                           Process process, long pid, Path log) {
        this.type = type;
        this.label = label;
        this.host = host;
        this.port = port;
        this.contextPath = contextPath;
        this.publishBase = publishBase;
        this.process = process;
        this.pid = pid;
        this.log = log;
    }

    ViewerFleet.Protocol protocol() {
        return type.naive() ? ViewerFleet.Protocol.RAW : ViewerFleet.Protocol.WSVIDEO;
    }

    String viewPath(String channel) {
        return type.naive() ? "/" : contextPath + "/relay/view/" + channel;
    }

    URI publishUri(String channel, String mime) {
        if (type.naive()) {
            return URI.create("ws://" + host + ":" + port + "/");
        }
        String base = publishBase != null ? publishBase : host + ":" + port + contextPath;
        return URI.create("ws://" + base + "/relay/publish/" + channel + "?mime="
                + URLEncoder.encode(mime, StandardCharsets.UTF_8));
    }

    /** The relay's JSON stats, or null when it has none (the baseline). */
    URI statsUri() {
        return type.naive() ? null : URI.create("http://" + host + ":" + port + contextPath + "/relay/stats");
    }

    /** {@code taskset -c CPU java OPTS -jar JAR --host 127.0.0.1 --port P}. */
    static RelayUnderTest startJava(Path jar, List<String> jvmOptions, String cpu, Path logDir, String label)
            throws IOException {
        return startJava(jar, jvmOptions, List.of(), cpu, logDir, label);
    }

    /** {@code taskset -c CPU java OPTS -jar JAR --host 127.0.0.1 --port P ARGS}. */
    static RelayUnderTest startJava(Path jar, List<String> jvmOptions, List<String> args, String cpu, Path logDir,
                                    String label) throws IOException {
        if (!Files.isRegularFile(jar)) {
            throw new IOException(jar + " is missing: build it with mvn -B -DskipTests package -pl demo-app -am");
        }
        int port = freePort();
        List<String> cmd = new ArrayList<>(pin(cpu));
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-jar", jar.toString(), "--host", "127.0.0.1", "--port", Integer.toString(port)));
        cmd.addAll(args);
        return start(Type.JAVA, label, cmd, port, logDir);
    }

    /** {@code taskset -c CPU node relay.js --host 127.0.0.1 --port P}, after {@code npm ci} if needed. */
    static RelayUnderTest startNode(Path dir, String cpu, Path logDir) throws IOException, InterruptedException {
        Path script = dir.resolve("relay.js");
        if (!Files.isRegularFile(script)) {
            throw new IOException(script + " is missing");
        }
        if (!Files.isDirectory(dir.resolve("node_modules/ws"))) {
            System.out.println("installing the baseline's dependencies: npm ci in " + dir);
            Process npm = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund").directory(dir.toFile())
                    .inheritIO().start();
            if (!npm.waitFor(180, TimeUnit.SECONDS) || npm.exitValue() != 0) {
                npm.destroyForcibly();
                throw new IOException("npm ci failed in " + dir);
            }
        }
        int port = freePort();
        List<String> cmd = new ArrayList<>(pin(cpu));
        cmd.addAll(List.of("node", script.toString(), "--host", "127.0.0.1", "--port", Integer.toString(port)));
        return start(Type.NODE, "node", cmd, port, logDir);
    }

    /**
     * {@code taskset -c CPU relay --host 127.0.0.1 --port P}: the C epoll relay, which {@code run.sh} builds with
     * the system compiler (never Maven) into {@code binary}.
     */
    static RelayUnderTest startC(Path binary, String cpu, Path logDir) throws IOException {
        if (!Files.isExecutable(binary)) {
            throw new IOException(binary + " is missing: run the tool through relay-loadtest/run.sh, which builds it "
                    + "with cc from relay-loadtest/c-baseline/relay.c");
        }
        int port = freePort();
        List<String> cmd = new ArrayList<>(pin(cpu));
        cmd.addAll(List.of(binary.toString(), "--host", "127.0.0.1", "--port", Integer.toString(port)));
        return start(Type.C, "c", cmd, port, logDir);
    }

    /** A relay someone else runs: {@code ws://host:port[/context]}. */
    static RelayUnderTest external(URI url, long pid) {
        return external(url, pid, null);
    }

    /**
     * A relay someone else runs: {@code ws://host:port[/context]}; the publisher goes to {@code publishUrl}
     * when it is not null (another node of the same cluster).
     */
    static RelayUnderTest external(URI url, long pid, URI publishUrl) {
        String path = url.getPath() == null ? "" : url.getPath().replaceAll("/+$", "");
        String publishBase = publishUrl == null ? null : publishUrl.getHost() + ":" + publishUrl.getPort()
                + (publishUrl.getPath() == null ? "" : publishUrl.getPath().replaceAll("/+$", ""));
        return new RelayUnderTest(Type.URL, publishUrl == null ? "url" : "url+cluster", url.getHost(),
                url.getPort(), path, publishBase, null, pid, null);
    }

    private static List<String> pin(String cpu) {
        if (cpu == null || cpu.isEmpty()) {
            return List.of();
        }
        if (!Pinning.tasksetAvailable()) {
            System.out.println("warning: taskset not found; the relay runs unpinned");
            return List.of();
        }
        return List.of("taskset", "-c", cpu);
    }

    private static RelayUnderTest start(Type type, String label, List<String> cmd, int port, Path logDir)
            throws IOException {
        Files.createDirectories(logDir);
        Path log = logDir.resolve("relay-" + label + "-" + port + ".log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        RelayUnderTest r = new RelayUnderTest(type, label, "127.0.0.1", port, "", p, p.pid(), log);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IOException(label + " relay exited at start (" + p.exitValue() + "); see " + log);
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return r;
            } catch (IOException notYet) {
                sleep(100);
            }
        }
        r.close();
        throw new IOException(label + " relay did not listen within 60 s; see " + log);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    boolean alive() {
        return process == null || process.isAlive();
    }

    @Override
    public void close() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return label + " relay on " + host + ":" + port + (process != null ? " (pid " + pid + ")" : "")
                + (log != null ? ", log " + log : "");
    }
}
