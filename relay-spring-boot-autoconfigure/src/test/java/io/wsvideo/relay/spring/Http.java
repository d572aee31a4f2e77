package io.wsvideo.relay.spring;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

/** Plain HTTP requests against the test application (the actuator, /recordings), with the JDK's client. */
final class Http {

    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(RelayClient.TIMEOUT).build();

    private Http() {
    }

    static HttpResponse<String> get(int port, String path) throws Exception {
        return CLIENT.send(request(port, path, Map.of()).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** {@code method} (GET, HEAD) with {@code headers}, the body as bytes. */
    static HttpResponse<byte[]> bytes(int port, String method, String path, Map<String, String> headers)
            throws Exception {
        return CLIENT.send(request(port, path, headers).method(method, HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    private static HttpRequest.Builder request(int port, String path, Map<String, String> headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(RelayClient.TIMEOUT);
        headers.forEach(b::header);
        return b;
    }
}
