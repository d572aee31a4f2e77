package io.wsvideo.demo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;

/** A {@link Browser} over a Selenium WebDriver (Chromium's chromedriver, WebKit's WebKitWebDriver). */
final class WebDriverBrowser implements Browser {

    // Selenium's sync executeScript cannot await: run the body as an async function and hand its outcome
    // to the async script's callback; errors come back as a marked object and are thrown in Java.
    private static final String ASYNC = "const done = arguments[arguments.length - 1];\n"
            + "(async () => { %s\n})().then((v) => done({ value: v === undefined ? null : v }),"
            + " (e) => done({ error: String(e && e.stack || e) }));";

    private final Engine engine;
    private final WebDriver driver;
    private final String version;
    private final AutoCloseable afterQuit;

    WebDriverBrowser(Engine engine, WebDriver driver, String version, AutoCloseable afterQuit) {
        this.engine = engine;
        this.driver = driver;
        this.version = version;
        this.afterQuit = afterQuit;
    }

    WebDriver driver() {
        return driver;
    }

    @Override
    public Engine engine() {
        return engine;
    }

    @Override
    public String version() {
        return version;
    }

    @Override
    public void open(String url) {
        driver.get(url);
    }

    @Override
    @SuppressWarnings("unchecked")
    public Object js(String body) {
        Map<String, Object> r = (Map<String, Object>) ((JavascriptExecutor) driver)
                .executeAsyncScript(String.format(ASYNC, body));
        if (r.containsKey("error")) {
            throw new IllegalStateException(engine.label() + " page script failed: " + r.get("error"));
        }
        return r.get("value");
    }

    @Override
    public Path screenshot(String name) throws IOException {
        Path file = Browsers.screenshotFile(name);
        Files.write(file, ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
        return file;
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } catch (RuntimeException e) {
            // Best effort: the browser may already be gone.
        }
        if (afterQuit != null) {
            try {
                afterQuit.close();
            } catch (Exception e) {
                // Best effort.
            }
        }
    }
}
