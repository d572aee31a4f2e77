package io.wsvideo.demo;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The browser matrix with WebKitGTK watching, MSE only (its WebCodecs page crashes the web process while
 * decoding); see {@link ViewerMatrix}. Its late join does not always meet the 2 s: the bound here is what
 * it meets on a busy machine (docs/browsers.md has the figures). Left out, in docs/browsers.md as not done: VP8
 * (after a skip WebKit's decoder fails on Chromium's VP8, "decoder error"; Firefox's long groups of pictures make
 * the late joiner's catch-up seek take ~6 s) and WebKit's own recording (after a skip its page stalled at the
 * live edge once in two runs).
 */
class WebKitViewerMatrixTest extends ViewerMatrix {
    WebKitViewerMatrixTest() {
        super(Browser.Engine.WEBKIT, List.of("mse"), 4000, Map.of(), false);
    }

    @Override
    Stream<Source> sources() {
        return Stream.of(Source.CHROMIUM_VP9, Source.CHROMIUM_H264);
    }
}
