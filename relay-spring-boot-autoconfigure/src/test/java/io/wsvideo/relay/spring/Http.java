package io.wsvideo.relay.spring;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** Plain HTTP GETs against the test application (the actuator), with the JDK's client. */
final class Http {

    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(RelayClient.TIMEOUT).build();

    private Http() {
    }

    static HttpResponse<String> get(int port, String path) throws Exception {
        return CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(RelayClient.TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
    }
}
