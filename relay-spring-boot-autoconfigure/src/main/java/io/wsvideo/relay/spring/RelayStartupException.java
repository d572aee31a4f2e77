package io.wsvideo.relay.spring;

/**
 * The relay cannot start as configured; {@link RelayFailureAnalyzer} turns it into Spring Boot's
 * "APPLICATION FAILED TO START" report with {@link #action()}.
 */
final class RelayStartupException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String action;

    RelayStartupException(String description, String action, Throwable cause) {
        super("wsvideo relay: " + description, cause);
        this.action = action;
    }

    String action() {
        return action;
    }
}
