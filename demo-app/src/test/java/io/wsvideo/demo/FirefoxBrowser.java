package io.wsvideo.demo;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openqa.selenium.json.Json;

/**
 * Firefox ESR over WebDriver BiDi: {@code src/test/node/firefox-driver.mjs} runs puppeteer-core against the
 * system binary, and this class talks to it one JSON line per command (the protocol is in that script).
 * Calls are serialized: one command in flight at a time.
 */
final class FirefoxBrowser implements Browser {

    static final Path DRIVER_DIR = Path.of("src", "test", "node");
    private static final Json JSON = new Json();

    private final Process node;
    private final Writer in;
    private final BufferedReader out;
    private final String version;
    /** Guarded by this. */
    private long nextId;

    private FirefoxBrowser(Process node) throws IOException {
        this.node = node;
        this.in = new OutputStreamWriter(node.getOutputStream(), StandardCharsets.UTF_8);
        this.out = new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8));
        String first = out.readLine(); // blocks until Firefox runs or the script dies
        if (first == null) {
            node.destroyForcibly();
            throw new IOException("the Firefox driver exited before Firefox ran; see target/screenshots/firefox-driver.log");
        }
        Map<?, ?> ready = JSON.toType(first, Map.class);
        this.version = String.valueOf(ready.get("version"));
    }

    static FirefoxBrowser start(String firefox) throws IOException {
        Path log = Browsers.screenshotFile("firefox-driver").resolveSibling("firefox-driver.log");
        ProcessBuilder pb = new ProcessBuilder(Browsers.NODE, "firefox-driver.mjs")
                .directory(DRIVER_DIR.toFile())
                .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().put("FIREFOX", firefox);
        return new FirefoxBrowser(pb.start());
    }

    @Override
    public Engine engine() {
        return Engine.FIREFOX;
    }

    @Override
    public String version() {
        return version;
    }

    private synchronized Object call(String op, String key, String value) {
        Map<String, Object> cmd = new LinkedHashMap<>();
        long id = ++nextId;
        cmd.put("id", id);
        cmd.put("op", op);
        if (key != null) {
            cmd.put(key, value);
        }
        try {
            in.write(JSON.toJson(cmd).replace('\n', ' ') + "\n");
            in.flush();
            String line = out.readLine();
            if (line == null) {
                throw new IllegalStateException("the Firefox driver is gone (exit " + exitCode() + ")");
            }
            Map<?, ?> r = JSON.toType(line, Map.class);
            if (!Boolean.TRUE.equals(r.get("ok"))) {
                throw new IllegalStateException("Firefox " + op + " failed: " + r.get("error"));
            }
            return r.get("value");
        } catch (IOException e) {
            throw new IllegalStateException("the Firefox driver is gone", e);
        }
    }

    private String exitCode() {
        return node.isAlive() ? "still running" : String.valueOf(node.exitValue());
    }

    @Override
    public void open(String url) {
        call("open", "url", url);
    }

    @Override
    public Object js(String body) {
        return call("eval", "script", body);
    }

    @Override
    public Path screenshot(String name) throws IOException {
        Path file = Browsers.screenshotFile(name);
        call("screenshot", "path", file.toAbsolutePath().toString());
        return file;
    }

    @Override
    public void close() {
        try {
            call("quit", null, null);
        } catch (RuntimeException e) {
            // Already gone: make sure below.
        }
        try {
            if (!node.waitFor(10, TimeUnit.SECONDS)) {
                node.descendants().forEach(ProcessHandle::destroyForcibly);
                node.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            node.destroyForcibly();
        }
    }

    static boolean driverInstalled() {
        return Files.isDirectory(DRIVER_DIR.resolve("node_modules").resolve("puppeteer-core"));
    }
}
