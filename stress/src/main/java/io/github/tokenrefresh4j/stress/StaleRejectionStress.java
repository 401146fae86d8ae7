package io.github.tokenrefresh4j.stress;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LLL_Result;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * A slow call made with "t1" reports it rejected while the refresh from "t2" to "t3" completes: whether the stale
 * rejection lands during that refresh or after it, it starts no refresh of its own, and the slow call retries with
 * "t3" (AWS SDK #5690 and Spring Security #15145: late 401s must not stampede the token endpoint).
 * Results: slow call, caller that started the refresh, refresher calls.
 */
@JCStressTest
@Outcome(id = "t3, t3, 3", expect = ACCEPTABLE, desc = "the stale rejection joined or followed the refresh")
@Outcome(expect = FORBIDDEN, desc = "the stale rejection started a refresh, or a call was lost")
@State
public class StaleRejectionStress {

    private final Rig rig = new Rig();
    private final CompletableFuture<String> slowResponse = new CompletableFuture<>();
    private final CompletableFuture<String> slowCall;
    private final CompletableFuture<String> refreshingCall;

    public StaleRejectionStress() {
        rig.prime();
        AtomicBoolean firstAttempt = new AtomicBoolean(true);
        slowCall = rig.tokens.executeCompletionStage(token -> firstAttempt.getAndSet(false)
            ? slowResponse : CompletableFuture.completedFuture(token.value())).toCompletableFuture();
        rig.tokens.invalidate();
        CompletableFuture<String> second = rig.callAsync();
        rig.executor.drainRefreshers();
        second.join();
        rig.tokens.invalidate();
        refreshingCall = rig.callAsync();
    }

    @Actor
    public void refresher() {
        rig.executor.takeRefresher().run();
    }

    @Actor
    public void staleRejection() {
        slowResponse.complete("401");
    }

    @Arbiter
    public void arbiter(LLL_Result r) {
        rig.executor.drainRefreshers();
        r.r1 = Rig.outcome(slowCall);
        r.r2 = Rig.outcome(refreshingCall);
        r.r3 = rig.refresherCalls.get();
    }
}
