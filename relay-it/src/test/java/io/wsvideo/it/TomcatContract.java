package io.wsvideo.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.wsvideo.it.Webapps.App;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The contract in embedded Tomcat; subclasses pin the version their JVM's class path must have. */
abstract class TomcatContract extends ContainerContract {

    static TomcatContainer tomcat;

    static void startTomcat(String name) throws Exception {
        tomcat = TomcatContainer.start(Webapps.workDir(name));
    }

    @AfterAll
    static void stopTomcat() throws Exception {
        if (tomcat != null) {
            tomcat.close();
            tomcat = null;
        }
    }

    abstract String expectedVersionPrefix();

    @Override
    String base(App app) {
        return tomcat.base(app);
    }

    @Override
    String startupFailure(App app) {
        return tomcat.startupFailure(app);
    }

    @Test
    void runsTheExpectedTomcat() {
        assertThat(TomcatContainer.version()).startsWith(expectedVersionPrefix());
    }
}
