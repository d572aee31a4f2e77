package io.wsvideo.relay.netty;

import java.net.URI;
import java.net.URISyntaxException;

/** A path template with one {@code {channel}} segment, as in {@code RelayServerConfig.publishPath()}. */
final class PathTemplate {

    private static final String CHANNEL = "{channel}";

    private final String prefix;
    private final String suffix;

    PathTemplate(String template) {
        int i = template.indexOf(CHANNEL);
        this.prefix = template.substring(0, i);
        this.suffix = template.substring(i + CHANNEL.length());
    }

    /**
     * The channel named by {@code rawPath} (still percent-encoded, without the query), decoded; null when the
     * path is not this template's (the channel part empty or spanning several segments, as a Jakarta path
     * parameter never does). The hub checks the name itself.
     */
    String match(String rawPath) {
        if (rawPath.length() <= prefix.length() + suffix.length() || !rawPath.startsWith(prefix)
                || !rawPath.endsWith(suffix)) {
            return null;
        }
        String raw = rawPath.substring(prefix.length(), rawPath.length() - suffix.length());
        if (raw.indexOf('/') >= 0) {
            return null;
        }
        if (raw.indexOf('%') < 0) {
            return raw;
        }
        try {
            return new URI("/" + raw).getPath().substring(1);
        } catch (URISyntaxException e) {
            return raw; // not a valid escape: the hub refuses the name as it stands
        }
    }
}
