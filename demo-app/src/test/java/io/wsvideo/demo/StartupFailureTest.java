package io.wsvideo.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wsvideo.relay.jakarta.JakartaRelayConfig;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A demo server that cannot start (its port is taken, its TLS keystore is bad) says why and leaves nothing
 * running: no thread it started survives the failure, so an embedding application (or a test) that goes on
 * after the exception is not left with a half-started server.
 */
class StartupFailureTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    @Test
    void aTakenPortFailsTheStartAndLeavesNoThread() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Set<Thread> before = liveThreads();
            assertThatThrownBy(() -> DemoServer.start("127.0.0.1", taken.getLocalPort(), JakartaRelayConfig.defaults()))
                    .isInstanceOf(IOException.class);
            assertNoThreadLeftSince(before, "DemoServer.start on a taken port");
            // The same through the command line, as a user would meet it.
            before = liveThreads();
            Run r = main("--host", "127.0.0.1", "--port", Integer.toString(taken.getLocalPort()));
            assertThat(r.exitCode).isNotZero();
            assertThat(r.err).containsIgnoringCase("address already in use");
            assertNoThreadLeftSince(before, "wsvideo-demo on a taken port");
            before = liveThreads();
            r = main("--engine", "netty", "--host", "127.0.0.1", "--port", Integer.toString(taken.getLocalPort()));
            assertThat(r.exitCode).isNotZero();
            assertThat(r.err).containsIgnoringCase("address already in use");
            assertNoThreadLeftSince(before, "wsvideo-demo --engine netty on a taken port");
        }
        // A taken port with TLS on: the TLS part was fine, the bind failed.
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Set<Thread> before = liveThreads();
            assertThatThrownBy(() -> DemoServer.start("127.0.0.1", taken.getLocalPort(), JakartaRelayConfig.defaults(),
                    Tls.selfSigned(List.of("localhost")), 0)).isInstanceOf(IOException.class);
            assertNoThreadLeftSince(before, "DemoServer.start with TLS on a taken port");
        }
    }

    @Test
    void aBadKeystoreFailsTheStartNamingTheProblemAndLeavesNoThread() throws Exception {
        Path garbage = Files.writeString(dir.resolve("garbage.p12"), "this is not a keystore");
        Path missing = dir.resolve("missing.p12");
        Path good = keystore(dir.resolve("good.p12"), "right", true);
        Path certOnly = keystore(dir.resolve("cert-only.p12"), "right", false);
        int port;
        try (ServerSocket free = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        String[][] cases = {
            {garbage.toString(), "right", "garbage.p12"},
            {missing.toString(), "right", "missing.p12"},
            {good.toString(), "wrong", "password"},
            {certOnly.toString(), "right", "no private key"},
        };
        for (String[] c : cases) {
            Set<Thread> before = liveThreads();
            Run r = main("--host", "127.0.0.1", "--port", Integer.toString(port), "--tls-keystore", c[0],
                    "--tls-password", c[1]);
            assertThat(r.exitCode).as(c[0]).isNotZero();
            assertThat(r.err).as(c[0]).containsIgnoringCase(c[2]);
            assertNoThreadLeftSince(before, "wsvideo-demo with keystore " + c[0]);
        }
        // The good keystore does start (so the failures above are the keystores' and nothing else's).
        try (DemoServer s = DemoServer.start("127.0.0.1", 0, JakartaRelayConfig.defaults(),
                Tls.fromKeystore(good, "right".toCharArray()), 0)) {
            assertThat(s.port()).isPositive();
        }
    }

    /** A PKCS#12 keystore with a self-signed key and certificate, or with the certificate only. */
    private static Path keystore(Path file, String password, boolean withKey) throws Exception {
        KeyStore source = Tls.selfSignedKeyStore(List.of("localhost"));
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        Certificate cert = source.getCertificate(Tls.ALIAS);
        if (withKey) {
            ks.setKeyEntry("server", source.getKey(Tls.ALIAS, new char[0]), password.toCharArray(),
                    new Certificate[] {cert});
        } else {
            ks.setCertificateEntry("server", cert);
        }
        try (OutputStream out = Files.newOutputStream(file)) {
            ks.store(out, password.toCharArray());
        }
        return file;
    }

    private record Run(int exitCode, String err) {
    }

    private static Run main(String... args) {
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new Main());
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, err.toString());
    }

    private static Set<Thread> liveThreads() {
        return new HashSet<>(Thread.getAllStackTraces().keySet());
    }

    /**
     * Waits (bounded) until every thread started since {@code before} has ended, but for JVM-wide daemons that
     * a library starts once per process and keeps (none of them the server's).
     */
    private static void assertNoThreadLeftSince(Set<Thread> before, String what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        List<String> left;
        do {
            left = new ArrayList<>();
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                if (t.isAlive() && !before.contains(t) && !jvmWide(t)) {
                    left.add(t.getName() + (t.isDaemon() ? " (daemon)" : ""));
                }
            }
            if (left.isEmpty()) {
                System.out.printf("StartupFailureTest: %s: no thread left after %d ms%n", what,
                        (System.nanoTime() - deadline + WAIT.toNanos()) / 1_000_000);
                return;
            }
            Thread.sleep(20);
        } while (System.nanoTime() < deadline);
        assertThat(left).as("threads left after a failed start: " + what).isEmpty();
    }

    private static boolean jvmWide(Thread t) {
        return t.isDaemon() && (t.getName().startsWith("ForkJoinPool.commonPool-") || t.getName().equals(
                "process reaper") || t.getName().startsWith("Keep-Alive-"));
    }
}
