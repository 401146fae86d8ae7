/** Implementations of the gRPC adapters. Not an API: anything here may change without notice. */
package io.github.tokenrefresh4j.grpc.internal;
