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
 * {@code invalidate()} races the refresh from "t1" to "t2". An invalidation that saw "t2" as current must take
 * effect: the next call gets "t3", never "t2". One that saw "t1" may leave "t2" usable.
 * Results: the caller waiting for the refresh, the token current when invalidate() ran, the next call.
 */
@JCStressTest
@Outcome(id = "t2, t1, t2", expect = ACCEPTABLE, desc = "invalidate() hit t1, already rejected; t2 stays")
@Outcome(id = "t2, t1, t3", expect = ACCEPTABLE, desc = "invalidate() read t1, then hit t2 after the refresh")
@Outcome(id = "t2, t2, t3", expect = ACCEPTABLE, desc = "invalidate() hit t2; the next call refreshed")
@Outcome(expect = FORBIDDEN, desc = "an invalidation of t2 was lost, or a call was lost")
@State
public class InvalidateRacingRefreshStress {

    private final Rig rig = new Rig();
    private final CompletableFuture<String> waiting;

    public InvalidateRacingRefreshStress() {
        rig.prime();
        rig.tokens.invalidate();
        waiting = rig.callAsync();
    }

    @Actor
    public void refresher() {
        rig.executor.takeRefresher().run();
    }

    @Actor
    public void invalidate(LLL_Result r) {
        AccessToken seen = rig.tokens.currentToken();
        rig.tokens.invalidate();
        r.r2 = seen.value();
    }

    @Arbiter
    public void arbiter(LLL_Result r) {
        CompletableFuture<String> next = rig.callAsync();
        rig.executor.drainRefreshers();
        r.r1 = Rig.outcome(waiting);
        r.r3 = Rig.outcome(next);
    }
}
