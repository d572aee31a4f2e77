package io.wsvideo.demo.war;

import io.wsvideo.relay.RelayHub;
import io.wsvideo.relay.jakarta.RelayContextListener;
import io.wsvideo.relay.record.Recorder;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** {@code /relay/stats}: the hub's stats as JSON, as in the standalone demo ({@code ?viewers=true} lists viewers). */
public final class StatsServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        Object hub = getServletContext().getAttribute(RelayContextListener.HUB_ATTRIBUTE);
        if (!(hub instanceof RelayHub)) {
            resp.sendError(HttpServletResponse.SC_SERVICE_UNAVAILABLE, "the relay is not running");
            return;
        }
        boolean viewers = "true".equals(req.getParameter("viewers"));
        String json = ((RelayHub) hub).stats(viewers).toJson(viewers);
        if (getServletContext().getAttribute(RelayContextListener.RECORDER_ATTRIBUTE) instanceof Recorder r) {
            json = json.substring(0, json.length() - 1) + ",\"recorder\":" + r.stats().toJson() + "}";
        }
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        resp.setContentType("application/json");
        resp.setHeader("Cache-Control", "no-store");
        resp.setContentLength(body.length);
        resp.getOutputStream().write(body);
    }
}
