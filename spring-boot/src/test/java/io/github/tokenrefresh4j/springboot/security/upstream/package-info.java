/**
 * Spring Security's own tests of its four authorized-client managers (version 7.0.6, Apache License 2.0; see the
 * root NOTICE), run against the starter's wrappers: each manager under test is Spring's, wrapped as the starter
 * wraps it ({@link io.github.tokenrefresh4j.springboot.security.upstream.WrappedManagers}). When Spring Security is
 * upgraded, copy the new versions of these tests here with the same changes (each file's note lists them).
 */
package io.github.tokenrefresh4j.springboot.security.upstream;
