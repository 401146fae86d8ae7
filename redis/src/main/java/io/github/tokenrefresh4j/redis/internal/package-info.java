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
 *       by Redis's {@code TIME}), {@code lifetime} (ms the token had when stored), {@code restored} (Redis's
 *       {@code TIME} in ms of the last write-back, absent after a refresh)</td><td>STORE, by the lock holder; a
 *       write-back (STORE of a token Redis lost) by any instance</td></tr>
 *   <tr><td>{@code {K}:lock}</td><td>string, {@code PX lockTimeout}, renewed up to {@code maxLockHold}</td>
 *       <td>the holder's random owner id</td><td>{@code SET NX PX} by anyone; RENEW and RELEASE (and FAIL) only
 *       by the owner (RENEW also re-takes a lock that is gone)</td></tr>
 *   <tr><td>{@code {K}:failure}</td><td>string, {@code PX failureCooldown}</td><td>{@code "<generation> <exception
 *       type: message>"}</td><td>FAIL, by the lock holder whose delegate threw</td></tr>
 *   <tr><td>{@code {K}:inflight}</td><td>string, {@code PX} max(1 day, 2 x {@code maxLockHold})</td>
 *       <td>{@code "<generation> <digest> <pid@host> <since>"}: the generation being refreshed, the first 12 hex
 *       digits of the SHA-256 of the refresh token presented (never the token), who presents it, and Redis's
 *       {@code TIME} in ms</td><td>MARK, by the lock holder just before its delegate; deleted by STORE and by
 *       FAIL (the delegate answered), never by a write-back</td></tr>
 *   <tr><td>{@code {K}:events}</td><td>pub/sub channel (regular; a cluster delivers it to every node)</td>
 *       <td>{@code stored}, {@code restored} (a write-back: also asks every instance for its newest token),
 *       {@code failed}, {@code released}</td><td>the STORE, FAIL and RELEASE scripts</td></tr>
 * </table>
 *
 * <p><b>Scripts.</b> READ returns generation, token, failure record, the record's PTTL, the token's time left
 * by Redis's clock, the in-flight mark, Redis's time and how long ago the token was written back, in one atomic
 * reply. STORE writes generation {@code g} only
 * if {@code g} is greater than the stored one ("newest wins"), turns "ms left" into an instant of Redis's clock,
 * deletes the failure record and the in-flight mark (unless it writes back a token Redis lost: that token's
 * refresh token may be the one a stopped holder was presenting), and publishes; a write-back stamps
 * {@code restored} and publishes {@code restored}, a refresh removes the stamp and publishes {@code stored}. MARK
 * writes the in-flight mark
 * only if the lock is the caller's. FAIL writes the failure record (unless the cooldown is zero), deletes the
 * in-flight mark (unless the holder refused to present a refresh token, or its fallback failed) and the lock, in one step, only if the lock is still the caller's
 * or expired untaken. RENEW sets the lock's expiry and RELEASE deletes it, each only if the lock holds the caller's
 * owner id; RENEW also takes the lock again if it is gone (Redis restarted empty or failed over while the holder's
 * request was at the token endpoint), and the watchdog sends none once the holder stopped it, before RELEASE.
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
 *   <li><b>Never go backwards.</b> Each instance remembers the newest token and generation it has seen, from its
 *       own refreshes and from every READ. When READ shows an older generation than that, or no token (Redis
 *       restarted from an older snapshot, a failover lost writes, FLUSHALL, a replica was promoted behind), the
 *       instance writes its newer token back with STORE, which keeps the newest, before anything else, and reads
 *       again. A holder never presents a refresh token older than the newest one its instance has seen, even if
 *       the write-back failed. Limit: an instance remembers only what it saw; one that never read the newest
 *       generation cannot restore it.</li>
 *   <li><b>Write back without a call, then wait.</b> An instance holding an unexpired token does not read Redis, so
 *       after Redis restarted empty just after a rotation, the first instance to need a token may be one that saw
 *       only the previous generation, whose refresh token is spent. So (1) every instance writes back the newest
 *       token it has seen, without waiting for a call, whenever one of its connections (re)connects (Lettuce's
 *       reconnect; a client built from a URI backs off to at most 1s) and whenever it hears {@code restored} on the
 *       channel; (2) a holder never refreshes from a token stamped {@code restored} less than
 *       {@code writeBackWindow} ago (by Redis's clock, default {@code lockTimeout}): it waits, without the lock, for
 *       a newer write-back (whose publish wakes it) or the end of the window. Limit: if no instance that saw the
 *       newest generation reaches Redis within the window, the holder then presents the older refresh token.</li>
 *   <li><b>A takeover says what it is doing.</b> The holder writes the in-flight mark (MARK) before calling the
 *       delegate. A holder that finds a mark for the generation and refresh token it is about to present knows
 *       that an earlier holder stopped during that very request (STORE and FAIL would have deleted the mark): the
 *       refresh token may be spent. It logs a WARN, publishes an {@code InterruptedRefreshEvent}, and follows its
 *       {@code InterruptedRefreshPolicy}: present the same refresh token, refuse (FAIL keeping the mark, so every
 *       holder refuses once per cooldown), or call the fallback refresher.</li>
 *   <li><b>Follow the master.</b> With a Sentinel URI, {@link io.github.tokenrefresh4j.redis.internal.FleetConnection}
 *       subscribes to {@code +switch-master} on every sentinel and drops its connections when the master changes
 *       (or a write is answered READONLY), so the next command goes to the new master.</li>
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
 * replication) can let a second instance take the lock while the first still refreshes, and both present the same
 * refresh token; on a server with strict rotation that revokes the token family, which no client recovers from.
 * Fencing keeps the stored token consistent, the write-back undoes lost generations, and the in-flight mark makes a
 * takeover visible, but a spent refresh token cannot be unspent: the new one died with the instance that stopped.
 */
package io.github.tokenrefresh4j.redis.internal;
