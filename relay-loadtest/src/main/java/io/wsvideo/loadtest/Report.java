package io.wsvideo.loadtest;

import java.util.List;
import java.util.Locale;

/** The results as a Markdown table, one row per run (the JSON has everything, including the timeline). */
final class Report {

    private static final String HEADER = "| relay | scenario | viewers (slow/stalled) | s | relay CPU % mean "
            + "| steady (t>5 s) | max | relay core busy % | RSS MB before / max / end | p50 ms | p99 ms | max ms "
            + "| fast >= 99 % | min delivered | skips | evictions | stalled closed | tool CPU % max |\n"
            + "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|";

    private Report() {
    }

    static String table(List<LoadRun.Result> results) {
        StringBuilder b = new StringBuilder(HEADER);
        for (LoadRun.Result r : results) {
            b.append('\n').append(row(r));
        }
        return b.toString();
    }

    static String row(LoadRun.Result r) {
        LoadRun.Latency l = r.fastLatencyMillis();
        int stalledClosed = r.stalledViewers().closes().entrySet().stream()
                .filter(e -> !e.getKey().equals("open at end") && !e.getKey().equals("never opened"))
                .mapToInt(java.util.Map.Entry::getValue).sum();
        return String.format(Locale.ROOT,
                "| %s | %s | %d (%d/%d) | %d | %s | %s | %s | %s | %s / %s / %s | %s | %s | %s | %d/%d | %s | %s | %s "
                        + "| %s | %s |",
                r.relay(), r.scenario(), r.viewers(), r.slow(), r.stalled(), r.seconds(), f(r.relayCpuMean()),
                f(r.relayCpuSteady()), f(r.relayCpuMax()), f(r.relayCoreBusyMean()), mb(r.relayRssBeforeBytes()),
                mb(r.relayRssMaxBytes()), mb(r.relayRssEndBytes()), f(l.p50()), f(l.p99()), f(l.max()),
                r.fastViewers().delivered99(), r.fastViewers().count(), f4(r.fastViewers().minDelivered()),
                n(r.skips()), n(r.evictions()), r.stalled() == 0 ? "-" : stalledClosed + "/" + r.stalled(),
                f(r.toolCpuMax()));
    }

    private static String f(double d) {
        return Double.isNaN(d) ? "-" : String.format(Locale.ROOT, "%.1f", d);
    }

    private static String f4(double d) {
        return Double.isNaN(d) ? "-" : String.format(Locale.ROOT, "%.4f", d);
    }

    private static String mb(long bytes) {
        return bytes < 0 ? "-" : Long.toString(bytes >> 20);
    }

    private static String n(long v) {
        return v < 0 ? "-" : Long.toString(v);
    }
}
