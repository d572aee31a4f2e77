package io.wsvideo.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The webapps every container hosts, built as exploded directories the way a user would lay out a WAR:
 * relay-jakarta, relay-core and SLF4J in {@code WEB-INF/lib}, the host's own classes in
 * {@code WEB-INF/classes}, and {@code wsvideo.*} context parameters in {@code web.xml}.
 */
final class Webapps {

    /** One webapp per situation, each at its own context path. */
    enum App {
        /** The drop-in next to the host app's own servlet and endpoint; tokens, an origin list, 256 KiB messages. */
        HOST("/app"),
        /** The drop-in with at most two relay sessions per address. */
        LIMITED("/limited"),
        /** {@code wsvideo.enabled=false} and the README's programmatic registration in the host's listener. */
        PROGRAMMATIC("/prog"),
        /** {@code wsvideo.enabled=false} and nothing else. */
        DISABLED("/off"),
        /** A bad {@code wsvideo.maxQueueBytes}: the application must fail to start. */
        BROKEN("/broken"),
        /** The demo WAR (demo-war/target/wsvideo-demo.war), at the root as its pages expect. */
        DEMO("");

        final String contextPath;

        App(String contextPath) {
            this.contextPath = contextPath;
        }
    }

    static final String PUBLISH_TOKEN = "pub-secret";
    static final String OTHER_PUBLISH_TOKEN = "second-secret";
    static final String VIEW_TOKEN = "view-secret";
    static final String ALLOWED_ORIGIN = "http://allowed.example";
    static final int MAX_MESSAGE_BYTES = 256 * 1024;
    static final int MAX_SESSIONS_PER_ADDRESS = 2;
    /** Where {@link App#HOST} records (wsvideo.recordDir): one folder per test JVM. */
    static final String RECORD_DIR = Paths.get(System.getProperty("java.io.tmpdir"),
            "wsvideo-it-recordings-" + ProcessHandle.current().pid()).toString();
    /** The token in the README's programmatic example. */
    static final String PROGRAMMATIC_TOKEN = "change-me";

    private Webapps() {
    }

    /** The {@code wsvideo.*} context parameters of an app (also fed to the Tyrus demo server as properties). */
    static Map<String, String> params(App app) {
        Map<String, String> p = new LinkedHashMap<>();
        switch (app) {
            case HOST -> {
                p.put("wsvideo.publishTokens", PUBLISH_TOKEN + ", " + OTHER_PUBLISH_TOKEN);
                p.put("wsvideo.viewTokens", VIEW_TOKEN);
                p.put("wsvideo.allowedOrigins", ALLOWED_ORIGIN);
                p.put("wsvideo.maxMessageBytes", Integer.toString(MAX_MESSAGE_BYTES));
                p.put("wsvideo.recordDir", RECORD_DIR);
            }
            case LIMITED -> p.put("wsvideo.maxSessionsPerRemoteAddress", Integer.toString(MAX_SESSIONS_PER_ADDRESS));
            case PROGRAMMATIC, DISABLED -> p.put("wsvideo.enabled", "false");
            case BROKEN -> p.put("wsvideo.maxQueueBytes", "lots");
            case DEMO -> {
            }
            default -> throw new IllegalArgumentException(app.name());
        }
        return p;
    }

    static Path demoWar() {
        Path war = Paths.get(System.getProperty("wsvideo.it.demoWar", "target/wars/wsvideo-demo.war"));
        if (!Files.isRegularFile(war)) {
            throw new IllegalStateException("no demo WAR at " + war + " (run mvn verify from the top)");
        }
        return war;
    }

    static Path workDir(String container) {
        Path dir = Paths.get(System.getProperty("wsvideo.it.work", "target/it-work")).resolve(container);
        deleteTree(dir);
        try {
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Builds the exploded webapp for {@code app} (not {@link App#DEMO}) under {@code root}. */
    static Path build(Path root, App app) {
        try {
            Path dir = root.resolve(app.name().toLowerCase());
            Path webInf = Files.createDirectories(dir.resolve("WEB-INF"));
            Path lib = Files.createDirectories(webInf.resolve("lib"));
            Path libSource = Paths.get(System.getProperty("wsvideo.it.webappLib", "target/webapp-lib"));
            try (Stream<Path> jars = Files.list(libSource)) {
                for (Path jar : (Iterable<Path>) jars::iterator) {
                    Files.copy(jar, lib.resolve(jar.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            if (app == App.HOST || app == App.PROGRAMMATIC) {
                copyHostClasses(webInf.resolve("classes"));
            }
            Files.writeString(webInf.resolve("web.xml"), webXml(app));
            Files.writeString(dir.resolve("index.html"), "<!doctype html><title>host</title><p>the host app</p>\n");
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void copyHostClasses(Path classes) throws IOException {
        String pkg = "io/wsvideo/it/host";
        Path source = Paths.get(System.getProperty("wsvideo.it.testClasses", "target/test-classes")).resolve(pkg);
        Path target = Files.createDirectories(classes.resolve(pkg));
        try (Stream<Path> files = Files.list(source)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.copy(f, target.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    private static String webXml(App app) {
        StringBuilder x = new StringBuilder();
        x.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
                .append("<web-app xmlns=\"https://jakarta.ee/xml/ns/jakartaee\" version=\"6.0\">\n")
                .append("  <display-name>").append(app.name().toLowerCase()).append("</display-name>\n");
        params(app).forEach((k, v) -> x.append("  <context-param><param-name>").append(k)
                .append("</param-name><param-value>").append(v).append("</param-value></context-param>\n"));
        if (app == App.HOST) {
            x.append("  <servlet><servlet-name>hello</servlet-name>")
                    .append("<servlet-class>io.wsvideo.it.host.HostServlet</servlet-class></servlet>\n")
                    .append("  <servlet-mapping><servlet-name>hello</servlet-name>")
                    .append("<url-pattern>/host/hello</url-pattern></servlet-mapping>\n");
        }
        if (app == App.PROGRAMMATIC) {
            x.append("  <listener><listener-class>io.wsvideo.it.host.ReadmeEmbedding</listener-class></listener>\n");
        }
        x.append("</web-app>\n");
        return x.toString();
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
