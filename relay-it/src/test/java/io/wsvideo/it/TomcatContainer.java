package io.wsvideo.it;

import io.wsvideo.it.Webapps.App;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.apache.catalina.Context;
import org.apache.catalina.Lifecycle;
import org.apache.catalina.LifecycleState;
import org.apache.catalina.Wrapper;
import org.apache.catalina.startup.ContextConfig;
import org.apache.catalina.startup.Tomcat;
import org.apache.catalina.util.ServerInfo;
import org.apache.tomcat.util.scan.StandardJarScanner;

/**
 * Embedded Tomcat hosting every {@link App} as a webapp with the usual web.xml, web-fragment and annotation
 * processing, on 127.0.0.1 and a free port. The same code runs against Tomcat 11 and 10.1 (separate JVMs
 * with different class paths).
 */
final class TomcatContainer implements AutoCloseable {

    private final Tomcat tomcat;
    private final Map<App, Context> contexts = new EnumMap<>(App.class);
    private final List<String> severe = new ArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            if (r.getLevel().intValue() >= Level.SEVERE.intValue()) {
                StringBuilder sb = new StringBuilder(String.valueOf(r.getMessage()));
                for (Throwable t = r.getThrown(); t != null; t = t.getCause()) {
                    sb.append(" / ").append(t);
                }
                synchronized (severe) {
                    severe.add(sb.toString());
                }
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    private TomcatContainer(Path work) throws Exception {
        Logger.getLogger("").addHandler(capture);
        tomcat = tomcat(work);
        for (App app : App.values()) {
            String docBase = app == App.DEMO ? Webapps.demoWar().toAbsolutePath().toString()
                    : Webapps.build(work.resolve("webapps"), app).toAbsolutePath().toString();
            contexts.put(app, addWebapp(tomcat, app.contextPath, docBase));
        }
        tomcat.start();
    }

    /** A fresh embedded Tomcat on 127.0.0.1 and a free port, working under {@code work}; not started. */
    static Tomcat tomcat(Path work) {
        Tomcat tomcat = new Tomcat();
        tomcat.setBaseDir(work.resolve("base").toString());
        tomcat.setPort(0);
        tomcat.getConnector().setProperty("address", "127.0.0.1");
        tomcat.getHost().setAutoDeploy(false);
        Path appBase = work.resolve("appbase");
        try {
            java.nio.file.Files.createDirectories(appBase);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        tomcat.getHost().setAppBase(appBase.toString());
        // No JSP engine here: add only the default (static files) servlet and the MIME types.
        tomcat.setAddDefaultWebXmlToWebapp(false);
        return tomcat;
    }

    /** Adds a webapp (a WAR or an exploded directory) as a deployed WAR would be, with the default servlet. */
    static Context addWebapp(Tomcat tomcat, String contextPath, String docBase) {
        return addWebapp(tomcat, contextPath, docBase, ctx -> {
        });
    }

    /**
     * The same, with {@code customize} applied before the context starts (context parameters, say): on a
     * running Tomcat the context starts as soon as it is added.
     */
    static Context addWebapp(Tomcat tomcat, String contextPath, String docBase, Consumer<Context> customize) {
        ContextConfig config = new ContextConfig();
        return tomcat.addWebapp(null, contextPath, docBase, event -> {
            Context ctx = (Context) event.getLifecycle();
            if (Lifecycle.BEFORE_INIT_EVENT.equals(event.getType())) {
                // Scan WEB-INF only, as a deployed WAR would be: not this test's own class path.
                ((StandardJarScanner) ctx.getJarScanner()).setScanClassPath(false);
                customize.accept(ctx);
            }
            if (Lifecycle.BEFORE_START_EVENT.equals(event.getType())) {
                Wrapper def = Tomcat.addServlet(ctx, "default", "org.apache.catalina.servlets.DefaultServlet");
                def.setLoadOnStartup(1);
                def.setOverridable(true);
                ctx.addServletMappingDecoded("/", "default");
                Tomcat.addDefaultMimeTypeMappings(ctx);
            }
            config.lifecycleEvent(event);
        });
    }

    static TomcatContainer start(Path work) throws Exception {
        return new TomcatContainer(work);
    }

    int port() {
        return tomcat.getConnector().getLocalPort();
    }

    String base(App app) {
        return "http://127.0.0.1:" + port() + app.contextPath;
    }

    static String version() {
        return ServerInfo.getServerNumber();
    }

    /** The SEVERE log lines (with their exception chains) about an app that did not start. */
    String startupFailure(App app) {
        Context ctx = contexts.get(app);
        if (ctx.getState() == LifecycleState.STARTED) {
            return "started";
        }
        synchronized (severe) {
            return ctx.getState() + ": " + String.join("\n", severe);
        }
    }

    @Override
    public void close() throws Exception {
        try {
            tomcat.stop();
            tomcat.destroy();
        } finally {
            Logger.getLogger("").removeHandler(capture);
        }
    }
}
