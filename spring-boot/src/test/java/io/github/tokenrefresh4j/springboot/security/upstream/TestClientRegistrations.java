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
 * oauth2/oauth2-client/src/test/java/org/springframework/security/oauth2/client/registration/TestClientRegistrations.java
 * Changed by tokenrefresh4j: the package only, and imports of the Spring types that were in the original package.
 */

package io.github.tokenrefresh4j.springboot.security.upstream;

import org.springframework.security.oauth2.client.registration.ClientRegistration;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.ClientAuthenticationMethod;

/**
 * @author Rob Winch
 * @since 5.1
 */
public final class TestClientRegistrations {

	private TestClientRegistrations() {
	}

	public static ClientRegistration.Builder clientRegistration() {
		// @formatter:off
		return ClientRegistration.withRegistrationId("registration-id")
				.redirectUri("{baseUrl}/{action}/oauth2/code/{registrationId}")
				.clientAuthenticationMethod(ClientAuthenticationMethod.CLIENT_SECRET_BASIC)
				.authorizationGrantType(AuthorizationGrantType.AUTHORIZATION_CODE)
				.scope("read:user")
				.authorizationUri("https://example.com/login/oauth/authorize")
				.tokenUri("https://example.com/login/oauth/access_token")
				.jwkSetUri("https://example.com/oauth2/jwk")
				.issuerUri("https://example.com")
				.userInfoUri("https://api.example.com/user")
				.userNameAttributeName("id")
				.clientName("Client Name")
				.clientId("client-id")
				.clientSecret("client-secret");
		// @formatter:on
	}

	public static ClientRegistration.Builder clientRegistration2() {
		// @formatter:off
		return ClientRegistration.withRegistrationId("registration-id-2")
				.redirectUri("{baseUrl}/{action}/oauth2/code/{registrationId}")
				.clientAuthenticationMethod(ClientAuthenticationMethod.CLIENT_SECRET_BASIC)
				.authorizationGrantType(AuthorizationGrantType.AUTHORIZATION_CODE)
				.scope("read:user")
				.authorizationUri("https://example.com/login/oauth/authorize")
				.tokenUri("https://example.com/login/oauth/access_token")
				.userInfoUri("https://api.example.com/user")
				.userNameAttributeName("id")
				.clientName("Client Name")
				.clientId("client-id-2")
				.clientSecret("client-secret");
		// @formatter:on
	}

	public static ClientRegistration.Builder clientCredentials() {
		// @formatter:off
		return clientRegistration()
				.registrationId("client-credentials")
				.clientId("client-id")
				.authorizationGrantType(AuthorizationGrantType.CLIENT_CREDENTIALS);
		// @formatter:on
	}

}
