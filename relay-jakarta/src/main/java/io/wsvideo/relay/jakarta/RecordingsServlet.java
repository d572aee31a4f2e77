package io.wsvideo.relay.jakarta;

import io.wsvideo.relay.record.RecordingsHttp;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Map;
import java.util.Objects;

/**
 * {@code GET|HEAD /recordings} (the list, JSON) and {@code /recordings/NAME} (the file, with byte ranges), as
 * {@link RecordingsHttp} describes them, for servlet containers. {@link RelayContextListener} maps it at
 * {@code /recordings/*} when {@code wsvideo.recordDir} is set; map it yourself elsewhere if you like. The token
 * is {@code ?token=} or {@code Authorization: Bearer}.
 */
public final class RecordingsServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    private final transient RecordingsHttp http;

    public RecordingsServlet(RecordingsHttp http) {
        this.http = Objects.requireNonNull(http, "http");
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String token = req.getParameter("token");
        String authorization = req.getHeader("Authorization");
        if ((token == null || token.isEmpty()) && authorization != null
                && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            token = authorization.substring(7).strip();
        }
        String path = req.getPathInfo() == null ? "" : req.getPathInfo();
        RecordingsHttp.Reply reply = http.handle(req.getMethod(), path, req.getParameter("channel"),
                token == null || token.isEmpty() ? null : token, req.getHeader("Range"), req.getHeader("If-Range"));
        resp.setStatus(reply.status());
        for (Map.Entry<String, String> h : reply.headers().entrySet()) {
            if (h.getKey().equals("Content-Length")) {
                resp.setContentLengthLong(reply.contentLength());
            } else {
                resp.setHeader(h.getKey(), h.getValue());
            }
        }
        reply.writeBody(resp.getOutputStream());
    }
}
