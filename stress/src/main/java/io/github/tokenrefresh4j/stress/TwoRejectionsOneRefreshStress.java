package io.github.tokenrefresh4j.stress;

import io.github.tokenrefresh4j.AccessToken;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LLL_Result;

import java.util.concurrent.CompletableFuture;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Two callers reject the same token at the same moment: exactly one refresh starts, the other caller joins it, and
 * both retry with the new token (Spring Security #15145: parallel refreshes broke rotating refresh tokens).
 * Results: caller 1, caller 2, refresher calls (including the one that obtained the first token).
 */
@JCStressTest
@Outcome(id = "t2, t2, 2", expect = ACCEPTABLE, desc = "one refresh, both callers retried with its token")
@Outcome(expect = FORBIDDEN, desc = "a second refresh, a lost waiter, or a caller left with the rejected token")
@State
public class TwoRejectionsOneRefreshStress {

    private final Rig rig = new Rig();
    private final AccessToken first = rig.prime();
    private CompletableFuture<String> call1;
    private CompletableFuture<String> call2;

    @Actor
    public void caller1() {
        call1 = rejectFirstToken();
    }

    @Actor
    public void caller2() {
        call2 = rejectFirstToken();
    }

    @Arbiter
    public void arbiter(LLL_Result r) {
        rig.executor.drainRefreshers();
        r.r1 = Rig.outcome(call1);
        r.r2 = Rig.outcome(call2);
        r.r3 = rig.refresherCalls.get();
    }

    private CompletableFuture<String> rejectFirstToken() {
        return rig.tokens.executeCompletionStage(token ->
            CompletableFuture.completedFuture(token == first ? "401" : token.value())).toCompletableFuture();
    }
}
