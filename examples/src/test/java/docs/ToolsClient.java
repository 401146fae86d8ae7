package docs;

import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.mcp.TokenRefreshMcpTransport;
import io.github.tokenrefresh4j.oauth2.OAuth2TokenRefresher;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;

import java.net.URI;
import java.time.Duration;

public class ToolsClient {

    /**
     * @param tokenEndpoint          the authorization server's, such as https://login.example.com/oauth2/token
     * @param mcpServer              the MCP server, such as https://tools.example.com
     * @param refreshTokenFromSignIn the refresh token of the user's sign-in
     */
    public static McpSyncClient create(URI tokenEndpoint, String mcpServer, String refreshTokenFromSignIn) {
        // A public client (MCP clients registered dynamically have no secret): the refresh-token grant, with
        // rotation; the token is bound to the MCP server (RFC 8707 resource).
        OAuth2TokenRefresher refresher = OAuth2TokenRefresher.builder(tokenEndpoint)
            .publicClient("agent")
            .refreshTokenGrant(refreshTokenFromSignIn)
            .resource(URI.create(mcpServer + "/mcp"))
            .build();
        TokenRefreshDecorator tokens = TokenRefreshMcpTransport.decorator("tools", refresher);

        HttpClientStreamableHttpTransport transport = TokenRefreshMcpTransport
            .configure(HttpClientStreamableHttpTransport.builder(mcpServer).endpoint("/mcp"), tokens)
            .build();
        McpSyncClient client = McpClient.sync(transport).requestTimeout(Duration.ofSeconds(30)).build();
        client.initialize();
        return client;
    }
}
