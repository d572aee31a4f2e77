package io.wsvideo.demo;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * One browser page driven by a test, the same few operations in every engine: Chromium (chromedriver) and
 * WebKit (WebKitWebDriver) over WebDriver classic, Firefox over WebDriver BiDi through a small Node process.
 * Start one with {@link Browsers#start(Engine)}.
 */
interface Browser extends AutoCloseable {

    /** The engines the tests run, each from Debian's packages. */
    enum Engine {
        CHROMIUM, FIREFOX, WEBKIT;

        String label() {
            return switch (this) {
                case CHROMIUM -> "Chromium";
                case FIREFOX -> "Firefox";
                case WEBKIT -> "WebKit";
            };
        }
    }

    Engine engine();

    /** The browser's own name and version, e.g. {@code firefox/153.8.0}. */
    String version();

    /** Navigates and waits for the page's load event. */
    void open(String url);

    /**
     * Runs {@code body} as an async function body in the page (so it may {@code await}) and returns its
     * result as JSON-shaped Java values: Map, List, Number, String, Boolean or null.
     */
    Object js(String body);

    /** The text of the element with this id. */
    default String text(String id) {
        return String.valueOf(js("const e = document.getElementById('" + id + "'); return e ? e.textContent : null;"));
    }

    default void click(String id) {
        js("document.getElementById('" + id + "').click();");
    }

    /** The watch page's player numbers ({@code RelayPlayer.stats()}), or null before the player exists. */
    @SuppressWarnings("unchecked")
    default Map<String, Object> playerStats() {
        return (Map<String, Object>) js("return window.wsvideoPlayer ? window.wsvideoPlayer.stats() : null;");
    }

    /** Saves a PNG of the page under target/screenshots. */
    Path screenshot(String name) throws IOException;

    /** Closes the browser and everything started for it. Never throws. */
    @Override
    void close();
}
