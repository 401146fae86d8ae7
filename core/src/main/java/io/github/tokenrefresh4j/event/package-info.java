/** Events published by a {@link io.github.tokenrefresh4j.TokenRefreshDecorator}. None carries a token value. */
package io.github.tokenrefresh4j.event;
