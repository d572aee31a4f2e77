package io.wsvideo.loadtest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.wsvideo.relay.media.MalformedStreamException;
import io.wsvideo.relay.media.SegmentListener;
import io.wsvideo.relay.media.Segmenter;
import io.wsvideo.relay.media.SegmenterLimits;
import io.wsvideo.relay.media.StreamInfo;
import io.wsvideo.relay.testing.Recording;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code java -jar wsvideo-loadtest.jar --relay both --viewers 1000 --seconds 30}: see relay-loadtest/README.md.
 */
@Command(name = "wsvideo-loadtest", mixinStandardHelpOptions = true, sortOptions = false,
        version = "wsvideo loadtest 0.1.0",
        description = {"One publisher replaying a real recording at real-time pace, N viewers (some slow or "
                + "stalled), against this project's relay and/or a naive Node.js ws relay. Reports delivery, "
                + "latency, relay CPU and RSS, skips and evictions as a table and as JSON.",
            "Loopback only; every phase is bounded in time."})
public final class Main implements Callable<Integer> {

    @Option(names = "--relay", description = "java (the demo on --engine), java-std (Tyrus with its raw-frame "
            + "path off), tyrus, netty (epoll), netty-io_uring, netty-nio, node (naive Node.js ws relay), c (the C "
            + "epoll floor), both (java then node at each size) or url; several comma-separated run in turn at "
            + "each size (default: ${DEFAULT-VALUE}).")
    String relay = "both";

    @Option(names = "--engine", description = "The demo's engine for --relay java: tyrus or netty "
            + "(default: ${DEFAULT-VALUE}).")
    String engine = "tyrus";

    @Option(names = "--c-relay", description = "The C relay's binary, built by run.sh with cc "
            + "(default: ${DEFAULT-VALUE}).")
    Path cRelay = Path.of("relay-loadtest/target/c-relay/relay");

    @Option(names = "--viewers", split = ",", description = "Viewer counts; several make a sweep "
            + "(default: ${DEFAULT-VALUE}).")
    int[] viewers = {1000};

    @Option(names = "--format", split = ",", description = "What the viewers watch: bytes (the container bytes, "
            + "default) or frames (?format=frames, the frame view for WebCodecs players); bytes,frames runs each "
            + "viewer count with both, one after the other, for a comparison in one invocation.")
    List<String> formats = List.of("bytes");

    @Option(names = "--slow", description = "How many of the viewers read slowly (default: ${DEFAULT-VALUE}).")
    int slow;

    @Option(names = "--slow-kbps", description = "A slow viewer's read rate, kbit/s (default: ${DEFAULT-VALUE}).")
    long slowKbps = 1000;

    @Option(names = "--stalled", description = "How many of the viewers never read after the handshake "
            + "(default: ${DEFAULT-VALUE}).")
    int stalled;

    @Option(names = "--seconds", description = "Publishing time per run (default: ${DEFAULT-VALUE}).")
    int seconds = 30;

    @Option(names = "--suite", description = "A fixed plan instead of --relay/--viewers/--seconds: quick "
            + "(1000 viewers, both relays, 20 s) or full (the issue's targets; about 8-9 minutes).")
    String suite;

    @Option(names = "--bitrate-kbps", description = "Stream bitrate (default: ${DEFAULT-VALUE}).")
    long bitrateKbps = 2000;

    @Option(names = "--chunk-ms", description = "Chunk spacing, like MediaRecorder.start(ms) (default: "
            + "${DEFAULT-VALUE}).")
    int chunkMillis = 100;

    @Option(names = "--recording", description = "A WebM fixture name from relay-core's test resources, or a "
            + "path to NAME.bin with NAME.chunks beside it (default: ${DEFAULT-VALUE}).")
    String recording = "webm-vp8-opus-long";

    @Option(names = "--relay-jar", description = "The demo server jar (default: ${DEFAULT-VALUE}).")
    Path relayJar = Path.of("demo-app/target/wsvideo-demo.jar");

    @Option(names = "--relay-jvm-opts", description = "JVM options for the Java relay, space separated "
            + "(default: none: the demo's own defaults).")
    String relayJvmOptions = "";

    @Option(names = "--relay-args", description = "Extra command-line arguments for the Java relay, space "
            + "separated, e.g. \"--record-dir /tmp/wsvideo-rec\" to measure what recording costs (default: none).")
    String relayArgs = "";

    @Option(names = "--node-dir", description = "The naive Node.js relay (default: ${DEFAULT-VALUE}).")
    Path nodeDir = Path.of("relay-loadtest/node-baseline");

