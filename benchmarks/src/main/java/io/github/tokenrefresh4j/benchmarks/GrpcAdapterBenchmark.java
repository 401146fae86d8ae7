package io.github.tokenrefresh4j.benchmarks;

import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.grpc.TokenRefreshCallCredentials;
import io.github.tokenrefresh4j.grpc.TokenRefreshClientInterceptor;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.ServerCalls;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * One blocking unary gRPC call on an in-process channel (direct executors, so the figure is the client's work, not
 * a network's), with a valid token: bare (a fixed {@code authorization} header by gRPC's own
 * {@code MetadataUtils}), through {@link TokenRefreshCallCredentials}, and through
 * {@link TokenRefreshClientInterceptor} (which buffers the request and response and judges the outcome).
 *
 * <pre>{@code
 * java -cp benchmarks/target/benchmarks.jar org.openjdk.jmh.Main 'GrpcAdapter|McpAdapter' -prof gc
 * }</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class GrpcAdapterBenchmark {

    /** Bytes as they are: the figure is the call's, not a codec's. */
    private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    private static final MethodDescriptor<byte[], byte[]> SAY = MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName("bench.Echo/Say")
        .setRequestMarshaller(BYTES)
        .setResponseMarshaller(BYTES)
        .build();
    private static final byte[] REQUEST = {'a'};

    private Server server;
    private ManagedChannel channel;
    private Channel bare;
    private Channel intercepted;
    private CallOptions withCredentials;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        String name = "bench-" + System.nanoTime();
        server = InProcessServerBuilder.forName(name).directExecutor()
            .addService(ServerServiceDefinition.builder("bench.Echo")
                .addMethod(SAY, ServerCalls.asyncUnaryCall((request, response) -> {
                    response.onNext(request);
                    response.onCompleted();
                }))
                .build())
            .build().start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();

        Metadata fixed = new Metadata();
        fixed.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer raw");
        bare = ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(fixed));

        AccessToken token = AccessToken.of("raw", Instant.now().plus(Subjects.ONE_HOUR));
        TokenRefreshDecorator tokens = TokenRefreshClientInterceptor.decorator("benchmark", current -> token);
        tokens.executeFunction(AccessToken::value); // the first token, so that the measured calls find it valid
        intercepted = ClientInterceptors.intercept(channel, new TokenRefreshClientInterceptor(tokens));
        withCredentials = CallOptions.DEFAULT.withCallCredentials(TokenRefreshCallCredentials.of(tokens));
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    /** The baseline: the call with a fixed bearer header. */
    @Benchmark
    public byte[] bareCall() {
        return ClientCalls.blockingUnaryCall(bare, SAY, CallOptions.DEFAULT, REQUEST);
    }

    /** The token from the decorator, attached by call credentials. */
    @Benchmark
    public byte[] callCredentials() {
        return ClientCalls.blockingUnaryCall(channel, SAY, withCredentials, REQUEST);
    }

    /** The interceptor: token attached, outcome judged, retry ready. */
    @Benchmark
    public byte[] clientInterceptor() {
        return ClientCalls.blockingUnaryCall(intercepted, SAY, CallOptions.DEFAULT, REQUEST);
    }
}
