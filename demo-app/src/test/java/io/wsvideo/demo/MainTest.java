package io.wsvideo.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wsvideo.relay.jakarta.JakartaRelayConfig;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The demo's command line: relay settings with --set, and a bad one named at start-up. */
class MainTest {

    private static JakartaRelayConfig parse(String... args) {
        Main main = new Main();
        new CommandLine(main).parseArgs(args);
        return main.config(main.settings);
    }

    @Test
    void settingsTakeTheConfigurationKeysWithOrWithoutThePrefix() {
        JakartaRelayConfig c = parse("--set", "maxQueueBytes=123456", "--set", "wsvideo.maxChannels=7",
                "--set", "publisherTakeover=true");
        assertThat(c.relay().maxQueueBytes()).isEqualTo(123456);
        assertThat(c.relay().maxChannels()).isEqualTo(7);
        assertThat(c.relay().publisherTakeover()).isTrue();
    }

    @Test
    void noSettingsMeansTheDefaults() {
        assertThat(parse().relay().maxQueueBytes()).isEqualTo(JakartaRelayConfig.defaults().relay().maxQueueBytes());
    }

    @Test
    void aBadKeyOrValueStopsTheStartNamingTheKey() {
        assertThatThrownBy(() -> parse("--set", "maxQueueBytes=-1"))
                .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("maxQueueBytes");
        assertThatThrownBy(() -> parse("--set", "noSuchKey=1"))
                .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("noSuchKey");
    }

    @Test
    void recordDirAloneRecordsEveryChannelAndTheRecordKeysTuneIt() {
        assertThat(parse().server().recording()).as("off without --record-dir").isNull();
        var all = parse("--record-dir", "rec").server().recording();
        assertThat(all.dir()).isEqualTo(java.nio.file.Path.of("rec"));
        assertThat(all.onRequest()).isFalse();
        assertThat(all.channels().pattern()).isEqualTo(".*");
        var some = parse("--record-dir", "rec", "--set", "recordOnRequest=true", "--set", "recordMaxSeconds=60")
                .server().recording();
        assertThat(some.onRequest()).isTrue();
        assertThat(some.maxSeconds()).isEqualTo(60);
        assertThatThrownBy(() -> parse("--set", "recordMaxSeconds=60"))
                .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("recordDir");
    }
}