    @Option(names = "--url", description = "With --relay url: the relay's base URL, e.g. ws://127.0.0.1:3000 "
            + "(its /relay/view, /relay/publish and /relay/stats are used).")
    URI url;

    @Option(names = "--relay-pid", description = "With --relay url: the relay's pid, for CPU and RSS.")
    long relayPid = -1;

    @Option(names = "--publish-url", description = "With --relay url: the publisher connects to this relay "
            + "instead, e.g. another node of a cluster (docs/cluster.md): viewers on --url, publisher here.")
    URI publishUrl;

    @Option(names = "--relay-cpu", description = "CPU the relay is pinned to (default: ${DEFAULT-VALUE}).")
    int relayCpu = 0;

    @Option(names = "--tool-cpu", description = "CPU this tool pins itself to; -1: do not pin "
            + "(default: ${DEFAULT-VALUE}).")
    int toolCpu = 1;

    @Option(names = "--rcvbuf", description = "Viewer socket receive buffer in bytes; 0: the OS default "
            + "(default: ${DEFAULT-VALUE}).")
    int receiveBufferBytes;

    @Option(names = "--verify-every", description = "Compare every received byte with the stream for one "
            + "fast viewer in N (slow and stalled ones: all); the others are checked by offset, length and "
            + "Cluster header only, which keeps the tool off its core's limit (default: ${DEFAULT-VALUE}).")
    int verifyEvery = 10;

    @Option(names = "--channel", description = "Channel name (default: ${DEFAULT-VALUE}).")
    String channel = "loadtest";

    @Option(names = "--out", description = "Where the JSON results go (default: ${DEFAULT-VALUE}).")
    Path out = Path.of("relay-loadtest/target/loadtest");

