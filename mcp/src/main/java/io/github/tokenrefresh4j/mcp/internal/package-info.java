/** Implementations of the MCP adapters. Not an API: anything here may change without notice. */
package io.github.tokenrefresh4j.mcp.internal;
