package io.wsvideo.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.wsvideo.relay.jakarta.JakartaRelayConfig;
import io.wsvideo.relay.testing.Recording;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The demo's TLS option on each engine: https pages and a wss publisher and viewer, byte for byte. */
class TlsEngineTest {

    @ParameterizedTest
    @EnumSource(RelayServer.Engine.class)
    void httpsPagesAndWssRelayWorkWithAKeystore(RelayServer.Engine engine) throws Exception {
        KeyStore ks = Tls.selfSignedKeyStore(List.of("localhost", "127.0.0.1"));
        Path file = Files.createTempFile("wsvideo-tls", ".p12");
        try (OutputStream out = Files.newOutputStream(file)) {
            ks.store(out, new char[0]);
        }
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        trusted.setCertificateEntry("demo", ks.getCertificate(Tls.ALIAS));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trusted);
        SSLContext client = SSLContext.getInstance("TLS");
        client.init(null, tmf.getTrustManagers(), null);
        HttpClient http = HttpClient.newBuilder().sslContext(client).version(HttpClient.Version.HTTP_1_1).build();

        try (RelayServer server = engine.start("127.0.0.1", 0, JakartaRelayConfig.defaults(),
                Tls.fromKeystore(file, new char[0]), 0)) {
            String base = "localhost:" + server.port();
            HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create("https://" + base + "/stream"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.body()).contains("relay-player.js");

            Recording rec = Recording.load("webm-vp8-opus");
            WsClient viewer = WsClient.connect(http, "wss://" + base + "/relay/view/tls");
            WsClient publisher = WsClient.connect(http, "wss://" + base + "/relay/publish/tls");
            for (ByteBuffer c : rec.chunks()) {
                publisher.sendBinary(c);
            }
            WsClient.await(Duration.ofSeconds(15), () -> viewer.bytes().length >= rec.bytes().length);
            assertThat(viewer.bytes()).isEqualTo(Recording.asRelayed(rec.bytes()));
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
