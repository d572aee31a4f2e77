package io.wsvideo.demo;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import org.glassfish.grizzly.http.Method;
import org.glassfish.grizzly.http.server.HttpHandler;
import org.glassfish.grizzly.http.server.Request;
import org.glassfish.grizzly.http.server.Response;

/**
 * Serves the demo's pages from the classpath folder {@code /web}, from the jar or from a build folder
 * alike, with a content type for every kind of file it holds (module scripts need a JavaScript type).
 * Grizzly's own classpath handler leaves the type out when the files are not in a jar.
 */
final class PagesHandler extends HttpHandler {

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
            "/broadcast", "/broadcast.html");

    @Override
    public void service(Request request, Response response) throws IOException {
        if (request.getMethod() != Method.GET && request.getMethod() != Method.HEAD) {
            response.setStatus(405);
            response.setHeader("Allow", "GET, HEAD");
            return;
        }
        String path = request.getDecodedRequestURI();
        path = ALIASES.getOrDefault(path, path);
        int dot = path.lastIndexOf('.');
        String type = dot < 0 ? null : TYPES.get(path.substring(dot + 1));
        if (type == null || path.contains("..") || path.contains("//") || path.contains("\\")) {
            response.sendError(404);
            return;
        }
        try (InputStream in = PagesHandler.class.getResourceAsStream("/web" + path)) {
            if (in == null) {
                response.sendError(404);
                return;
            }
            byte[] body = in.readAllBytes();
            response.setContentType(type);
            response.setHeader("Cache-Control", "no-cache");
            response.setHeader("X-Content-Type-Options", "nosniff");
            response.setContentLength(body.length);
            if (request.getMethod() == Method.GET) {
                response.getOutputStream().write(body);
            }
        }
    }
}
