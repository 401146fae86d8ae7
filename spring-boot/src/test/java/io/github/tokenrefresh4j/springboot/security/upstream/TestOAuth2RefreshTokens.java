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
 * oauth2/oauth2-core/src/test/java/org/springframework/security/oauth2/core/TestOAuth2RefreshTokens.java
 * Changed by tokenrefresh4j: the package only, and imports of the Spring types that were in the original package.
 */

package io.github.tokenrefresh4j.springboot.security.upstream;

import java.time.Instant;

import org.springframework.security.oauth2.core.OAuth2RefreshToken;

/**
 * @author Rob Winch
 * @since 5.1
 */
public final class TestOAuth2RefreshTokens {

	private TestOAuth2RefreshTokens() {
	}

	public static OAuth2RefreshToken refreshToken() {
		return new OAuth2RefreshToken("refresh-token", Instant.now());
	}

}
