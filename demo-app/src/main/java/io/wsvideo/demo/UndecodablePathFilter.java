package io.wsvideo.demo;

import java.io.CharConversionException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.glassfish.grizzly.filterchain.BaseFilter;
import org.glassfish.grizzly.filterchain.FilterChainBuilder;
import org.glassfish.grizzly.filterchain.FilterChainContext;
import org.glassfish.grizzly.filterchain.NextAction;
import org.glassfish.grizzly.http.HttpContent;
import org.glassfish.grizzly.http.HttpRequestPacket;
import org.glassfish.grizzly.http.HttpResponsePacket;
import org.glassfish.grizzly.http.HttpServerFilter;
import org.glassfish.grizzly.http.server.AddOn;
import org.glassfish.grizzly.http.server.NetworkListener;
import org.glassfish.grizzly.http.util.HttpStatus;
import org.glassfish.grizzly.http.util.RequestURIRef;
import org.glassfish.grizzly.memory.Buffers;

/**
 * Answers 400 to a request whose path Grizzly cannot decode: an encoded slash, backslash or NUL
 * ({@code /recordings/%2e%2e%2fsecret}), or a path climbing above the root ({@code /recordings/../..}). Grizzly's
 * handler chain fails on such a path before any handler sees it and answers 500, an internal error, for what is
 * the client's; Netty's engine hands the path to the handlers, which refuse it with 400 (RecordingsEndpointTest).
 *
 * <p>Right after the HTTP codec. It decodes each request's path once, as the handler chain does (UTF-8, no encoded
 * slash); the chain then finds it decoded. A connection whose request was decoded (WebSockets after the upgrade
 * included) costs one flag test per read.
 */
final class UndecodablePathFilter extends BaseFilter implements AddOn {

    private static final byte[] BODY = "Bad request: the path cannot be decoded\n".getBytes(StandardCharsets.US_ASCII);

    @Override
    public void setup(NetworkListener listener, FilterChainBuilder builder) {
        builder.add(builder.indexOfType(HttpServerFilter.class) + 1, this);
    }

    @Override
    public NextAction handleRead(FilterChainContext ctx) throws IOException {
        if (!(ctx.getMessage() instanceof HttpContent content)
                || !(content.getHttpHeader() instanceof HttpRequestPacket request)) {
            return ctx.getInvokeAction();
        }
        RequestURIRef uri = request.getRequestURIRef();
        if (uri.isDecoded()) {
            return ctx.getInvokeAction();
        }
        try {
            uri.getDecodedRequestURIBC(false, StandardCharsets.UTF_8);
            return ctx.getInvokeAction();
        } catch (CharConversionException e) {
            HttpResponsePacket response = request.getResponse();
            if (response.isCommitted()) {
                return ctx.getStopAction(); // the rest of a request already refused
            }
            HttpStatus.BAD_REQUEST_400.setValues(response);
            response.setContentType("text/plain");
            response.setContentLength(BODY.length);
            response.getProcessingState().setKeepAlive(false);
            ctx.write(HttpContent.builder(response).content(Buffers.wrap(ctx.getMemoryManager(), BODY)).last(true)
                    .build());
            // The codec closes the connection once the response is complete (400 keeps no connection alive).
            ctx.notifyDownstream(HttpServerFilter.RESPONSE_COMPLETE_EVENT);
            return ctx.getStopAction();
        }
    }
}
