package io.wsvideo.demo;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.glassfish.grizzly.Connection;
import org.glassfish.grizzly.Grizzly;
import org.glassfish.grizzly.attributes.Attribute;
import org.glassfish.grizzly.filterchain.BaseFilter;
import org.glassfish.grizzly.filterchain.FilterChainBuilder;
import org.glassfish.grizzly.filterchain.FilterChainContext;
import org.glassfish.grizzly.filterchain.NextAction;
import org.glassfish.grizzly.http.HttpContent;
import org.glassfish.grizzly.http.HttpHeader;
import org.glassfish.grizzly.http.HttpRequestPacket;
import org.glassfish.grizzly.http.HttpResponsePacket;
import org.glassfish.grizzly.http.server.AddOn;
import org.glassfish.grizzly.http.server.NetworkListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The standalone demo's defence against connections that never finish their HTTP request. The demo turns
 * Grizzly's keep-alive idle timeout off (it would cut long-lived WebSockets), and Grizzly then waits for an
 * unfinished request forever: every silent or trickling client held a socket and a file descriptor. Grizzly's
 * {@code IdleTimeoutFilter} is no help either way: it measures idleness (a byte every few seconds keeps it
 * quiet) and cannot tell a WebSocket from a request in progress.
 *
 * <p>This filter, right after Grizzly's HTTP codec, gives every connection a deadline: its request must be
 * complete within {@code handshakeTimeoutMillis} of the connect (and a keep-alive connection's next one within
 * that of the previous request), else the connection is closed. A connection that became a WebSocket (the
 * upgrade was answered 101) has no deadline any more; its own idle timeouts are the endpoints'. And not-yet
 * upgraded connections that have not sent one whole request yet count against
 * {@code maxSessionsPerRemoteAddress} per address: past it a new connection is closed at once, before it costs
 * an HTTP parse. Upgraded ones leave that count (the endpoints count them as sessions), and so do keep-alive
 * connections after their first request (a browser keeps a few for its pages; they still have the deadline).
 *
 * <p>Threads: Grizzly's worker threads run the filter; the server's timer thread runs the deadlines.
 */
final class HandshakeGuard extends BaseFilter implements AddOn {

    private static final Logger LOG = LoggerFactory.getLogger(HandshakeGuard.class);

    /** A connection's deadline, and whether it still counts as unfinished for its address. */
    private static final class Pending {
        final String address;
        final AtomicBoolean uncounted = new AtomicBoolean();
        volatile long deadlineNanos;
        volatile boolean upgraded;
        volatile ScheduledFuture<?> timer;

        Pending(String address, long deadlineNanos) {
            this.address = address;
            this.deadlineNanos = deadlineNanos;
        }
    }

    private final Attribute<Pending> pending = Grizzly.DEFAULT_ATTRIBUTE_BUILDER.createAttribute(
            HandshakeGuard.class.getName() + ".pending");
    private final long timeoutNanos;
    private final int maxPendingPerAddress;
    private final ScheduledExecutorService timers;
    /** Connections accepted and not yet upgraded, per address; entries go when they drop to 0. */
    private final ConcurrentHashMap<String, Integer> pendingByAddress = new ConcurrentHashMap<>();

    /**
     * @param maxPendingPerAddress most connections from one address that have not finished their upgrade; 0: no
     *                             limit
     * @param timers               runs the deadlines (the server's, which shuts it down)
     */
    HandshakeGuard(long handshakeTimeoutMillis, int maxPendingPerAddress, ScheduledExecutorService timers) {
        this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(handshakeTimeoutMillis);
        this.maxPendingPerAddress = maxPendingPerAddress;
        this.timers = timers;
    }

    /** Puts this filter right after the HTTP codec (before file cache, Tyrus and the pages). */
    @Override
    public void setup(NetworkListener listener, FilterChainBuilder builder) {
        int codec = builder.indexOfType(org.glassfish.grizzly.http.HttpServerFilter.class);
        builder.add(codec + 1, this);
    }

