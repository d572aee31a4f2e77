package io.wsvideo.demo;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The browser matrix with Chromium watching, in both player modes; see {@link ViewerMatrix}. Firefox's
 * broadcast is left out here: its recorder's groups of pictures are long (a late joiner gets ~10 s from the
 * key frame), and Chromium's MSE page then stalls (readyState 1) for seconds after the join's seek into that
 * group (docs/browsers.md, not done); Firefox's own page plays it.
 */
class ChromiumViewerMatrixTest extends ViewerMatrix {
    ChromiumViewerMatrixTest() {
        super(Browser.Engine.CHROMIUM, List.of("mse", "webcodecs"), LATE_JOIN_BOUND_MS, Map.of(), true);
    }

    @Override
    Stream<Source> sources() {
        return Stream.of(Source.values()).filter(s -> s != Source.FIREFOX_VP8);
    }
}
