package io.wsvideo.relay.spring;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;

/** An application that only has the starter: everything comes from auto-configuration. */
@SpringBootConfiguration
@EnableAutoConfiguration
public class RelayTestApp {
}
