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
 * Dispatches a decorator's events. A consumer that throws is logged and skipped: it never breaks a call or a
 * refresh.
 */
final class TokenRefreshEventProcessor extends EventProcessor<TokenRefreshEvent>
    implements TokenRefreshDecorator.EventPublisher {

    private static final Logger LOG = Logger.getLogger(TokenRefreshEventProcessor.class.getName());

    void publish(TokenRefreshEvent event) {
        try {
            processEvent(event);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "a TokenRefreshEvent consumer threw; the event " + event.getEventType()
                + " of '" + event.getName() + "' was not fully delivered", e);
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
