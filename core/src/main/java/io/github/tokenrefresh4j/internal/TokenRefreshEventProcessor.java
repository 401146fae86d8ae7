package io.github.tokenrefresh4j.internal;

import io.github.resilience4j.core.EventConsumer;
import io.github.resilience4j.core.EventProcessor;
import io.github.tokenrefresh4j.TokenRefreshDecorator;
import io.github.tokenrefresh4j.event.CallCoalescedEvent;
import io.github.tokenrefresh4j.event.RefreshRefusedEvent;
import io.github.tokenrefresh4j.event.TokenRefreshEvent;
import io.github.tokenrefresh4j.event.TokenRefreshFailedEvent;
import io.github.tokenrefresh4j.event.TokenRefreshSucceededEvent;
import io.github.tokenrefresh4j.event.TokenRejectedEvent;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Dispatches a decorator's events. Each consumer is guarded on its own: whatever one throws (anything but a
 * {@link VirtualMachineError}) is logged and skipped, so it hides the event from no other consumer and never changes
 * what a call or a refresh does.
 */
final class TokenRefreshEventProcessor extends EventProcessor<TokenRefreshEvent>
    implements TokenRefreshDecorator.EventPublisher {

    private static final Logger LOG = Logger.getLogger(TokenRefreshEventProcessor.class.getName());

    void publish(TokenRefreshEvent event) {
        processEvent(event); // every consumer is a Guarded one: nothing but a VirtualMachineError comes out
    }

    @Override
    public void onEvent(EventConsumer<TokenRefreshEvent> onEventConsumer) {
        super.onEvent(onEventConsumer == null ? null : new Guarded<>(onEventConsumer));
    }

    @Override
    public void registerConsumer(String className, EventConsumer<? extends TokenRefreshEvent> eventConsumer) {
        super.registerConsumer(className, eventConsumer == null ? null : new Guarded<>(eventConsumer));
    }

    /** One consumer, guarded on its own; equal to another guard of the same consumer, so it is registered once. */
    private static final class Guarded<E extends TokenRefreshEvent> implements EventConsumer<E> {
        private final EventConsumer<E> consumer;

        Guarded(EventConsumer<E> consumer) {
            this.consumer = consumer;
        }

        @Override
        public void consumeEvent(E event) {
            try {
                consumer.consumeEvent(event);
            } catch (VirtualMachineError e) {
                throw e;
            } catch (Throwable e) {
                LOG.log(Level.WARNING, "a TokenRefreshEvent consumer threw; it was skipped for the event "
                    + event.getEventType() + " of '" + event.getName() + "'", e);
            }
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Guarded && ((Guarded<?>) other).consumer.equals(consumer);
        }

        @Override
        public int hashCode() {
            return consumer.hashCode();
        }
    }

    @Override
    public TokenRefreshDecorator.EventPublisher onRefreshSucceeded(
        EventConsumer<TokenRefreshSucceededEvent> eventConsumer) {
        registerConsumer(TokenRefreshSucceededEvent.class.getName(), eventConsumer);
        return this;
    }

    @Override
    public TokenRefreshDecorator.EventPublisher onRefreshFailed(EventConsumer<TokenRefreshFailedEvent> eventConsumer) {
        registerConsumer(TokenRefreshFailedEvent.class.getName(), eventConsumer);
        return this;
    }

    @Override
    public TokenRefreshDecorator.EventPublisher onTokenRejected(EventConsumer<TokenRejectedEvent> eventConsumer) {
        registerConsumer(TokenRejectedEvent.class.getName(), eventConsumer);
        return this;
    }

    @Override
    public TokenRefreshDecorator.EventPublisher onCallCoalesced(EventConsumer<CallCoalescedEvent> eventConsumer) {
        registerConsumer(CallCoalescedEvent.class.getName(), eventConsumer);
        return this;
    }

    @Override
    public TokenRefreshDecorator.EventPublisher onRefreshRefused(EventConsumer<RefreshRefusedEvent> eventConsumer) {
        registerConsumer(RefreshRefusedEvent.class.getName(), eventConsumer);
        return this;
    }
}
