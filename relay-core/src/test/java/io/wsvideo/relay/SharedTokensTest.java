package io.wsvideo.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class SharedTokensTest {

    @Test
    void acceptsAnyOfItsTokensAndNothingElse() {
        SharedTokens t = SharedTokens.of(List.of("alpha-1", "beta-22"));
        assertThat(t.matches("alpha-1")).isTrue();
        assertThat(t.matches("beta-22")).isTrue();
        assertThat(t.matches("alpha-")).isFalse();
        assertThat(t.matches("alpha-12")).isFalse();
        assertThat(t.matches("ALPHA-1")).isFalse();
        assertThat(t.matches("")).isFalse();
        assertThat(t.matches(null)).isFalse();
    }

    @Test
    void asAPublishAuthorizerItLooksOnlyAtTheToken() {
        PublishAuthorizer a = SharedTokens.of(List.of("s3cret"));
        assertThat(a.authorize("any-channel", "s3cret", null)).isTrue();
        assertThat(a.authorize("any-channel", "s3cre", "127.0.0.1")).isFalse();
    }

    @Test
    void noTokensAcceptsNobody() {
        assertThat(SharedTokens.of(List.of()).matches("x")).isFalse();
    }

    @Test
    void blankTokensAreRejected() {
        assertThatThrownBy(() -> SharedTokens.of(List.of("ok", " "))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void toStringDoesNotRevealTheTokens() {
        assertThat(SharedTokens.of(List.of("hunter2")).toString()).doesNotContain("hunter2").contains("1 token");
    }
}