    @Option(names = "--max-minutes", description = "Runs that would start after this many minutes are "
            + "skipped (default: ${DEFAULT-VALUE}).")
    int maxMinutes = 12;

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }

    /** One run; {@code relay} is java, java-std (the standard Tyrus send path), node or url. */
    record Planned(String relay, LoadRun.Scenario scenario, boolean frames) {
        Planned(String relay, LoadRun.Scenario scenario) {
            this(relay, scenario, false);
        }
    }

    @Override
    public Integer call() throws Exception {
        long started = System.nanoTime();
        List<Planned> plan = plan();
        int longest = plan.stream().mapToInt(p -> p.scenario().seconds()).max().orElse(seconds);
        if (toolCpu >= 0 && !Pinning.pinSelf(Integer.toString(toolCpu))) {
            System.out.println("warning: could not pin the load tool to CPU " + toolCpu);
        }
        LiveStream stream = stream(longest);
        FrameIndex frameIndex = plan.stream().anyMatch(Planned::frames) ? FrameIndex.of(stream) : null;
        System.out.printf(Locale.ROOT, "stream: %s, %d B init, %.0f kbit/s (recording %d kbit/s, loop %d ms), "
                        + "%d chunks of %d ms, %d bytes; tool on CPUs %s, relay on CPU %d%n",
                stream.mime, stream.initLength, stream.totalBytes() * 8.0 / 1000 / longest,
                stream.recordingBytesPerSecond * 8 / 1000, stream.loopPeriodMillis, stream.chunkCount(),
                chunkMillis, stream.totalBytes(), Pinning.allowedCpus(), relayCpu);
        Map<String, Object> env = environment();
        System.out.println("machine: " + env);

        List<LoadRun.Result> results = new ArrayList<>();
        Files.createDirectories(out);
        Path json = out.resolve("loadtest-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern(
                "yyyyMMdd-HHmmss")) + ".json");
        for (Planned p : plan) {
            if (System.nanoTime() - started > TimeUnit.MINUTES.toNanos(maxMinutes)) {
                System.out.println("skipped (over --max-minutes " + maxMinutes + "): " + p);
                continue;
            }
            System.out.printf(Locale.ROOT, "%n== %s relay%s, %s: %d viewers (%d slow, %d stalled), %d s%n",
                    p.relay(), p.frames() ? " (frames)" : "", p.scenario().name(), p.scenario().viewers(), p.scenario().slow(),
                    p.scenario().stalled(), p.scenario().seconds());
            long runStart = System.nanoTime();
            try (RelayUnderTest r = start(p.relay())) {
                System.out.println(r);
                LoadRun.Result res = LoadRun.run(r, stream, p.frames() ? frameIndex : null, p.scenario(), channel,
                        relayCpu, toolCpu, receiveBufferBytes, bitrateKbps, verifyEvery);
                results.add(res);
                System.out.println(Report.row(res));
                if (res.problems() != null) {
                    System.out.println("   problems: " + res.problems());
                }
            } catch (Exception e) {
                System.out.println("   run failed: " + e);
            }
            System.out.printf(Locale.ROOT, "   (%.0f s)%n", (System.nanoTime() - runStart) / 1e9);
            write(json, env, stream, results);
        }
        System.out.printf(Locale.ROOT, "all runs: %.1f minutes%n", (System.nanoTime() - started) / 60e9);
        System.out.println();
        System.out.println(Report.table(results));
        System.out.println("JSON: " + json);
        return results.size() == plan.size() ? 0 : 1;
    }

    private List<Planned> plan() {
        List<Planned> plan = new ArrayList<>();
        long slowRate = slowKbps * 1000 / 8;
        if (suite != null) {
            switch (suite) {
                case "quick" -> {
                    plan.add(new Planned("java", new LoadRun.Scenario("sweep", 1000, 0, 0, 20, slowRate)));
                    plan.add(new Planned("node", new LoadRun.Scenario("sweep", 1000, 0, 0, 20, slowRate)));
                }
                case "full" -> {
                    // What the raw-frame path is worth: the same relay with it off, at the size both can hold.
                    plan.add(new Planned("java-std", new LoadRun.Scenario("sweep", 1000, 0, 0, 25, slowRate)));
                    for (int n : new int[] {1000, 2000, 4000, 6000, 7000}) {
                        plan.add(new Planned("java", new LoadRun.Scenario("sweep", n, 0, 0, 25, slowRate)));
                        if (n != 2000 && n != 7000) {
                            plan.add(new Planned("node", new LoadRun.Scenario("sweep", n, 0, 0, 25, slowRate)));
                        }
                    }
                    plan.add(new Planned("java", new LoadRun.Scenario("stalled-ref", 500, 0, 0, 60, slowRate)));
                    plan.add(new Planned("java", new LoadRun.Scenario("stalled", 450, 0, 50, 60, slowRate)));
                }
                default -> throw new CommandLine.ParameterException(new CommandLine(this),
                        "--suite is quick or full, not " + suite);
            }
            return plan;
        }
        List<String> relays = new ArrayList<>();
        for (String r : relay.split(",")) {
            switch (r.trim()) {
                case "both" -> relays.addAll(List.of("java", "node"));
                case "java", "java-std", "tyrus", "netty", "netty-io_uring", "netty-nio", "node", "c", "url" ->
                    relays.add(r.trim());
                default -> throw new CommandLine.ParameterException(new CommandLine(this),
                        "--relay is java, java-std, tyrus, netty, netty-io_uring, netty-nio, node, c, both or url "
                                + "(or several, comma-separated), not " + r);
            }
        }
        List<Boolean> frames = new ArrayList<>();
        for (String f : formats) {
            switch (f.trim()) {
                case "bytes" -> frames.add(false);
                case "frames" -> frames.add(true);
                default -> throw new CommandLine.ParameterException(new CommandLine(this),
                        "--format is bytes or frames (or both, comma-separated), not " + f);
            }
        }
        if (frames.contains(true) && (relays.contains("node") || relays.contains("c"))) {
            throw new CommandLine.ParameterException(new CommandLine(this),
                    "--format frames needs this project's relay: node and c have no frame view");
        }
        for (int n : viewers) {
            if (slow + stalled > n) {
                throw new CommandLine.ParameterException(new CommandLine(this),
                        "--slow + --stalled is more than --viewers " + n);
            }
            for (String r : relays) {
                for (boolean f : frames) {
                    plan.add(new Planned(r, new LoadRun.Scenario(slow + stalled == 0 ? "sweep" : "mixed",
                            n - slow - stalled, slow, stalled, seconds, slowRate), f));
                }
            }
        }
        return plan;
    }

    private RelayUnderTest start(String type) throws IOException, InterruptedException {
        Path logs = out.resolve("logs");
        return switch (type) {
            case "java", "java-std", "tyrus", "netty", "netty-io_uring", "netty-nio" -> {
                List<String> opts = new ArrayList<>(relayJvmOptions.isBlank() ? List.of()
                        : Arrays.asList(relayJvmOptions.trim().split("\\s+")));
                if (type.equals("java-std")) {
                    opts.add("-Dwsvideo.rawFrames=false");
                }
                // The demo reads its engine (and Netty transport) from system properties as well as options.
                String eng = type.equals("java") ? engine : type.startsWith("netty") ? "netty" : "tyrus";
                opts.add("-Dwsvideo.engine=" + eng);
                if (type.startsWith("netty-")) {
                    opts.add("-Dwsvideo.netty.transport=" + type.substring("netty-".length()));
                }
                String label = type.equals("java") && eng.equals("netty") ? "netty" : type;
                List<String> args = relayArgs.isBlank() ? List.of() : Arrays.asList(relayArgs.trim().split("\\s+"));
                yield RelayUnderTest.startJava(relayJar, opts, args, Integer.toString(relayCpu), logs, label);
            }
            case "c" -> RelayUnderTest.startC(cRelay, Integer.toString(relayCpu), logs);
            case "node" -> RelayUnderTest.startNode(nodeDir, Integer.toString(relayCpu), logs);
            case "url" -> {
                if (url == null) {
                    throw new CommandLine.ParameterException(new CommandLine(this), "--relay url needs --url");
                }
                yield RelayUnderTest.external(url, relayPid, publishUrl);
            }
            default -> throw new IllegalArgumentException(type);
        };
    }

    private LiveStream stream(int secs) throws MalformedStreamException {
        Recording rec;
        String mime;
        byte[] bytes;
        if (recording.endsWith(".bin")) {
            try {
                Path bin = Path.of(recording);
                bytes = Files.readAllBytes(bin);
                String chunks = Files.readString(Path.of(recording.replaceAll("\\.bin$", ".chunks")));
                mime = chunks.lines().filter(l -> l.startsWith("# mime=")).map(l -> l.substring(7)).findFirst()
                        .orElseThrow(() -> new IllegalArgumentException("no '# mime=' line"));
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read " + recording + ": " + e.getMessage(), e);
            }
        } else {
            rec = Recording.load(recording);
            mime = rec.mime();
            bytes = rec.bytes();
        }
        LiveStream s = LiveStream.build(mime, bytes, bitrateKbps * 1000 / 8, secs, chunkMillis);
        validate(s);
        return s;
    }

    /** The relay's own segmenter must accept the stream and find a keyframe in every loop. */
    static int validate(LiveStream s) throws MalformedStreamException {
        int[] raps = {0};
        Segmenter seg = Segmenter.create(s.mime, SegmenterLimits.defaults(), new SegmentListener() {
            @Override
            public void onInitSegment(long endOffset, StreamInfo info) {
                if (info.passthrough()) {
                    throw new IllegalStateException("the relay would not parse this stream: " + info);
                }
            }

            @Override
            public void onSegmentStart(long offset, long timestampMillis) {
            }

            @Override
            public void onRandomAccessPoint(long segmentOffset) {
                raps[0]++;
            }
        });
        for (int i = 0; i < s.chunkCount(); i++) {
            seg.feed(ByteBuffer.wrap(s.bytes, s.chunkStart(i), s.chunkLength(i)));
        }
        if (raps[0] == 0) {
            throw new IllegalStateException("no keyframe in the stream");
        }
        return raps[0];
    }

    private Map<String, Object> environment() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cpus", cpuCount());
        m.put("cpuModel", firstLine("/proc/cpuinfo", "model name"));
        m.put("loadavgAtStart", firstLine("/proc/loadavg", ""));
        m.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        m.put("relayCpu", relayCpu);
        m.put("toolCpus", Pinning.allowedCpus());
        m.put("relayJvmOptions", relayJvmOptions);
        m.put("relayArgs", relayArgs);
        m.put("started", LocalDateTime.now().toString());
        return m;
    }

    private static long cpuCount() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("processor"))
                    .count();
        } catch (IOException e) {
            return Runtime.getRuntime().availableProcessors();
        }
    }

    private static String firstLine(String file, String prefix) {
        try {
            return Files.readAllLines(Path.of(file)).stream().filter(l -> l.startsWith(prefix)).findFirst()
                    .map(l -> prefix.isEmpty() ? l : l.substring(l.indexOf(':') + 1).strip()).orElse("?");
        } catch (IOException e) {
            return "?";
        }
    }

    private void write(Path json, Map<String, Object> env, LiveStream s, List<LoadRun.Result> results)
            throws IOException {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("environment", env);
        doc.put("stream", Map.of("mime", s.mime, "recording", recording, "bitrateKbps", bitrateKbps,
                "chunkMillis", chunkMillis, "initBytes", s.initLength, "loopMillis", s.loopPeriodMillis));
        doc.put("results", results);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), doc);
    }
}
