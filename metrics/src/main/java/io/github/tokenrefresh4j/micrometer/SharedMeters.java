package io.github.tokenrefresh4j.micrometer;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.function.Supplier;

/**
 * Who holds which meter, across every binder in this JVM. Micrometer hands two registrations of the same id (after
 * its filters) the same meter, so two binders that bind one decorator to one meter registry share its meters: a
 * meter is removed from the meter registry only when the last binding that registered it lets go.
 *
 * <p>Meters are counted by the id Micrometer registered them under, which is the id after every {@code MeterFilter}.
 * A meter that someone else removed and that was registered again is a new meter: its count starts afresh.
 *
 * <p>Binding is rare, so every change runs under one lock.
 */
final class SharedMeters {

    static final Object LOCK = new Object();

    // MeterRegistry does not override equals, so this is keyed by identity; a meter registry that is no longer
    // used elsewhere is not kept alive here.
    private static final Map<MeterRegistry, Map<Meter.Id, Holders>> HELD = new WeakHashMap<>();

    private SharedMeters() {
    }

    /** How many bindings hold one registered meter, registered for which object. */
    private static final class Holders {
        final Meter meter;
        final Object owner;
        int count;

        Holders(Meter meter, Object owner) {
            this.meter = meter;
            this.owner = owner;
        }
    }

    /**
     * Registers every meter, or none: if one registration throws, the meters registered before it are let go
     * again (and removed unless another binding holds them), and the exception is rethrown.
     *
     * <p>A meter held for another owner (a decorator of the same name and tags, such as the one a registry entry
     * replaced while another binder has not let it go yet) reads that owner, so Micrometer's meter is not shared:
     * it is removed and registered again for {@code owner}. The bindings that held it keep a meter that is no
     * longer registered, and letting it go does nothing.
     *
     * @param owner what the meters read (the decorator)
     * @return the registered meters, in the order of {@code registrations}
     */
    static List<Meter> acquireAll(MeterRegistry meterRegistry, Object owner, List<Supplier<Meter>> registrations) {
        synchronized (LOCK) {
            List<Meter> acquired = new ArrayList<>(registrations.size());
            try {
                for (Supplier<Meter> registration : registrations) {
                    acquired.add(acquire(meterRegistry, owner, registration));
                }
            } catch (RuntimeException | Error e) {
                try {
                    releaseAll(meterRegistry, acquired);
                } catch (RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            }
            return acquired;
        }
    }

    private static Meter acquire(MeterRegistry meterRegistry, Object owner, Supplier<Meter> registration) {
        Map<Meter.Id, Holders> held = HELD.computeIfAbsent(meterRegistry, registry -> new HashMap<>());
        Meter meter = registration.get();
        Holders holders = held.get(meter.getId());
        if (holders != null && holders.meter == meter && holders.owner != owner) {
            held.remove(meter.getId());
            meterRegistry.remove(meter);
            meter = registration.get();
            holders = held.get(meter.getId());
        }
        if (holders == null || holders.meter != meter) {
            holders = new Holders(meter, owner);
            held.put(meter.getId(), holders);
        }
        holders.count++;
        return meter;
    }

    /** Lets go of each meter; removes from the meter registry those that no binding holds any more. */
    static void releaseAll(MeterRegistry meterRegistry, List<Meter> meters) {
        synchronized (LOCK) {
            Map<Meter.Id, Holders> held = HELD.get(meterRegistry);
            RuntimeException failure = null;
            for (Meter meter : meters) {
                Holders holders = held == null ? null : held.get(meter.getId());
                if (holders == null || holders.meter != meter || --holders.count > 0) {
                    continue; // removed by someone else meanwhile, or still held by another binding
                }
                held.remove(meter.getId());
                try {
                    meterRegistry.remove(meter);
                } catch (RuntimeException e) {
                    if (failure == null) {
                        failure = e;
                    } else {
                        failure.addSuppressed(e);
                    }
                }
            }
            if (held != null && held.isEmpty()) {
                HELD.remove(meterRegistry);
            }
            if (failure != null) {
                throw failure;
            }
        }
    }
}
