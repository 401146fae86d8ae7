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
 * Rule 3 of the core: at most one refresher call per decorator is ever running. A refresh timeout, the refresher's
 * late success and a new caller race. The new caller joins the refresh, or waits again for the same (abandoned)
 * refresher call, or finds its token installed; it never starts a second refresher call. The late token is installed
 * exactly when nothing newer is, which here is always: no other refresh can have run. A timeout that wins before the
 * refresher call even started abandons it for good (it never runs); the new caller then starts the one call.
 * <p>Three parties on two actors (jcstress schedules no more actors than there are CPUs, and CI has two): the timeout
 * task hands its transition to the library's pool, so it runs on a third thread and races both the new caller, which
 * the same actor starts right after it, and the late success.
 * Results: the first caller, the new caller, "refresher calls/current token" afterwards.
 */
@JCStressTest
@Outcome(id = "t1, t1, 1/t1", expect = ACCEPTABLE, desc = "the refresher won; both got its token")
@Outcome(id = "timeout, t1, 1/t1", expect = ACCEPTABLE,
    desc = "the timeout released the first caller; the new caller waited for the same call or found its token")
@Outcome(id = "timeout, timeout, 0/none", expect = ACCEPTABLE,
    desc = "the new caller joined before the timeout abandoned the unstarted call and released both")
@Outcome(id = "timeout, timeout, 1/t1", expect = ACCEPTABLE,
    desc = "the new caller joined before the timeout released both; the late token was installed")
@Outcome(expect = FORBIDDEN, desc = "a second refresher call, a lost late token, or a lost caller")
@State
public class TimeoutRacingLateSuccessRacingNewCallerStress {

    private final Rig rig = new Rig();
    private final CompletableFuture<String> first = rig.callAsync();
    private final Runnable refresher = rig.executor.takeRefresher();
    private final Runnable timeout = rig.scheduler.takeScheduled();
    private CompletableFuture<String> newCall;

    @Actor
    public void lateSuccess() {
        refresher.run();
    }

    @Actor
    public void timeoutFiresThenANewCallerArrives() {
        timeout.run(); // the transition itself runs on the library's pool, racing what follows
        newCall = rig.callAsync();
    }

    @Arbiter
    public void arbiter(LLL_Result r) {
        Rig.awaitDone(first);
        rig.executor.drainRefreshers(); // the new caller's call after an abandoned one; a second would count here
        Rig.awaitDone(newCall);
        rig.executor.drainRefreshers();
        r.r1 = Rig.outcome(first);
        r.r2 = Rig.outcome(newCall);
        r.r3 = rig.refresherCalls.get() + "/"
            + (rig.tokens.currentToken() == null ? "none" : rig.tokens.currentToken().value());
    }
}
