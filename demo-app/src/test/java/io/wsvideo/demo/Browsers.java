package io.wsvideo.demo;

import static org.junit.jupiter.api.Assertions.fail;

import io.wsvideo.demo.Browser.Engine;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.MutableCapabilities;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.remote.RemoteWebDriver;
import org.openqa.selenium.remote.http.ClientConfig;

/**
 * Starts the system's browsers, each with a fake camera and microphone and unmuted autoplay; nothing is
 * downloaded (every binary path is given, so Selenium Manager never runs):
 * <ul>
 *   <li>Chromium through Debian's chromedriver;
 *   <li>Firefox ESR over WebDriver BiDi with puppeteer-core ({@link FirefoxBrowser});
 *   <li>WebKitGTK's MiniBrowser through WebKitWebDriver, on an Xvfb display this JVM starts once.
 * </ul>
 * A missing engine skips its tests loudly, except in CI ({@code CI=true}), where that is a failure.
 */
final class Browsers {

    static final String CHROMIUM = System.getProperty("wsvideo.chromium", "/usr/bin/chromium");
    static final String CHROMEDRIVER = System.getProperty("wsvideo.chromedriver", "/usr/bin/chromedriver");
    static final String FIREFOX = System.getProperty("wsvideo.firefox", "/usr/bin/firefox-esr");
    static final String NODE = System.getProperty("wsvideo.node", "/usr/bin/node");
    static final String WEBKITDRIVER = System.getProperty("wsvideo.webkitdriver", "/usr/bin/WebKitWebDriver");
    static final String XVFB = System.getProperty("wsvideo.xvfb", "/usr/bin/Xvfb");
    static final String MINIBROWSER = System.getProperty("wsvideo.minibrowser", findMiniBrowser());

    private Browsers() {
    }

    private static String findMiniBrowser() {
        File[] libs = new File("/usr/lib").listFiles();
        for (File lib : libs == null ? new File[0] : libs) {
            File mb = new File(lib, "webkit2gtk-4.1/MiniBrowser");
            if (mb.canExecute()) {
                return mb.getPath();
            }
        }
        return "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser";
    }

    static void requireChromium() {
        require(Engine.CHROMIUM);
    }

