package io.github.tokenrefresh4j.stress;

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
 * The refresh timeout fires at the moment the refresher returns. Either the token wins and the caller gets it, or
 * the timeout wins and the caller is released with a timeout; either way the token is installed, because the token
 * its refresh started from is still the current one (with rotating refresh tokens it holds the only valid refresh
 * token). A caller must never be lost, and the state must never stay without the token (Google auth #692: a caller
 * saw a token state that did not match what it was told). A timeout that wins before the refresher call even started
 * abandons it for good (it never runs, so no token was presented); then no call ran and no token is lost.
 * Results: the caller, the decorator's current token afterwards, the refresher calls that ran.
 */
@JCStressTest
@Outcome(id = "t1, t1, 1", expect = ACCEPTABLE, desc = "the refresher won")
@Outcome(id = "timeout, t1, 1", expect = ACCEPTABLE, desc = "the timeout won; the late token was installed")
@Outcome(id = "timeout, none, 0", expect = ACCEPTABLE,
    desc = "the timeout won before the refresher call started; it was abandoned and never ran")
@Outcome(expect = FORBIDDEN, desc = "the late token was lost although nothing newer was installed, or the caller "
    + "was lost")
@State
public class TimeoutRacingLateCompletionStress {

    private final Rig rig = new Rig();
    private final CompletableFuture<String> call = rig.callAsync();
    private final Runnable refresher = rig.executor.takeRefresher();
    private final Runnable timeout = rig.scheduler.takeScheduled();

    @Actor
    public void lateCompletion() {
        refresher.run();
    }

    @Actor
    public void timeoutFires() {
        timeout.run();
    }

    @Arbiter
    public void arbiter(LLL_Result r) {
        Rig.awaitDone(call); // a fired timeout completes the call on a library thread, just after
        r.r1 = Rig.outcome(call);
        r.r2 = rig.tokens.currentToken() == null ? "none" : rig.tokens.currentToken().value();
        r.r3 = rig.refresherCalls.get();
    }
}
