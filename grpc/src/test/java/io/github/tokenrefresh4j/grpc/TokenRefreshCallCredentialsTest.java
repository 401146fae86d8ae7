package io.github.tokenrefresh4j.grpc;

import io.github.tokenrefresh4j.AccessToken;
import io.github.tokenrefresh4j.TokenRefreshConfig;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.TokenRefreshException;
import io.github.tokenrefresh4j.grpc.EchoServer.Transport;
import io.grpc.Attributes;
import io.grpc.CallCredentials;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.SecurityLevel;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The credentials attach the token inline when it is valid, and otherwise when the refresh completes, never blocking. */
class TokenRefreshCallCredentialsTest {

    @Test
    void aValidTokenIsAttachedInlineOnTheCallingThread() {
        TokenRefreshDecorator tokens = TokenRefreshClientInterceptor.decorator("echo", current -> AccessToken.of("t1"));
        tokens.executeFunction(token -> token); // the first token is fetched and accepted
        RecordingApplier applier = new RecordingApplier();

        TokenRefreshCallCredentials.of(tokens).applyRequestMetadata(new Info(), Runnable::run, applier);

        assertThat(applier.applied).isCompleted();
        assertThat(applier.applied.join().get(EchoServer.AUTHORIZATION)).isEqualTo("Bearer t1");
        assertThat(applier.thread).isSameAs(Thread.currentThread());
    }

    @Test
    void anExpiredTokenIsAttachedWhenTheRefreshCompletesWithoutBlockingTheCaller() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger refreshes = new AtomicInteger();
        TokenRefreshDecorator tokens = TokenRefreshClientInterceptor.decorator("echo", current -> {
            if (refreshes.incrementAndGet() > 1) {
                release.await();
            }
            return AccessToken.of("t" + refreshes.get());
        });
        tokens.executeFunction(token -> token);
        tokens.invalidate();
        RecordingApplier applier = new RecordingApplier();

        TokenRefreshCallCredentials.of(tokens).applyRequestMetadata(new Info(), Runnable::run, applier);
        assertThat(applier.applied).isNotDone(); // returned at once: the refresh is still held

        release.countDown();
        assertThat(applier.applied.get(10, TimeUnit.SECONDS).get(EchoServer.AUTHORIZATION)).isEqualTo("Bearer t2");
        assertThat(applier.thread).isNotSameAs(Thread.currentThread());
    }

    @Test
    void aCallThatCannotGetATokenFailsWithUnavailableWithoutTheToken() throws Exception {
        TokenRefreshDecorator tokens = TokenRefreshDecorator.of("echo", TokenRefreshConfig.custom()
            .refreshOnResult(TokenRefreshClientInterceptor.UNAUTHENTICATED).build(), current -> {
                throw new IllegalStateException("token endpoint down");
            });
        RecordingApplier applier = new RecordingApplier();

        TokenRefreshCallCredentials.of(tokens).applyRequestMetadata(new Info(), Runnable::run, applier);

        Status status = applier.failed.get(10, TimeUnit.SECONDS);
        assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(status.getCause()).isInstanceOf(TokenRefreshException.class);
        assertThat(status.getDescription()).startsWith("no access token: ");
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void credentialsAloneCarryTheTokenToARealServer(Transport transport) throws Exception {
        try (EchoServer server = new EchoServer(transport)) {
            server.valid.add("t1");
            TokenRefreshDecorator tokens = TokenRefreshClientInterceptor.decorator("echo",
                current -> AccessToken.of("t1"));
            ManagedChannel channel = server.channel();
            try {
                String answer = ClientCalls.blockingUnaryCall(channel, EchoServer.SAY,
                    CallOptions.DEFAULT.withCallCredentials(TokenRefreshCallCredentials.of(tokens)), "a");
                assertThat(answer).isEqualTo("hello a");
                assertThat(server.seen).containsExactly("Bearer t1");
            } finally {
                channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void toStringNamesTheDecoratorAndNeverTheToken() {
        TokenRefreshDecorator tokens = TokenRefreshClientInterceptor.decorator("echo",
            current -> AccessToken.of("s3cr3t"));
        tokens.executeFunction(token -> token);
        assertThat(TokenRefreshCallCredentials.of(tokens)).hasToString("TokenRefreshCallCredentials{echo}");
        assertThat(new TokenRefreshClientInterceptor(tokens)).hasToString("TokenRefreshClientInterceptor{echo}");
        assertThatThrownBy(() -> TokenRefreshCallCredentials.of(null))
            .isInstanceOf(NullPointerException.class).hasMessage("tokens must not be null");
    }

    private static final class RecordingApplier extends CallCredentials.MetadataApplier {
        final CompletableFuture<Metadata> applied = new CompletableFuture<>();
        final CompletableFuture<Status> failed = new CompletableFuture<>();
        volatile Thread thread;

        @Override
        public void apply(Metadata headers) {
            thread = Thread.currentThread();
            applied.complete(headers);
        }

        @Override
        public void fail(Status status) {
            thread = Thread.currentThread();
            failed.complete(status);
        }
    }

    private static final class Info extends CallCredentials.RequestInfo {
        @Override
        public MethodDescriptor<?, ?> getMethodDescriptor() {
            return EchoServer.SAY;
        }

        @Override
        public CallOptions getCallOptions() {
            return CallOptions.DEFAULT;
        }

        @Override
        public SecurityLevel getSecurityLevel() {
            return SecurityLevel.NONE;
        }

        @Override
        public String getAuthority() {
            return "localhost";
        }

        @Override
        public Attributes getTransportAttrs() {
            return Attributes.EMPTY;
        }
    }
}
