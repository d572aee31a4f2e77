package io.wsvideo.relay.spring;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Reports a {@link RelayStartupException} the way Spring Boot reports its own start failures. Bad property
 * values do not come here: the binder rejects them first, through {@link RelayProperties#validate}, and Boot's
 * own analyzer names the key, its value and its origin.
 */
final class RelayFailureAnalyzer extends AbstractFailureAnalyzer<RelayStartupException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, RelayStartupException cause) {
        return new FailureAnalysis(cause.getMessage(), cause.action(), cause);
    }
}
