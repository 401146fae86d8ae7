package io.github.tokenrefresh4j.stress;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LLL_Result;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * A refresh fails while a new call arrives (no failure cooldown). The new call either joined the failing refresh and
 * fails with it, or came after the failure and starts the next refresh; it is never left waiting on a refresh that
 * already failed (Azure SDK #30466, OkHttp: lost or spinning waiters).
 * Results: the call that started the failing refresh, the new call, refresher calls.
 */
@JCStressTest
@Outcome(id = "failed, failed, 2", expect = ACCEPTABLE, desc = "the new call joined the failing refresh")
@Outcome(id = "failed, t3, 3", expect = ACCEPTABLE, desc = "the new call came after the failure and refreshed")
@Outcome(expect = FORBIDDEN, desc = "a waiter lost, or an undocumented exception")
@State
public class FailureRacingArrivalStress {

    private final Rig rig = new Rig(Duration.ofSeconds(10), Duration.ZERO, call -> call == 2);
    private final CompletableFuture<String> failingCall;
    private CompletableFuture<String> newCall;

    public FailureRacingArrivalStress() {
        rig.prime();
        rig.tokens.invalidate();
        failingCall = rig.callAsync();
    }

    @Actor
    public void refresherFails() {
        rig.executor.takeRefresher().run();
    }

    @Actor
    public void newArrival() {
        newCall = rig.callAsync();
    }

    @Arbiter
    public void arbiter(LLL_Result r) {
        rig.executor.drainRefreshers();
        r.r1 = Rig.outcome(failingCall);
        r.r2 = Rig.outcome(newCall);
        r.r3 = rig.refresherCalls.get();
    }
}