    /** Skips (locally) or fails (CI) unless every part this engine needs is installed. */
    static void require(Engine engine) {
        List<String> missing = new ArrayList<>();
        switch (engine) {
            case CHROMIUM -> {
                missingExecutable(CHROMIUM, "chromium", missing);
                missingExecutable(CHROMEDRIVER, "chromium-driver", missing);
            }
            case FIREFOX -> {
                missingExecutable(FIREFOX, "firefox-esr", missing);
                missingExecutable(NODE, "nodejs", missing);
                if (!FirefoxBrowser.driverInstalled()) {
                    missing.add("puppeteer-core in demo-app/src/test/node (npm ci there)");
                }
            }
            case WEBKIT -> {
                missingExecutable(WEBKITDRIVER, "webkit2gtk-driver", missing);
                missingExecutable(MINIBROWSER, "webkit2gtk-driver (MiniBrowser)", missing);
                missingExecutable(XVFB, "xvfb", missing);
            }
        }
        if (missing.isEmpty()) {
            return;
        }
        String msg = engine.label() + " tests need " + String.join(", ", missing)
                + ": run scripts/install-test-deps.sh as root";
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            fail("CI=true and " + msg);
        }
        System.err.println("[browser tests SKIPPED] " + msg);
        Assumptions.abort(msg);
    }

    private static void missingExecutable(String path, String pkg, List<String> missing) {
        if (!new File(path).canExecute()) {
            missing.add(path + " (" + pkg + ")");
        }
    }

    /** Chromium as a Selenium driver, for the tests that use Chromium-only parts of Selenium (console logs). */
    static ChromeDriver start() throws IOException {
        requireChromium();
        Path profile = Files.createTempDirectory("wsvideo-chromium");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        options.addArguments(
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                "--autoplay-policy=no-user-gesture-required",
                // This machine has no outside network: keep Chromium from trying.
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
                // Several browsers share two cores in CI: never let one throttle itself as "background".
                "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
                "--disable-backgrounding-occluded-windows",
                "--window-size=800,700", "--user-data-dir=" + profile);
        options.setExperimentalOption("prefs", Map.of());
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER))
                .usingAnyFreePort()
                .build();
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
        return driver;
    }

    /** A page in the given engine; skips or fails like {@link #require}. */
    static Browser start(Engine engine) throws IOException {
        require(engine);
        return switch (engine) {
            case CHROMIUM -> {
                ChromeDriver d = start();
                yield new WebDriverBrowser(engine, d, "chromium/" + d.getCapabilities().getBrowserVersion(), null);
            }
            case FIREFOX -> FirefoxBrowser.start(FIREFOX);
            case WEBKIT -> startWebKit();
        };
    }

    private static Browser startWebKit() throws IOException {
        String display = XvfbDisplay.get();
        int port = freePort();
        ProcessBuilder pb = new ProcessBuilder(WEBKITDRIVER, "--port=" + port, "--host=local")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(screenshotFile("x").resolveSibling("webkitdriver.log")
                        .toFile()));
        pb.environment().put("DISPLAY", display);
        Process driverProcess = pb.start();
        AutoCloseable stopDriver = () -> {
            driverProcess.descendants().forEach(ProcessHandle::destroy);
            driverProcess.destroy();
            if (!driverProcess.waitFor(5, TimeUnit.SECONDS)) {
                driverProcess.descendants().forEach(ProcessHandle::destroyForcibly);
                driverProcess.destroyForcibly();
            }
        };
        MutableCapabilities caps = new MutableCapabilities();
        caps.setCapability("webkitgtk:browserOptions", Map.of("binary", MINIBROWSER, "args", List.of(
                "--automation",
                // getUserMedia gets a mock 640x480 camera and a microphone, without a prompt.
                "--enable-mock-capture-devices=true",
                // Unmuted media may play without a user gesture, as the other engines are told by their flags.
                "--autoplay-policy=allow")));
        URL url = new URL("http://127.0.0.1:" + port);
        RuntimeException last = null;
        for (int attempt = 0; attempt < 50; attempt++) { // the driver listens within a second or so
            try {
                // A page whose main thread hangs must fail the test within a minute, not Selenium's three.
                RemoteWebDriver d = (RemoteWebDriver) RemoteWebDriver.builder().oneOf(caps)
                        .config(ClientConfig.defaultConfig().baseUrl(url).readTimeout(Duration.ofSeconds(45))).build();
                d.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
                return new WebDriverBrowser(Engine.WEBKIT, d, "webkitgtk/" + d.getCapabilities().getBrowserVersion(),
                        stopDriver);
            } catch (RuntimeException e) {
                last = e;
                try {
                    Thread.sleep(200);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        try {
            stopDriver.close();
        } catch (Exception e) {
            // Best effort.
        }
        throw new IOException("WebKitWebDriver did not start a session", last);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** One Xvfb display for every WebKit page of this JVM, stopped when the JVM exits. */
    private static final class XvfbDisplay {
        private static String display;

        static synchronized String get() throws IOException {
            if (display != null) {
                return display;
            }
            // -displayfd 1: Xvfb picks a free display number and prints it on stdout once it accepts clients.
            Process x = new ProcessBuilder(XVFB, "-displayfd", "1", "-screen", "0", "1280x1024x24", "-nolisten", "tcp")
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            Runtime.getRuntime().addShutdownHook(new Thread(x::destroy));
            String n = new BufferedReader(new InputStreamReader(x.getInputStream(), StandardCharsets.US_ASCII))
                    .readLine();
            if (n == null || !n.trim().matches("\\d+")) {
                x.destroyForcibly();
                throw new IOException("Xvfb did not start: " + n);
            }
            display = ":" + n.trim();
            return display;
        }
    }

    static Path screenshotFile(String name) throws IOException {
        Path dir = Path.of("target", "screenshots");
        Files.createDirectories(dir);
        return dir.resolve(name + ".png");
    }

    static Path screenshot(ChromeDriver driver, String name) throws IOException {
        Path file = screenshotFile(name);
        Files.write(file, driver.getScreenshotAs(OutputType.BYTES));
        return file;
    }

    static void quit(ChromeDriver... drivers) {
        for (ChromeDriver d : drivers) {
            if (d != null) {
                try {
                    d.quit();
                } catch (RuntimeException e) {
                    // Best effort: the browser may already be gone.
                }
            }
        }
    }

    static void close(Browser... browsers) {
        for (Browser b : browsers) {
            if (b != null) {
                b.close();
            }
        }
    }
}
