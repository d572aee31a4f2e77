package io.wsvideo.demo;

import io.wsvideo.relay.jakarta.JakartaRelayConfig;
import io.wsvideo.relay.redis.RedisBridge;
import io.wsvideo.relay.redis.RedisBridgeConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code java -jar wsvideo-demo.jar [options]}: the demo on port 3000 (or {@code PORT}). */
@Command(name = "wsvideo-demo", mixinStandardHelpOptions = true, version = "wsvideo demo 0.1.0",
        sortOptions = false,
        description = {"Relays live browser video over WebSocket.",
            "Open http://localhost:3000/ to see the channels, /broadcast to send your camera, /watch to view."})
public final class Main implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(Main.class);

    @Option(names = "--host", paramLabel = "ADDRESS",
            description = "Address to listen on (default: ${DEFAULT-VALUE}, every interface).")
    String host = "0.0.0.0";

    @Option(names = "--port", paramLabel = "PORT",
            description = "Port to listen on (default: the PORT environment variable, else 3000).")
    Integer port;

    @Option(names = "--engine", paramLabel = "ENGINE",
            description = "WebSocket engine: tyrus (Tyrus on Grizzly) or netty (relay-netty, native epoll where it "
                    + "loads; the cheaper one per viewer). Default: the wsvideo.engine system property, else tyrus.")
    String engine;

    @Option(names = "--netty-transport", paramLabel = "TRANSPORT",
            description = "With --engine netty: auto (epoll where it loads, else nio), epoll, io_uring or nio "
                    + "(default: the wsvideo.netty.transport system property, else auto).")
    String nettyTransport;

    @Option(names = "--io-threads", paramLabel = "N",
            description = "With --engine netty: event loop threads (default: one per available CPU).")
    Integer ioThreads;

    @Option(names = "--tls-keystore", paramLabel = "FILE",
            description = "Serve https/wss with the key and certificate in this PKCS#12 or JKS keystore.")
    Path tlsKeystore;

    @Option(names = "--tls-password", paramLabel = "PASSWORD", defaultValue = "${env:WSVIDEO_TLS_PASSWORD}",
            description = "Keystore password (default: the WSVIDEO_TLS_PASSWORD environment variable).")
    String tlsPassword;

    @Option(names = "--self-signed",
            description = "Serve https/wss with a throw-away self-signed certificate (browsers warn once). "
                    + "The camera needs https on any host but localhost.")
    boolean selfSigned;

    @Option(names = "--self-signed-name", paramLabel = "NAME", split = ",",
            description = "Host names or IP addresses the self-signed certificate is for "
                    + "(default: localhost,127.0.0.1 and the --host address).")
    List<String> selfSignedNames;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "A relay setting, repeatable: any key of the README's configuration table, with or "
                    + "without the wsvideo. prefix (e.g. --set maxQueueBytes=2000000 --set publishTokens=s3cret).")
    Map<String, String> settings = new LinkedHashMap<>();

    @Option(names = "--record-dir", paramLabel = "DIR",
            description = "Record every channel into DIR as seekable WebM/MP4 files, listed and served at /recordings "
                    + "(and the page /recordings.html). The record* --set keys narrow it down (recordChannels, "
                    + "recordOnRequest), rotate files (recordMaxSeconds, recordMaxBytes) and delete old ones "
                    + "(recordRetentionBytes, recordRetentionSeconds).")
    Path recordDir;

    @Option(names = "--socket-send-buffer", paramLabel = "BYTES", defaultValue = "262144",
            description = "SO_SNDBUF per connection (default: ${DEFAULT-VALUE}; 0: the OS's auto-tuned size, "
                    + "which lets megabytes of stale video pile up in the kernel for a slow viewer).")
    int socketSendBufferBytes;

    @Option(names = "--redis", paramLabel = "URI", defaultValue = "${env:WSVIDEO_REDIS}",
            description = "Join a cluster of relay nodes through this Redis (redis://host:6379, rediss://...): a "
                    + "viewer on any node sees a publisher on any other (docs/cluster.md). Default: the "
                    + "WSVIDEO_REDIS environment variable, else one node alone.")
    String redisUri;

    // The command line running this command, so that refusals go to its error stream (null outside picocli).
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private CommandLine cli() {
        return spec != null ? spec.commandLine() : new CommandLine(this);
    }

    public static void main(String[] args) {
        SLF4JBridgeHandler.removeHandlersForRootLogger();
        SLF4JBridgeHandler.install();
        System.exit(new CommandLine(new Main()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        int p = port != null ? port : envPort();
        SSLContext tls = tls();
        JakartaRelayConfig config = config(settings);
        RedisBridgeConfig cluster = cluster();
        RelayServer server = startServer(p, config, tls);
        RedisBridge bridge;
        try {
            bridge = cluster == null ? null : RedisBridge.start(server.hub(), cluster);
        } catch (RuntimeException | Error e) {
            server.close();
            throw e;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LOG.info("shutting down");
            if (bridge != null) {
                bridge.close();
            }
            server.close();
            stopped.countDown();
        }, "wsvideo-shutdown"));
        String shown = "0.0.0.0".equals(host) ? "localhost" : host;
        String base = (tls != null ? "https://" : "http://") + shown + ":" + server.port();
        LOG.info("wsvideo demo listening on {}:{}. Open {}/ (channels), {}/broadcast, {}/watch, or {}/stream.",
                host, server.port(), base, base, base, base);
        stopped.await();
        return 0;
    }

    private RelayServer startServer(int p, JakartaRelayConfig config, SSLContext tls) throws Exception {
        RelayServer.Engine e;
        RelayServer.Options options;
        try {
            e = RelayServer.Engine.named(engine);
            RelayServer.Options sys = RelayServer.Options.fromSystem();
            options = new RelayServer.Options(nettyTransport == null ? sys.transport()
                    : io.wsvideo.relay.netty.NettyTransport.named(nettyTransport),
                    ioThreads == null ? sys.ioThreads() : ioThreads, sys.warmUp());
        } catch (IllegalArgumentException ex) {
            throw new CommandLine.ParameterException(new CommandLine(this), ex.getMessage());
        }
        LOG.info("engine: {}", e == RelayServer.Engine.NETTY ? "netty (" + options.transport() + ")" : "tyrus");
        return e.start(host, p, config, tls, socketSendBufferBytes, options);
    }

    /** The relay's settings from {@code --set}; a bad key or value stops the start-up, naming the key. */
    JakartaRelayConfig config(Map<String, String> given) {
        Map<String, String> prefixed = new LinkedHashMap<>();
        given.forEach((k, v) -> prefixed.put(k.startsWith(JakartaRelayConfig.PREFIX) ? k
                : JakartaRelayConfig.PREFIX + k, v));
        if (recordDir != null) {
            prefixed.put(JakartaRelayConfig.PREFIX + "recordDir", recordDir.toString());
        }
        try {
            return JakartaRelayConfig.fromProperties(prefixed);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cli(), "--set: " + e.getMessage());
        }
    }

    private RedisBridgeConfig cluster() {
        if (redisUri == null || redisUri.isBlank()) {
            return null;
        }
        try {
            return RedisBridgeConfig.builder(redisUri.trim()).build();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cli(), "--redis: " + e.getMessage());
        }
    }

    private SSLContext tls() throws Exception {
        if (tlsKeystore != null && selfSigned) {
            throw new CommandLine.ParameterException(cli(),
                    "--tls-keystore and --self-signed exclude each other");
        }
        if (tlsKeystore != null) {
            try {
                return Tls.fromKeystore(tlsKeystore, tlsPassword == null ? new char[0] : tlsPassword.toCharArray());
            } catch (IOException | GeneralSecurityException e) {
                throw new CommandLine.ParameterException(cli(), "--tls-keystore: " + e.getMessage());
            }
        }
        if (selfSigned) {
            List<String> names = selfSignedNames != null ? selfSignedNames
                    : "0.0.0.0".equals(host) ? List.of("localhost", "127.0.0.1")
                    : List.of(host, "localhost", "127.0.0.1");
            LOG.warn("serving a self-signed certificate for {}: browsers will ask you to accept it once", names);
            return Tls.selfSigned(names);
        }
        return null;
    }

    private static int envPort() {
        String env = System.getenv("PORT");
        if (env == null || env.isBlank()) {
            return 3000;
        }
        try {
            return Integer.parseInt(env.trim());
        } catch (NumberFormatException e) {
            throw new CommandLine.ParameterException(new CommandLine(new Main()),
                    "PORT must be a number, was " + env);
        }
    }
}
