package ice

import (
	"io"
	"slices"
	"time"

	stun "github.com/sansrtc/rtc/rtc-stun"
)

// Consent freshness (RFC 7675) and keepalives (RFC 8445 §11) on the
// selected pair.

// keepaliveInterval is Tr of RFC 8445 §11: "Tr ... MUST NOT be configured
// to less than 15 seconds".
const keepaliveInterval = 15 * time.Second

// consentOK records a consent response (RFC 7675 §5.1).
func (a *Agent) consentOK(now time.Time, p *pair) {
	if p != a.selected {
		return
	}
	a.lastConsent = now
	a.pendingSince = time.Time{}
}

// The range of the random factor of consent intervals (scheduleConsent).
const (
	consentMinFactor = 0.8
	consentMaxFactor = 1.14
)

// scheduleConsent draws the next consent check time: ConsentInterval times
// a random factor in [0.8, 1.14] (RFC 7675 §5.1: "randomized from between
// 0.8 and 1.2 times the basic period"). The top of the range is left to a
// driver's timer slack: rtc/driver delivers a deadline this far away up to
// 5% late to serve many connections in one wake-up, and 1.14 × 1.05 is
// still under 1.2.
func (a *Agent) scheduleConsent(now time.Time) {
	if a.cfg.Lite {
		a.consentAt = now.Add(keepaliveInterval)
		return
	}
	b := a.idScratch[:2] // a local array would escape through the io.Reader
	if _, err := io.ReadFull(a.rand, b); err != nil {
		b[0], b[1] = 0, 0 // a broken Rand: the shortest interval, as before
	}
	f := consentMinFactor + (consentMaxFactor-consentMinFactor)*float64(uint16(b[0])<<8|uint16(b[1]))/65535
	a.consentAt = now.Add(time.Duration(float64(a.cfg.consentInterval()) * f))
}

// consentTimers sends due consent checks and detects disconnection and
// consent loss.
func (a *Agent) consentTimers(now time.Time) {
	p := a.selected
	if p != nil && a.cfg.Lite {
		a.liteKeepalive(now, p)
		return
	}
	if p == nil || a.consentLost {
		a.consentAt = time.Time{}
		return
	}
	if now.Sub(a.lastConsent) >= a.cfg.consentTimeout() {
		// RFC 7675 §5.1: consent expired; stop sending on the pair.
		a.consentLost = true
		a.consentAt = time.Time{}
		for _, t := range slices.Clone(a.txs) {
			if t.kind == txConsent {
				a.removeTx(t)
			}
		}
		return
	}
	if a.consentAt.IsZero() || now.Before(a.consentAt) {
		return
	}
	rem := a.remote
	if a.restarting && a.prevRemote.ufrag != "" {
		rem = a.prevRemote
	}
	if rem.ufrag == "" {
		a.scheduleConsent(now)
		return
	}
	if a.pendingSince.IsZero() {
		a.pendingSince = now
	}
	for _, o := range a.txs {
		if o.kind == txConsent {
			a.removeTx(o)
			break
		}
	}
	id := a.newTxID()
	msg, _ := a.buildCheck(id, p.local, rem, p.nominated && a.role == RoleControlling)
	t := a.consentTransaction()
	*t = transaction{id: id, kind: txConsent, pair: p}
	a.startTx(now, t, msg, a.txSchedule(a.cfg.checkRTO(), 4), p.local.Protocol)
	if !a.pendingSince.IsZero() && now.Sub(a.pendingSince) > 0 {
		// Unanswered: check again sooner to recover quickly.
		a.consentAt = now.Add(time.Second)
		return
	}
	a.scheduleConsent(now)
}

// consentTransaction returns the previous consent check's transaction for
// reuse once nothing refers to it any more, so a connection's consent
// checks allocate nothing (issue 18); else a new one. A consent check
// keeps no copy of its request (startTx): the engine's is the only one.
func (a *Agent) consentTransaction() *transaction {
	t := a.consentTx
	if t == nil || slices.Contains(a.txs, t) || slices.ContainsFunc(a.deferred, func(d deferredTx) bool { return d.t == t }) {
		t = &transaction{}
		a.consentTx = t
	}
	return t
}

// liteKeepalive sends a Binding indication on the selected pair every 15 s
// (RFC 8445 §11): a lite agent sends no checks, so nothing else keeps NAT
// bindings on the path alive.
func (a *Agent) liteKeepalive(now time.Time, p *pair) {
	if a.consentAt.IsZero() {
		a.consentAt = now.Add(keepaliveInterval)
		return
	}
	if now.Before(a.consentAt) {
		return
	}
	a.consentAt = now.Add(keepaliveInterval)
	b := stun.NewBuilder(a.buffer(), stun.BindingIndication, a.newTxID())
	b.AddFingerprint()
	if msg, err := b.Bytes(); err == nil && a.send(p.local, p.remote.Address, msg) == nil {
		a.stats.Keepalives++
	}
}
