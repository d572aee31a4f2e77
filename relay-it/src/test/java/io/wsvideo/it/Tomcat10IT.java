package io.wsvideo.it;

import org.junit.jupiter.api.BeforeAll;

/** The contract in embedded Tomcat 10.1 (Servlet 6.0, WebSocket 2.1), run with Tomcat 10.1's jars. */
class Tomcat10IT extends TomcatContract {

    @BeforeAll
    static void start() throws Exception {
        startTomcat("tomcat10");
    }

    @Override
    String expectedVersionPrefix() {
        return "10.1.";
    }
}
