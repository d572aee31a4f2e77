package io.wsvideo.demo;

import java.io.IOException;
import org.glassfish.grizzly.http.Method;
import org.glassfish.grizzly.http.server.HttpHandler;
import org.glassfish.grizzly.http.server.Request;
import org.glassfish.grizzly.http.server.Response;

/**
 * Serves the demo's {@link Pages} on Grizzly. Grizzly's own classpath handler leaves the content type out when
 * the files are not in a jar.
 */
final class PagesHandler extends HttpHandler {

    @Override
    public void service(Request request, Response response) throws IOException {
        if (request.getMethod() != Method.GET && request.getMethod() != Method.HEAD) {
            response.setStatus(405);
            response.setHeader("Allow", "GET, HEAD");
            return;
        }
        Pages.Page page = Pages.find(request.getDecodedRequestURI());
        if (page == null) {
            response.sendError(404);
            return;
        }
        response.setContentType(page.contentType());
        response.setHeader("Cache-Control", "no-cache");
        response.setHeader("X-Content-Type-Options", "nosniff");
        response.setContentLength(page.body().length);
        if (request.getMethod() == Method.GET) {
            response.getOutputStream().write(page.body());
        }
    }
}
