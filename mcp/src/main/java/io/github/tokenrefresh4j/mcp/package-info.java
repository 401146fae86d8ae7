/**
 * MCP Java SDK adapter: {@link io.github.tokenrefresh4j.mcp.TokenRefreshMcpTransport} gives the SDK's HTTP client
 * transports a bearer token from a decorator and answers {@code 401 invalid_token} with one refresh for all
 * concurrent tool calls and a replay of each.
 *
 * <pre>{@code
 * HttpClientStreamableHttpTransport transport = TokenRefreshMcpTransport
 *     .configure(HttpClientStreamableHttpTransport.builder("https://tools.example.com"),
 *         TokenRefreshMcpTransport.decorator("tools", refresher))
 *     .build();
 * }</pre>
 */
package io.github.tokenrefresh4j.mcp;
