package io.github.tokenrefresh4j.springboot.app;

import io.micrometer.core.instrument.MeterRegistry;

import java.time.Duration;
import java.util.concurrent.Callable;

import static org.assertj.core.api.Assertions.assertThat;

/** One step of a storm matrix (a storm, its token requests, the meters before and after), shared by the apps. */
public final class StormMatrix {

    private StormMatrix() {
    }

    /** A storm and the meters of its registration before and after it. */
    public record Step(long tokenRequests, Storm.Meters before, Storm.Meters after) {

        /**
         * One token request, counted by the meters ({@code requestsSoFar} in all), shared by {@code together - 1}
         * calls (exactly, when all callers were in together; at least, when more came after the response), and
         * replayed as the registration's successful refresh.
         */
        public void assertOneTokenRequestShared(int together, long requestsSoFar) {
            assertThat(tokenRequests).as("token requests of the storm").isEqualTo(1);
            assertThat(after.tokenRequests()).as("tokenrefresh.oauth2client.token.requests").isEqualTo(requestsSoFar);
            long shared = after.coalescedCalls() - before.coalescedCalls();
            if (together == Storm.CALLERS) {
                assertThat(shared).as("tokenrefresh.oauth2client.coalesced.calls, this storm")
                    .isEqualTo(Storm.CALLERS - 1);
            } else {
                assertThat(shared).as("tokenrefresh.oauth2client.coalesced.calls, this storm")
                    .isBetween((long) together - 1, (long) Storm.CALLERS - 1);
            }
            assertThat(after.successfulRefreshes()).as("tokenrefresh.refreshes{kind=successful}")
                .isEqualTo(requestsSoFar);
        }
    }

    /** How long a token response is held at most, whether or not the calls joined it. */
    static final Duration HOLD_GUARD = Duration.ofSeconds(60);

    /**
     * Runs {@code storm} with the token response held until {@code together - 1} calls of {@code registrationId}
     * have joined the token request, and reads the meters once the registration's decorator replayed it.
     */
    public static Step step(MeterRegistry meters, String registrationId, int together, Callable<Long> storm)
        throws Exception {
        return step(meters, registrationId, together, HOLD_GUARD, storm);
    }

    static Step step(MeterRegistry meters, String registrationId, int together, Duration guard,
                     Callable<Long> storm) throws Exception {
        Storm.Meters before = Storm.Meters.of(meters, registrationId);
        AuthorizationServer server = AuthorizationServer.get();
        server.holdTokenResponsesUntil(() ->
            Storm.Meters.of(meters, registrationId).coalescedCalls() - before.coalescedCalls() >= together - 1,
            guard);
        long tokenRequests;
        int releasedByGuard;
        try {
            tokenRequests = storm.call();
        } finally {
            releasedByGuard = server.stopHolding();
        }
        // the exact counts below would not tell a storm whose calls joined in time from one whose calls were held
        // up until the guard let the response go and joined just after it
        assertThat(releasedByGuard).as("token responses released by the hold's guard (%s) before %d calls of '%s' "
            + "had joined the token request", guard, together - 1, registrationId).isZero();
        Storm.Meters after = Storm.Meters.awaitRefreshes(meters, registrationId,
            before.successfulRefreshes() + tokenRequests);
        // the registration's meters are tagged by registration, never by the principal the calls were made for
        assertThat(meters.getMeters()).filteredOn(meter -> registrationId.equals(meter.getId().getTag("name")))
            .isNotEmpty()
            .allSatisfy(meter -> assertThat(meter.getId().getTags()).as(meter.getId().toString())
                .noneMatch(tag -> tag.getValue().contains(Storms.ANONYMOUS.getName())));
        return new Step(tokenRequests, before, after);
    }

    /** Prints the step as a {@code STORM} line, for BENCHMARKS.md. */
    public static void record(String storm, Step step) {
        System.out.println("STORM " + storm + ": " + Storm.CALLERS + " calls, " + step.tokenRequests()
            + " token requests; meters: token.requests " + step.after().tokenRequests() + ", coalesced.calls +"
            + (step.after().coalescedCalls() - step.before().coalescedCalls()) + ", refreshes "
            + step.after().successfulRefreshes());
    }
}
