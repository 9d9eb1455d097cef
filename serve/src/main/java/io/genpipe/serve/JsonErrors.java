package io.genpipe.serve;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Locale;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's own refusals (a request it cannot parse, headers or a URI too long, no Host, two Content-Lengths,
 * a bad path) answered as genpipe answers everything: {@code {"error": "..."}} in genpipe's words, JSON, never
 * an HTML page.
 */
final class JsonErrors extends ErrorHandler {

    /** What a status means for a request to genpipe serve, and what would be right. */
    static String words(int status, String reason) {
        String why = reason == null || reason.isBlank() ? "" : " (" + reason.toLowerCase(Locale.ROOT) + ")";
        return switch (status) {
            case 400 ->
                "the request is not valid HTTP" + why
                        + "; send one Host header, one Content-Length (or chunked), and a path without control characters";
            case 413 -> "the request body is too large" + why + "; see limits.maxRequestBytes";
            case 414 -> "the request's URI is too long; genpipe's paths are short (/v2/models/NAME/infer)";
            case 431 -> "the request's headers are too large; send the data in the body";
            case 404 -> "no such endpoint";
            case 405 -> "method not allowed" + why;
            case 505 -> "HTTP version not supported" + why + "; use HTTP/1.1";
            default -> "HTTP " + status + why;
        };
    }

    @Override
    protected void generateResponse(
            Request request, Response response, int code, String message, Throwable cause, Callback callback)
            throws IOException {
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.write(true, ByteBuffer.wrap(InferenceCodec.error(words(code, message))), callback);
    }
}
