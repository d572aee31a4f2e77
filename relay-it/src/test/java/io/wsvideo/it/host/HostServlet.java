package io.wsvideo.it.host;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/** The host application's own servlet, declared in its web.xml: must keep working next to the drop-in. */
public final class HostServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        resp.setContentType("text/plain;charset=utf-8");
        resp.getWriter().write("hello from the host app; relay hub "
                + (getServletContext().getAttribute("io.wsvideo.relay.RelayHub") != null ? "present" : "absent"));
    }
}
