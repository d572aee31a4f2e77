package io.wsvideo.demo;

import io.wsvideo.relay.jakarta.JakartaRelayConfig;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code java -jar wsvideo-demo.jar [--host H] [--port P]}: the demo on port 3000 (or {@code PORT}). */
@Command(name = "wsvideo-demo", mixinStandardHelpOptions = true, version = "wsvideo demo 0.1.0",
        description = "Relays live browser video over WebSocket. Open http://localhost:3000/stream.")
public final class Main implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(Main.class);

    @Option(names = "--host", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String host = "0.0.0.0";

    @Option(names = "--port", description = "Port to listen on (default: the PORT environment variable, else 3000).")
    Integer port;

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        int p = port != null ? port : envPort();
        DemoServer server = DemoServer.start(host, p, JakartaRelayConfig.defaults());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LOG.info("shutting down");
            server.close();
            stopped.countDown();
        }, "wsvideo-shutdown"));
        String shown = "0.0.0.0".equals(host) ? "localhost" : host;
        LOG.info("wsvideo demo listening on {}:{}. Open http://{}:{}/stream to broadcast or watch.",
                host, server.port(), shown, server.port());
        stopped.await();
        return 0;
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
