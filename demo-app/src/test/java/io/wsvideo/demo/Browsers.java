package io.wsvideo.demo;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Starts Debian's headless Chromium with a fake camera and microphone through Debian's chromedriver.
 * Nothing is downloaded: both paths are given, so Selenium Manager never runs. Without Chromium the
 * browser tests are skipped, loudly, except in CI ({@code CI=true}), where that is a failure.
 */
final class Browsers {

    static final String CHROMIUM = System.getProperty("wsvideo.chromium", "/usr/bin/chromium");
    static final String CHROMEDRIVER = System.getProperty("wsvideo.chromedriver", "/usr/bin/chromedriver");

    private Browsers() {
    }

    static void requireChromium() {
        boolean present = new File(CHROMIUM).canExecute() && new File(CHROMEDRIVER).canExecute();
        if (present) {
            return;
        }
        String msg = "Chromium or chromedriver missing (" + CHROMIUM + ", " + CHROMEDRIVER
                + "): install Debian's chromium and chromium-driver";
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            fail("CI=true and " + msg);
        }
        System.err.println("[browser tests SKIPPED] " + msg);
        Assumptions.abort(msg);
    }

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

    static Path screenshot(ChromeDriver driver, String name) throws IOException {
        Path dir = Path.of("target", "screenshots");
        Files.createDirectories(dir);
        Path file = dir.resolve(name + ".png");
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
}