    @Override
    public NextAction handleAccept(FilterChainContext ctx) throws IOException {
        Connection<?> c = ctx.getConnection();
        String address = c.getPeerAddress() instanceof InetSocketAddress a && a.getAddress() != null
                ? a.getAddress().getHostAddress() : String.valueOf(c.getPeerAddress());
        if (!count(address)) {
            LOG.debug("closed a connection from {}: {} unfinished handshakes from there already", address,
                    maxPendingPerAddress);
            c.closeSilently();
            return ctx.getStopAction();
        }
        Pending p = new Pending(address, System.nanoTime() + timeoutNanos);
        pending.set(c, p);
        schedule(c, p, timeoutNanos);
        return ctx.getInvokeAction();
    }

    @Override
    public NextAction handleRead(FilterChainContext ctx) throws IOException {
        Pending p = pending.get(ctx.getConnection());
        if (p == null || p.upgraded || !(ctx.getMessage() instanceof HttpContent content)) {
            return ctx.getInvokeAction();
        }
        HttpHeader header = content.getHttpHeader();
        if (header instanceof HttpRequestPacket && "websocket".equalsIgnoreCase(header.getUpgrade())) {
            // Tyrus answers the upgrade further down the chain; its 101 passes handleWrite on the way out.
            return ctx.getInvokeAction();
        } else if (content.isLast()) {
            // A whole request: the next one (keep-alive) gets a deadline of its own, and the connection no longer
            // counts as unfinished (a browser keeps a few open for its pages).
            p.deadlineNanos = System.nanoTime() + timeoutNanos;
            uncount(p);
        }
        return ctx.getInvokeAction();
    }

    /**
     * Tyrus's answer to an upgrade passes here on its way out: a 101 makes the connection a WebSocket. (This
     * once looked at the request's response when the read completed, but by then Grizzly may have recycled the
     * request: a rare NullPointerException that closed the connection, seen as 2 of 95 viewers of a soak never
     * connecting.)
     */
    @Override
    public NextAction handleWrite(FilterChainContext ctx) throws IOException {
        if (ctx.getMessage() instanceof HttpContent content
                && content.getHttpHeader() instanceof HttpResponsePacket response && response.getStatus() == 101) {
            Pending p = pending.get(ctx.getConnection());
            if (p != null && !p.upgraded) {
                p.upgraded = true;
                release(p);
            }
        }
        return ctx.getInvokeAction();
    }

    @Override
    public NextAction handleClose(FilterChainContext ctx) throws IOException {
        Pending p = pending.remove(ctx.getConnection());
        if (p != null) {
            release(p);
        }
        return ctx.getInvokeAction();
    }

    private void schedule(Connection<?> c, Pending p, long delayNanos) {
        try {
            p.timer = timers.schedule(() -> check(c, p), delayNanos, TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // Shutting down: the server closes every connection itself.
        }
    }

    private void check(Connection<?> c, Pending p) {
        if (p.upgraded || !c.isOpen()) {
            return;
        }
        long left = p.deadlineNanos - System.nanoTime();
        if (left > 0) {
            schedule(c, p, left);
            return;
        }
        LOG.debug("closed a connection from {}: no complete request within the handshake timeout", p.address);
        c.closeSilently();
    }

    /** Counts a new connection for {@code address}; false when it has its maximum of unfinished ones. */
    private boolean count(String address) {
        if (maxPendingPerAddress == 0) {
            return true;
        }
        boolean[] admitted = {false};
        pendingByAddress.compute(address, (a, n) -> {
            int count = n == null ? 0 : n;
            if (count >= maxPendingPerAddress) {
                return n;
            }
            admitted[0] = true;
            return count + 1;
        });
        return admitted[0];
    }

    /** The connection is upgraded or closed: it no longer counts, and has no deadline. */
    private void release(Pending p) {
        ScheduledFuture<?> t = p.timer;
        if (t != null) {
            t.cancel(false);
        }
        uncount(p);
    }

    private void uncount(Pending p) {
        if (maxPendingPerAddress > 0 && p.uncounted.compareAndSet(false, true)) {
            pendingByAddress.computeIfPresent(p.address, (a, n) -> n <= 1 ? null : n - 1);
        }
    }

    /** For tests: unfinished connections counted for an address. */
    int pending(String address) {
        return pendingByAddress.getOrDefault(address, 0);
    }
}
