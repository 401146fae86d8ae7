package io.github.tokenrefresh4j.grpc;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A gRPC server with a unary method ({@code Say}), a held unary method ({@code Slow}: its first call waits for
 * {@link #releaseSlow()} before its token is checked) and a server-streaming one ({@code Stream}), behind a bearer
 * check that accepts only the tokens in {@link #valid}. Runs in-process or over Netty on 127.0.0.1.
 */
final class EchoServer implements AutoCloseable {

    enum Transport { IN_PROCESS, NETTY }

    static final MethodDescriptor.Marshaller<String> STRING = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(String value) {
            return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String parse(InputStream stream) {
            try {
                return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    static final MethodDescriptor<String, String> SAY = method("Say", MethodDescriptor.MethodType.UNARY);
    static final MethodDescriptor<String, String> SLOW = method("Slow", MethodDescriptor.MethodType.UNARY);
    static final MethodDescriptor<String, String> STREAM =
        method("Stream", MethodDescriptor.MethodType.SERVER_STREAMING);

    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    /** The tokens the server accepts now. */
    final Set<String> valid = ConcurrentHashMap.newKeySet();
    /** The authorization header of every call, in arrival order. */
    final List<String> seen = new CopyOnWriteArrayList<>();
    final AtomicInteger rejections = new AtomicInteger();
    final CountDownLatch slowArrived = new CountDownLatch(1);

    private final CountDownLatch slowRelease = new CountDownLatch(1);
    private final AtomicBoolean slowHeld = new AtomicBoolean();
    private final Transport transport;
    private final Server server;
    private final String name = "echo-" + System.nanoTime();

    EchoServer(Transport transport) throws IOException {
        this.transport = transport;
        ServerServiceDefinition service = ServerServiceDefinition.builder("test.Echo")
            .addMethod(SAY, ServerCalls.asyncUnaryCall((request, response) -> {
                response.onNext("hello " + request);
                response.onCompleted();
            }))
            .addMethod(SLOW, ServerCalls.asyncUnaryCall((request, response) -> {
                response.onNext("slow " + request);
                response.onCompleted();
            }))
            .addMethod(STREAM, ServerCalls.asyncServerStreamingCall((request, response) -> {
                response.onNext("one " + request);
                response.onNext("two " + request);
                response.onCompleted();
            }))
            .build();
        ServerBuilder<?> builder = transport == Transport.IN_PROCESS
            ? InProcessServerBuilder.forName(name)
            : NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        server = builder.addService(ServerInterceptors.intercept(service, new BearerCheck())).build().start();
    }

    ManagedChannel channel() {
        return transport == Transport.IN_PROCESS
            ? InProcessChannelBuilder.forName(name).build()
            : NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
    }

    void releaseSlow() {
        slowRelease.countDown();
    }

    long count(String authorization) {
        return seen.stream().filter(authorization::equals).count();
    }

    @Override
    public void close() throws InterruptedException {
        slowRelease.countDown();
        server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }

    private static MethodDescriptor<String, String> method(String name, MethodDescriptor.MethodType type) {
        return MethodDescriptor.<String, String>newBuilder()
            .setType(type)
            .setFullMethodName(MethodDescriptor.generateFullMethodName("test.Echo", name))
            .setRequestMarshaller(STRING)
            .setResponseMarshaller(STRING)
            .build();
    }

    private final class BearerCheck implements ServerInterceptor {
        @Override
        public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call, Metadata headers,
                                                                     ServerCallHandler<ReqT, RespT> next) {
            String authorization = headers.get(AUTHORIZATION);
            seen.add(String.valueOf(authorization));
            if (call.getMethodDescriptor().equals(SLOW) && slowHeld.compareAndSet(false, true)) {
                slowArrived.countDown();
                try {
                    slowRelease.await(); // a test thread releases it; close() releases it too
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (authorization == null || !authorization.startsWith("Bearer ")
                || !valid.contains(authorization.substring("Bearer ".length()))) {
                rejections.incrementAndGet();
                call.close(Status.UNAUTHENTICATED.withDescription("invalid token"), new Metadata());
                return new ServerCall.Listener<>() { };
            }
            return next.startCall(call, headers);
        }
    }
}
