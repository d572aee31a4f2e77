package io.wsvideo.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.wsvideo.relay.testing.Recording;
import java.lang.ref.WeakReference;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.apache.catalina.Context;
import org.apache.catalina.startup.Tomcat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The relay inside someone else's server must leave nothing behind when its application is undeployed: no
 * thread, {@code ThreadLocal} or static elsewhere that keeps the webapp's classes (and so its class loader,
 * every class it loaded and their statics) alive on the container's threads. The demo WAR is deployed in
 * embedded Tomcat 11, a publisher streams a recording to a viewer (so Tomcat's own threads ran the relay's
 * code), the app is undeployed, and its class loader must be garbage collected within a bounded wait. Tomcat's
 * own leak warnings (threads it started and did not stop, ThreadLocals it left) fail the test too.
 */
class TomcatUndeployIT {

    private static final Duration GC_WAIT = Duration.ofSeconds(30);
    private static Tomcat tomcat;
    private static HttpClient http;
    private static final List<String> warnings = new ArrayList<>();
    private static final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            // WebappClassLoaderBase and StandardContext report leaks at WARNING or SEVERE on undeploy.
            if (r.getLevel().intValue() >= Level.WARNING.intValue() && r.getLoggerName() != null
                    && r.getLoggerName().startsWith("org.apache.catalina")) {
                String m = String.valueOf(r.getMessage());
                if (r.getParameters() != null) {
                    m = java.text.MessageFormat.format(m, r.getParameters());
                }
                synchronized (warnings) {
                    warnings.add(r.getLoggerName() + ": " + m);
                }
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeAll
    static void start() throws Exception {
        Logger.getLogger("").addHandler(capture);
        tomcat = TomcatContainer.tomcat(Webapps.workDir("tomcat-undeploy"));
        tomcat.getConnector(); // creates it before start
        tomcat.start();
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    @AfterAll
    static void stop() throws Exception {
        Logger.getLogger("").removeHandler(capture);
        if (tomcat != null) {
            tomcat.stop();
            tomcat.destroy();
        }
    }

    @Test
    void theDemoWarsClassLoaderIsCollectedAfterUndeploy() throws Exception {
        undeployAndCollect("/leak", null);
    }

    @Test
    void theDemoWarRecordingIsCollectedAfterUndeployToo() throws Exception {
        Path dir = Files.createDirectories(Webapps.workDir("tomcat-undeploy-recordings"));
        undeployAndCollect("/leak-rec", dir);
    }

    /** Deploys the demo WAR at {@code path}, relays a recording, undeploys, and waits for its loader to go. */
    private static void undeployAndCollect(String path, Path recordDir) throws Exception {
        synchronized (warnings) {
            warnings.clear();
        }
        WeakReference<ClassLoader> loader = deployExerciseUndeploy(path, recordDir);
        long started = System.nanoTime();
        long deadline = started + GC_WAIT.toNanos();
        List<byte[]> pressure = new ArrayList<>();
        while (loader.get() != null && System.nanoTime() < deadline) {
            System.gc();
            pressure.add(new byte[1 << 20]); // a little allocation helps soft references and lazy cleaners along
            if (pressure.size() > 32) {
                pressure.clear();
            }
            Thread.sleep(100);
        }
        List<String> leaks;
        synchronized (warnings) {
            leaks = new ArrayList<>(warnings);
        }
        String[] left = tomcat.getHost() instanceof org.apache.catalina.core.StandardHost h
                ? h.findReloadedContextMemoryLeaks() : new String[0];
        assertThat(loader.get()).as("the webapp class loader of %s is still reachable %d s after undeploy; Tomcat "
                + "says: %s; contexts not collected: %s", path, GC_WAIT.toSeconds(), leaks, List.of(left)).isNull();
        System.out.printf("TomcatUndeployIT: %s: class loader collected %d ms after undeploy%n", path,
                (System.nanoTime() - started) / 1_000_000);
        assertThat(leaks).as("Tomcat's leak warnings on undeploy").noneMatch(w -> w.contains("memory leak")
                || w.contains("failed to stop") || w.contains("ThreadLocal"));
    }

    /** Kept out of the caller's frame, so that no local variable there holds the webapp's objects. */
    private static WeakReference<ClassLoader> deployExerciseUndeploy(String path, Path recordDir) throws Exception {
        Context ctx = TomcatContainer.addWebapp(tomcat, path, Webapps.demoWar().toAbsolutePath().toString(), c -> {
            if (recordDir != null) {
                c.addParameter("wsvideo.recordDir", recordDir.toString());
            }
        });
        assertThat(ctx.getState().isAvailable()).as("the demo WAR started").isTrue();
        WeakReference<ClassLoader> loader = new WeakReference<>(ctx.getLoader().getClassLoader());
        String base = "http://127.0.0.1:" + tomcat.getConnector().getLocalPort() + path;

        Recording rec = Recording.load("webm-vp8-opus");
        WsClient viewer = WsClient.connect(http, base.replaceFirst("^http", "ws") + "/relay/view/leak");
        viewer.awaitText("\"type\":");
        WsClient publisher = WsClient.connect(http, base.replaceFirst("^http", "ws") + "/relay/publish/leak?mime="
                + URLEncoder.encode(rec.mime(), StandardCharsets.UTF_8));
        for (ByteBuffer chunk : rec.chunks()) {
            publisher.sendBinary(chunk);
        }
        WsClient.await(() -> viewer.bytes().length >= rec.bytes().length, "the viewer gets the recording");
        Media.assertSameBytes(viewer.bytes(), Recording.asRelayed(rec.bytes()), "through the deployed WAR");
        HttpResponse<String> stats = http.send(HttpRequest.newBuilder(URI.create(base + "/relay/stats"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(stats.statusCode()).isEqualTo(200);
        publisher.close();
        viewer.awaitText("\"type\":\"ended\"");
        // One viewer stays connected through the undeploy: the relay must close it (1001) and let go.
        WsClient stays = WsClient.connect(http, base.replaceFirst("^http", "ws") + "/relay/view/leak");
        stays.awaitText("\"type\":");
        viewer.close();

        tomcat.getHost().removeChild(ctx); // stops and destroys the context: the undeploy
        assertThat(stays.awaitClose().code()).as("the viewer open during the undeploy").isIn(1001, 1006);
        return loader;
    }
}
