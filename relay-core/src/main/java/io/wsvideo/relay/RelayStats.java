package io.wsvideo.relay;

import java.util.List;

/** A snapshot of a whole hub, for monitoring and the demo's {@code /relay/stats}. */
public record RelayStats(List<ChannelStats> channels, long viewersEvicted, long publishersRefused) {

    public int viewerCount() {
        return channels.stream().mapToInt(ChannelStats::viewerCount).sum();
    }

    public ChannelStats channel(String name) {
        return channels.stream().filter(c -> c.name().equals(name)).findFirst().orElse(null);
    }

    /** The snapshot as JSON; per-viewer details only when asked, as they grow with the audience. */
    public String toJson(boolean withViewers) {
        StringBuilder b = new StringBuilder("{\"viewerCount\":").append(viewerCount())
                .append(",\"viewersEvicted\":").append(viewersEvicted)
                .append(",\"publishersRefused\":").append(publishersRefused).append(",\"channels\":[");
        for (int i = 0; i < channels.size(); i++) {
            b.append(i == 0 ? "" : ",").append(channels.get(i).toJson(withViewers));
        }
        return b.append("]}").toString();
    }
}
