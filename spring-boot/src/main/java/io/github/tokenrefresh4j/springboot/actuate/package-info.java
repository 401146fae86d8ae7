/**
 * The actuator side of the starter: the {@code tokenrefreshes} endpoint and the {@code tokenrefresh} health
 * indicator, both showing each decorator's state and never a token value.
 */
package io.github.tokenrefresh4j.springboot.actuate;
