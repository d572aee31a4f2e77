package io.wsvideo.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.wsvideo.relay.record.MediaTools;
import io.wsvideo.relay.testing.Recording;
import java.net.ServerSocket;
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
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The packaged demo recording a broadcast is killed with SIGKILL mid-stream: the file it leaves plays, without a
 * decoding error, up to its last complete Cluster; a restarted demo completes it (Cues, Duration) and lists it.
 */
class RecordingCrashIT {

    private static final Recording LONG = Recording.load("webm-vp8-opus-long");

    @Test
    void aRecordingKilledMidStreamPlaysToItsLastCompleteCluster() throws Exception {
        MediaTools.require("ffmpeg", "ffprobe", "mkvinfo");
        Path dir = Files.createTempDirectory("crash-recordings");
        int port = freePort();
        Process demo = start(dir, port, "crash-1");
        Path file;
        try {
            WsClient publisher = WsClient.connect("ws://127.0.0.1:" + port + "/relay/publish/cam?mime="
                    + URLEncoder.encode(LONG.mime(), StandardCharsets.UTF_8));
            List<ByteBuffer> chunks = LONG.chunks();
            int sent = 0;
            // About 70 % of ten seconds, paced a little so that the recorder writes as it goes.
            for (; sent < chunks.size() * 7 / 10; sent++) {
                publisher.sendBinary(chunks.get(sent));
                Thread.sleep(10);
            }
            file = single(dir);
            long sentBytes = chunks.subList(0, sent).stream().mapToLong(ByteBuffer::remaining).sum();
            // Wait until the writer has most of it on disk (it writes a Cluster once the next one starts).
            WsClient.await(Duration.ofSeconds(10), () -> sizeOf(file) > sentBytes * 8 / 10);
            demo.destroyForcibly(); // SIGKILL: no shutdown hook, no completion of the file
            assertThat(demo.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(publisher.awaitClose(Duration.ofSeconds(5))).isNotNull();
        } finally {
            demo.destroyForcibly();
        }

        assertThat(MediaTools.decodeErrors(file)).as("ffmpeg decoding the killed recording").isEmpty();
        assertThat(MediaTools.codecs(file)).containsExactlyInAnyOrder("vp8", "opus");
        double lastFrame = lastPacketTime(file);
        assertThat(lastFrame).as("plays up to").isBetween(5.0, 7.2);
        String info = MediaTools.run("mkvinfo", "-a", file.toString()).out();
        assertThat(info).doesNotContain("Cue point").contains("Cluster");
        assertThat(MediaTools.seekAndDecode(file, 3.0)).isBetween(2.9, 3.2);

        // A new demo on the same folder completes it (index and duration), plays the same, and lists it as done.
        Process again = start(dir, freePort(), "crash-2");
        try {
            String list = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(HttpRequest
                    .newBuilder(URI.create("http://127.0.0.1:" + port(again) + "/recordings")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertThat(list).contains("\"name\":\"" + file.getFileName() + "\"", "\"recording\":false")
                    .doesNotContain("\"duration\":null");
        } finally {
            again.destroy();
            again.waitFor(15, TimeUnit.SECONDS);
        }
        assertThat(MediaTools.run("mkvinfo", "-a", file.toString()).out()).contains("Cue point", "Duration:");
        assertThat(MediaTools.duration(file)).isCloseTo(lastFrame, org.assertj.core.api.Assertions.within(0.2));
        assertThat(MediaTools.decodeErrors(file)).isEmpty();
    }

    private static Process start(Path dir, int port, String label) throws Exception {
        Path jar = Path.of("target", "wsvideo-demo.jar");
        assertThat(jar).exists();
        Path log = Files.createTempFile("wsvideo-" + label, ".log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-jar", jar.toString(), "--host", "127.0.0.1", "--port",
                String.valueOf(port), "--record-dir", dir.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        PORTS.put(p, port);
        WsClient.await(Duration.ofSeconds(30), () -> read(log).contains("wsvideo demo listening"));
        return p;
    }

    private static final java.util.Map<Process, Integer> PORTS = new java.util.concurrent.ConcurrentHashMap<>();

    private static int port(Process p) {
        return PORTS.get(p);
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (Exception e) {
            return "";
        }
    }

    private static long sizeOf(Path p) {
        try {
            return Files.size(p);
        } catch (Exception e) {
            return 0;
        }
    }

    private static Path single(Path dir) throws Exception {
        Path[] found = new Path[1];
        WsClient.await(Duration.ofSeconds(10), () -> {
            try (Stream<Path> s = Files.list(dir)) {
                List<Path> all = s.toList();
                found[0] = all.size() == 1 ? all.get(0) : null;
                return found[0] != null;
            } catch (Exception e) {
                return false;
            }
        });
        return found[0];
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** The timestamp of the last packet ffprobe reads: how far the file plays. */
    private static double lastPacketTime(Path file) throws Exception {
        MediaTools.Result r = MediaTools.run("ffprobe", "-v", "error", "-show_entries", "packet=pts_time", "-of",
                "csv=p=0", file.toString());
        double last = 0;
        for (String line : r.out().split("\n")) {
            String v = line.strip().replace(",", "");
            if (!v.isEmpty() && !v.equals("N/A")) {
                last = Math.max(last, Double.parseDouble(v));
            }
        }
        return last;
    }
}
