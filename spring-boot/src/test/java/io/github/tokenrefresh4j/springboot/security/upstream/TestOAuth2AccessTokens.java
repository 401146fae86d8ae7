/*
 * Copyright 2004-present the original author or authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at
 *
 *      https://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */

/*
 * A test fixture of Spring Security, copied because Maven Central publishes no test jar or test fixtures of it.
 * From Spring Security 7.0.6 (Apache License 2.0), git tag 7.0.6 of
 * https://github.com/spring-projects/spring-security, file
 * oauth2/oauth2-core/src/test/java/org/springframework/security/oauth2/core/TestOAuth2AccessTokens.java
 * Changed by tokenrefresh4j: the package only, and imports of the Spring types that were in the original package.
 */

package io.github.tokenrefresh4j.springboot.security.upstream;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashSet;

import org.springframework.security.oauth2.core.OAuth2AccessToken;

/**
 * @author Rob Winch
 * @since 5.1
 */
public final class TestOAuth2AccessTokens {

	private TestOAuth2AccessTokens() {
	}

	public static OAuth2AccessToken noScopes() {
		return new OAuth2AccessToken(OAuth2AccessToken.TokenType.BEARER, "no-scopes", Instant.now(),
				Instant.now().plus(Duration.ofDays(1)));
	}

	public static OAuth2AccessToken scopes(String... scopes) {
		return new OAuth2AccessToken(OAuth2AccessToken.TokenType.BEARER, "scopes", Instant.now(),
				Instant.now().plus(Duration.ofDays(1)), new HashSet<>(Arrays.asList(scopes)));
	}

}
