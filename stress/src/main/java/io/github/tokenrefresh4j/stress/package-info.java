/**
 * jcstress races on the state machine of {@code TokenRefreshDecoratorImpl}: each test drives one documented race
 * through the public API, with the refresher task captured by a {@link CapturingExecutor} (the configured
 * {@code refreshExecutor}) and the refresh timeout by a {@code ManualScheduler} (the configured {@code scheduler}), so
 * that the two sides of each race run exactly as the two actors.
 *
 * <p>Why jcstress rather than Lincheck: Lincheck 3.7's model checker was tried first on these races. It instruments
 * every method the test reaches, including the library's shared scheduler thread (the default), which it does not manage:
 * the runs either hung ("Concurrent test has hung") or failed inside Lincheck's own snapshot tracker
 * ({@code ConcurrentModificationException}, {@code InaccessibleObjectException}) before checking anything. jcstress
 * runs the real, uninstrumented code on real threads under the Java memory model (which Lincheck's model checker
 * does not simulate: it assumes sequential consistency), many millions of times, and sorts every observed outcome into
 * acceptable or forbidden. It runs as a separate harness, in the {@code integration-test} phase of this module, in
 * its {@code quick} mode so that CI stays bounded.
 */
package io.github.tokenrefresh4j.stress;
