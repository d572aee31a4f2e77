package io.wsvideo.demo;

import java.util.List;
import java.util.Map;

/**
 * The browser matrix with Firefox watching, in both player modes; see {@link ViewerMatrix}. Headless Firefox
 * on a machine without an audio device never runs the WebCodecs page's audio context: that page is silent
 * here (its MSE page plays the sound).
 */
class FirefoxViewerMatrixTest extends ViewerMatrix {
    FirefoxViewerMatrixTest() {
        super(Browser.Engine.FIREFOX, List.of("mse", "webcodecs"), LATE_JOIN_BOUND_MS, Map.of(), false);
    }
}
