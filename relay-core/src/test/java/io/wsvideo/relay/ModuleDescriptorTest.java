package io.wsvideo.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.module.Configuration;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;

/**
 * relay-core's {@code module-info.java}: it exports exactly the public API (docs/design.md) and keeps the
 * parser internals unexported, and it resolves as a real module next to slf4j on a module path. (The tests
 * themselves run on the class path; see the parent pom's surefire configuration.)
 */
class ModuleDescriptorTest {

    private static Path classes() throws Exception {
        return Path.of(RelayHub.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    @Test
    void exportsThePublicApiAndNotTheParserInternals() throws Exception {
        ModuleDescriptor d = ModuleFinder.of(classes()).find("io.wsvideo.relay").orElseThrow().descriptor();
        Set<String> exported = d.exports().stream().map(ModuleDescriptor.Exports::source)
                .collect(Collectors.toSet());
        assertThat(exported).containsExactlyInAnyOrder("io.wsvideo.relay", "io.wsvideo.relay.media",
                "io.wsvideo.relay.server", "io.wsvideo.relay.record");
        assertThat(d.packages()).contains("io.wsvideo.relay.media.internal");
        assertThat(d.opens()).isEmpty();
        assertThat(d.requires()).extracting(ModuleDescriptor.Requires::name)
                .containsExactlyInAnyOrder("java.base", "org.slf4j");
    }

    @Test
    void resolvesOnAModulePathAndHidesTheInternals() throws Exception {
        Path slf4j = Path.of(Logger.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        ModuleFinder finder = ModuleFinder.of(classes(), slf4j);
        ModuleLayer boot = ModuleLayer.boot();
        Configuration cf = boot.configuration().resolve(finder, ModuleFinder.of(), Set.of("io.wsvideo.relay"));
        ModuleLayer layer = boot.defineModulesWithOneLoader(cf, ClassLoader.getPlatformClassLoader());
        Module relay = layer.findModule("io.wsvideo.relay").orElseThrow();
        Class<?> hub = layer.findLoader("io.wsvideo.relay").loadClass("io.wsvideo.relay.RelayHub");
        assertThat(hub.getModule()).isSameAs(relay);
        assertThat(relay.isExported("io.wsvideo.relay")).isTrue();
        assertThat(relay.isExported("io.wsvideo.relay.media")).isTrue();
        assertThat(relay.isExported("io.wsvideo.relay.media.internal")).isFalse();
        // A hub really runs in the layer: its classes and slf4j's link.
        Class<?> config = layer.findLoader("io.wsvideo.relay").loadClass("io.wsvideo.relay.RelayConfig");
        Object defaults = config.getMethod("defaults").invoke(null);
        try (AutoCloseable h = (AutoCloseable) hub.getMethod("create", config).invoke(null, defaults)) {
            assertThat(hub.getMethod("viewerCount", String.class).invoke(h, "x")).isEqualTo(0);
        }
    }
}
