package io.wsvideo.demo;

import java.util.List;

/**
 * The browser matrix with Firefox watching; see {@link ViewerMatrix}. MSE mode only for now: in
 * {@code mode=webcodecs} the page does not always follow a broadcaster restart (no moving video 10 s after
 * the new stream, or 7-9 s; Firefox with VP8 and WebKit's recording, Chromium with VP9), for the WebCodecs
 * player to fix; then add "webcodecs" here.
 */
class FirefoxViewerMatrixTest extends ViewerMatrix {
    FirefoxViewerMatrixTest() {
        super(Browser.Engine.FIREFOX, List.of("mse"), 2000);
    }
}
