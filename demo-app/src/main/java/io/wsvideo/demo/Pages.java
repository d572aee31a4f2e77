package io.wsvideo.demo;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;

/**
 * The demo's pages from the classpath folder {@code /web} (from the jar or a build folder alike), with a
 * content type for every kind of file it holds (module scripts need a JavaScript type). One lookup for both
 * engines: Grizzly's {@link PagesHandler} and Netty's {@link NettyDemoServer}.
 */
final class Pages {

    /** A file to serve. */
    record Page(String contentType, byte[] body) {
    }

    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html;charset=utf-8",
            "js", "text/javascript;charset=utf-8",
            "css", "text/css;charset=utf-8",
            "svg", "image/svg+xml",
            "png", "image/png",
            "ico", "image/x-icon",
            "json", "application/json",
            "webmanifest", "application/manifest+json");

    /** Paths without an extension that name a page, as in the original project's {@code /stream}. */
    private static final Map<String, String> ALIASES = Map.of(
            "/", "/index.html",
            "/stream", "/stream.html",
            "/watch", "/watch.html",
            "/broadcast", "/broadcast.html",
            "/play", "/play.html");

    private Pages() {
    }

    /** The page at a decoded request path, or null (404) for anything else, including attempts to leave /web. */
    static Page find(String path) throws IOException {
        String p = ALIASES.getOrDefault(path, path);
        int dot = p.lastIndexOf('.');
        String type = dot < 0 ? null : TYPES.get(p.substring(dot + 1));
        if (type == null || p.contains("..") || p.contains("//") || p.contains("\\")) {
            return null;
        }
        try (InputStream in = Pages.class.getResourceAsStream("/web" + p)) {
            return in == null ? null : new Page(type, in.readAllBytes());
        }
    }
}
