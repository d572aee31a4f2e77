package io.wsvideo.demo;

import io.wsvideo.relay.record.RecordingsHttp;
import java.util.Map;
import org.glassfish.grizzly.http.server.HttpHandler;
import org.glassfish.grizzly.http.server.Request;
import org.glassfish.grizzly.http.server.Response;

/** {@code /recordings} and {@code /recordings/NAME} on Grizzly: the request handed to {@link RecordingsHttp}. */
final class RecordingsHandler extends HttpHandler {

    private final DemoRecording recording;

    RecordingsHandler(DemoRecording recording) {
        this.recording = recording;
    }

    @Override
    public void service(Request request, Response response) throws Exception {
        // Mounted at /recordings: the path info is what follows it, decoded ("/" for the list itself).
        String below = request.getPathInfo() == null ? "" : request.getPathInfo();
        if (below.equals("/") && DemoRecording.wantsPage(DemoRecording.PATH, request.getHeader("Accept"))) {
            String query = request.getQueryString();
            response.setStatus(303);
            response.setHeader("Location", "/recordings.html" + (query == null ? "" : "?" + query));
            return;
        }
        String token = DemoRecording.token(request.getParameter("token"), request.getHeader("Authorization"));
        RecordingsHttp.Reply reply = recording.handle(request.getMethod().getMethodString(), DemoRecording.PATH + below,
                request.getParameter("channel"), token, request.getHeader("Range"), request.getHeader("If-Range"));
        response.setStatus(reply.status());
        for (Map.Entry<String, String> h : reply.headers().entrySet()) {
            if (!h.getKey().equals("Content-Length") && !h.getKey().equals("Content-Type")) {
                response.setHeader(h.getKey(), h.getValue());
            }
        }
        response.setContentLengthLong(reply.contentLength());
        // Grizzly leaves out the Content-Type of a response to a request offering an h2c upgrade (Java's
        // HttpClient does, browsers do not); its tests ask for HTTP/1.1.
        String type = reply.headers().get("Content-Type");
        if (type != null) {
            response.setContentType(type);
        }
        reply.writeBody(response.getOutputStream());
    }
}
