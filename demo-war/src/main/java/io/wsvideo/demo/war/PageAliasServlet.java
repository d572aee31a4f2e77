package io.wsvideo.demo.war;

import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * Serves {@code /stream}, {@code /watch}, {@code /broadcast}, {@code /play} as their {@code .html} pages, like the
 * standalone demo.
 */
public final class PageAliasServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws ServletException, IOException {
        resp.setHeader("Cache-Control", "no-cache");
        req.getRequestDispatcher(req.getServletPath() + ".html").forward(req, resp);
    }
}
