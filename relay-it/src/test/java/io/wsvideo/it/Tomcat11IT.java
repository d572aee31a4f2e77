package io.wsvideo.it;

import org.junit.jupiter.api.BeforeAll;

/** The contract in embedded Tomcat 11 (Servlet 6.1, WebSocket 2.2). */
class Tomcat11IT extends TomcatContract {

    @BeforeAll
    static void start() throws Exception {
        startTomcat("tomcat11");
    }

    @Override
    String expectedVersionPrefix() {
        return "11.0.";
    }
}
