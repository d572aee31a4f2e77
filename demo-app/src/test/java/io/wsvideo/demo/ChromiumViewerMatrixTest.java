package io.wsvideo.demo;

import java.util.List;
import java.util.Map;

/**
 * The browser matrix with Chromium watching, in both player modes, every source; see {@link ViewerMatrix}.
 * Firefox's broadcast has long groups of pictures (~7.5 s): the MSE page, told where the key frames are
 * ({@code ?keys=1}), jumps to one instead of deep into a group, where Chromium stalled at readyState 1 for
 * seconds (docs/browsers.md).
 */
class ChromiumViewerMatrixTest extends ViewerMatrix {
    ChromiumViewerMatrixTest() {
        super(Browser.Engine.CHROMIUM, List.of("mse", "webcodecs"), LATE_JOIN_BOUND_MS, Map.of(), true);
    }
}
