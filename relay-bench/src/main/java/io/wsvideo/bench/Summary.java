package io.wsvideo.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.util.Locale;

/**
 * Turns JMH's JSON results ({@code -rf json}) into the figures the docs quote: per viewer per chunk for the
 * fan-out, MB/s for the segmenter. {@code java -cp wsvideo-bench.jar io.wsvideo.bench.Summary results.json}
 */
public final class Summary {

    private Summary() {
    }

    public static void main(String[] args) throws IOException {
        JsonNode results = new ObjectMapper().readTree(new File(args[0]));
        StringBuilder fan = new StringBuilder("| viewers | us per chunk (+-) | ns per viewer per chunk "
                + "| B allocated per chunk | B per viewer per chunk |\n|---|---|---|---|---|\n");
        StringBuilder seg = new StringBuilder("| recording | parses/s | MB/s |\n|---|---|---|\n");
        for (JsonNode r : results) {
            String bench = r.path("benchmark").asText();
            JsonNode primary = r.path("primaryMetric");
            double score = primary.path("score").asDouble();
            double error = primary.path("scoreError").asDouble();
            if (bench.endsWith("FanOutBenchmark.publishOneChunk")) {
                int viewers = r.path("params").path("viewers").asInt();
                double alloc = r.path("secondaryMetrics").path("gc.alloc.rate.norm").path("score").asDouble(Double.NaN);
                fan.append(String.format(Locale.ROOT, "| %d | %.1f (+-%.1f) | %.1f | %.0f | %.1f |%n", viewers, score,
                        error, score * 1000 / viewers, alloc, alloc / viewers));
            } else if (bench.endsWith("SegmenterBenchmark.parseRecording")) {
                String rec = r.path("params").path("recording").asText();
                long bytes = io.wsvideo.relay.testing.Recording.load(rec).bytes().length;
                seg.append(String.format(Locale.ROOT, "| %s (%d B) | %.0f | %.0f |%n", rec, bytes, score,
                        score * bytes / 1e6));
            }
        }
        System.out.println(fan);
        System.out.println(seg);
    }
}
