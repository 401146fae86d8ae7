/**
 * Implementation of the Redis module, one job per class: {@link io.github.tokenrefresh4j.redis.internal.FleetConnection}
 * owns the connections (and the client, if it built it), {@link io.github.tokenrefresh4j.redis.internal.RefreshLock}
 * the lock and its watchdog, {@link io.github.tokenrefresh4j.redis.internal.SharedTokenStore} the stored-token
 * protocol and its scripts, {@link io.github.tokenrefresh4j.redis.internal.WakeUpSignal} the wake-ups,
 * {@link io.github.tokenrefresh4j.redis.internal.SharedTokenCodec} the stored form of a token. Not an API.
 *
 * <h2>The protocol</h2>
 * <b>Keys.</b> For the credential named {@code K} (e.g. {@code tokens:orders-api}) every name carries the hash tag
 * {@code {K}}, so on a Redis Cluster all of them live in one slot and a script touching several never fails with
 * CROSSSLOT ({@link io.github.tokenrefresh4j.redis.internal.FleetKeys}; a name that has a hash tag already is kept):
 * <table>
 *   <caption>Keys of one credential</caption>
 *   <tr><th>name</th><th>type, expiry</th><th>value</th><th>written by</th></tr>
 *   <tr><td>{@code {K}}</td><td>hash, no expiry</td><td>{@code generation} (n-th stored token), {@code token}
 *       (codec form, maybe AES-GCM sealed with {@code K} as associated data), {@code expires} (ms since the epoch
 *       by Redis's {@code TIME}), {@code lifetime} (ms the token had when stored)</td><td>STORE, by the lock
 *       holder only</td></tr>
 *   <tr><td>{@code {K}:lock}</td><td>string, {@code PX lockTimeout}, renewed up to {@code maxLockHold}</td>
 *       <td>the holder's random owner id</td><td>{@code SET NX PX} by anyone; RENEW and RELEASE (and FAIL) only
 *       by the owner</td></tr>
 *   <tr><td>{@code {K}:failure}</td><td>string, {@code PX failureCooldown}</td><td>{@code "<generation> <exception
 *       type: message>"}</td><td>FAIL, by the lock holder whose delegate threw</td></tr>
 *   <tr><td>{@code {K}:events}</td><td>pub/sub channel (regular; a cluster delivers it to every node)</td>
 *       <td>{@code stored}, {@code failed}, {@code released}</td><td>the STORE, FAIL and RELEASE scripts</td></tr>
 * </table>
 *
 * <p><b>Scripts.</b> READ returns generation, token, failure record, the record's PTTL, and the token's time left
 * by Redis's clock, in one atomic reply. STORE writes generation {@code g} only if {@code g} is greater than the
 * stored one, turns "ms left" into an instant of Redis's clock, deletes the failure record, and publishes. FAIL
 * writes the failure record and deletes the lock, in one step, only if the lock is still the caller's or expired
 * untaken. RENEW sets the lock's expiry and RELEASE deletes it, each only if the lock holds the caller's owner id.
 *
 * <p><b>Why it is safe.</b>
 * <ul>
 *   <li><b>One delegate at a time.</b> Only the lock holder calls the delegate, and the watchdog keeps the lock
 *       while the holder lives, up to {@code maxLockHold}. A holder that dies stops renewing and loses the lock
 *       within {@code lockTimeout}.</li>
 *   <li><b>Fencing.</b> A holder that outlived {@code maxLockHold} and finishes after another instance took over
 *       cannot overwrite the newer token: STORE refuses an old generation, and the late holder returns the stored
 *       token. A holder whose lock expired but that no one replaced still stores, as it already used the refresh
 *       token.</li>
 *   <li><b>The newest refresh token.</b> The holder reads the shared token after taking the lock and passes it to
 *       the delegate, so rotating refresh tokens are presented once each.</li>
 *   <li><b>No lost token.</b> STORE is retried until the call's deadline, through interrupts, while the lock is
 *       held; a token that still could not be stored is kept by its instance and stored on its next call (the
 *       generation fences it if the fleet moved on).</li>
 *   <li><b>One failure, one request.</b> FAIL writes the record before the lock is gone, in the same script, so no
 *       instance can take the lock and miss it. A record names the generation it failed to replace; one for an
 *       older generation is ignored, and STORE deletes it.</li>
 *   <li><b>Clocks.</b> Expiry is kept on Redis's clock ({@code expires}) and handed to each host as time left, so
 *       hosts need not agree on the time. Redis times the lock and the failure record as well.</li>
 *   <li><b>No lost wake-up.</b> A waiter reads the {@link io.github.tokenrefresh4j.redis.internal.WakeUpSignal}
 *       count before looking at Redis and waits for it to change, at most until the lock's PTTL, so a publish
 *       between look and wait is never missed, and a missed publish costs at most the lock's remaining time.</li>
 * </ul>
 *
 * <p><b>Limits.</b> The single-instance lock pattern: a failover that loses the lock key (asynchronous
 * replication) can let a second instance refresh once. Fencing keeps the stored token consistent even then.
 */
package io.github.tokenrefresh4j.redis.internal;
