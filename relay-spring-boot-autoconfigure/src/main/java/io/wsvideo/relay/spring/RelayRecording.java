package io.wsvideo.relay.spring;

import io.wsvideo.relay.RelayHub;
import io.wsvideo.relay.SharedTokens;
import io.wsvideo.relay.jakarta.JakartaRelayConfig;
import io.wsvideo.relay.jakarta.RecordingsServlet;
import io.wsvideo.relay.record.Recorder;
import io.wsvideo.relay.record.RecordingConfig;
import io.wsvideo.relay.record.RecordingFiles;
import io.wsvideo.relay.record.RecordingsHttp;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletRegistration;
import java.io.IOException;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.web.servlet.ServletContextInitializer;

/**
 * Recording, as the WAR's drop-in does it: when the configuration records ({@code wsvideo.record-dir}, or a
 * {@code JakartaRelayConfig} bean with a {@code RecordingConfig}), a {@link Recorder} on the hub writing into
 * {@link RecordingFiles}, and {@link RecordingsServlet} at {@code /recordings} behind the view tokens. Without
 * it, this does nothing.
 *
 * <p>Decided by the configuration itself rather than by a condition on the property, so that an application's
 * own {@code JakartaRelayConfig} bean records exactly when it says so. A {@link ServletContextInitializer},
 * because servlets can be added only while the embedded server initializes its context.
 *
 * <p>Stopping: the {@link RelayEndpointsRegistrar} closes the hub in a lifecycle phase, before any bean is
 * destroyed, so the publishers have ended when {@link #destroy()} closes the recorder, which completes every
 * file (duration, index) before the application exits.
 */
final class RelayRecording implements ServletContextInitializer, DisposableBean {

    /** Where the recordings are served, as in the WAR and the demo. */
    static final String PATH = "/recordings";

    private final Recorder recorder;
    private final RecordingsHttp http;

    private RelayRecording(Recorder recorder, RecordingsHttp http) {
        this.recorder = recorder;
        this.http = http;
    }

    /** Starts recording if {@code config} says so. */
    static RelayRecording start(RelayHub hub, JakartaRelayConfig config) {
        RecordingConfig rc = config.server().recording();
        if (rc == null) {
            return new RelayRecording(null, null);
        }
        RecordingFiles files;
        try {
            files = RecordingFiles.create(rc);
        } catch (IOException | RuntimeException e) {
            throw new RelayStartupException("cannot record into " + rc.dir() + " (wsvideo.record-dir): " + e,
                    "Set wsvideo.record-dir to a folder the application can create and write, or remove it to "
                            + "run without recording.", e);
        }
        Recorder recorder = Recorder.start(hub, rc, files);
        SharedTokens tokens = config.viewTokens();
        return new RelayRecording(recorder, new RecordingsHttp(files, t -> tokens == null || tokens.matches(t)));
    }

    /** The running recorder, or null when the configuration does not record. */
    Recorder recorder() {
        return recorder;
    }

    @Override
    public void onStartup(ServletContext servletContext) {
        if (http == null) {
            return;
        }
        ServletRegistration.Dynamic servlet = servletContext.addServlet("wsvideoRecordings",
                new RecordingsServlet(http));
        servlet.addMapping(PATH, PATH + "/*");
    }

    /** Completes the files of the recordings still running (the hub has closed by now) and waits for them. */
    @Override
    public void destroy() {
        if (recorder != null) {
            recorder.close();
        }
    }
}
