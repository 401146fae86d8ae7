/** A Spring Boot application whose Spring Security OAuth2 client gets coalesced token requests from the starter. */
package io.github.tokenrefresh4j.sample;
