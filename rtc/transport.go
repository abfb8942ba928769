package rtc

import (
	"errors"
	"fmt"
	"io"
	"time"

	dtls "github.com/sansrtc/rtc/rtc-dtls"
	ice "github.com/sansrtc/rtc/rtc-ice"
	shared "github.com/sansrtc/rtc/rtc-shared"
)

// maxEarlyDTLS and maxEarlyBytes bound the DTLS datagrams held before ICE
// selects a pair (a ClientHello that overtook the nomination or the
// answer): a flood from strangers holds at most 12000 bytes.
const (
	maxEarlyDTLS  = 8
	maxEarlyBytes = maxEarlyDTLS * 1500
)

// earlyDTLS is a DTLS datagram that arrived before ICE selected a pair,
// with the path it came on: it is fed to DTLS only if that path becomes
// the selected pair.
type earlyDTLS struct {
	path    shared.TransportContext
	relayed bool
	msg     []byte
}

// transport is the transport part of the PeerConnection: the ICE agent and
// DTLS over the one selected 5-tuple (max-bundle, rtcp-mux), and the queue
// of datagrams to send. It owns the ICE and DTLS state and their
// deadlines; it reports W3C events into the sink and never calls the
// PeerConnection. What DTLS decrypts waits in DTLS until the
// PeerConnection pulls it (pollRecord) and hands it to the data or media
// part.
type transport struct {
	ice    *ice.Agent // reached through agent(): marks its deadline stale
	conn   *dtls.Conn // reached through dtlsConn(): marks its deadline stale
	outbox shared.Queue[shared.TaggedBytes]

	cert        *dtls.Certificate
	fingerprint dtls.Fingerprint
	rand        io.Reader

	selected    shared.TransportContext
	selectedRTT time.Duration
	// checksAtStart is the agent's count of the peer's checks when DTLS
	// started; checkKicked (below): a later check already resent the first
	// flight.
	checksAtStart uint64
	kicks         uint64 // first flights resent early (kickDTLS)
	// agentMedia holds RTP and RTCP the agent unwrapped (TURN, ICE-TCP)
	// until the PeerConnection gives it to the media part; each is
	// released to the agent then.
	agentMedia []shared.TaggedBytes
	earlyBytes int // bytes held in early
	early      []earlyDTLS

	// What negotiation decided, set by the PeerConnection (downward); the
	// flags are below.
	fingerprints []dtls.Fingerprint
	candidateMid string // the BUNDLE-tagged mid trickled candidates carry

	localUfrag, localPwd string
	localCandidates      []string
	remoteUfrag          string
	remoteCands          int
	unresolved           []string
	hostnames            hostnames // mdns_publish.go

	// srtpProfiles are offered in use_srtp (RFC 5764 §4.1.1);
	// srtpProfile is the one negotiated, 0 if none.
	srtpProfiles []uint16
	srtpProfile  uint16

	// The one-byte fields, together so that the struct has no padding
	// (issue 18).
	phase         DTLSTransportState
	iceState      ICEConnectionState
	gathering     ICEGatheringState
	hasSelected   bool
	selectedRelay bool // the pair goes through TURN or TCP: DTLS goes via the agent
	checkKicked   bool
	relayPending  bool // records went to the agent since its queue was last empty
	iceFed        bool // the agent got a call that may queue events or reads since drainICE last ran
	dtlsOut       bool // the DTLS connection got a call that may queue datagrams or events since drain last ran
	dtlsIn        bool // ... or records, since pollRecord last found none
	started       bool // gathering started (the first SetLocalDescription)
	ready         bool // the exchange completed: DTLS role and fingerprints known
	client        bool // our DTLS role

	iceTimer, dtlsTimer partTimer
}

// agent returns the ICE agent for a call that may change its deadline,
// queue an event or a datagram: every call but the Poll*, Release* and
// read-only ones goes through it, and drainICE polls the agent only after
// one.
func (t *transport) agent() *ice.Agent {
	t.iceTimer.stale, t.iceFed = true, true
	return t.ice
}

// dtlsConn returns the DTLS connection (nil before it exists) for a call
// that may change its deadline or queue output: every call but the Poll*,
// Release* and read-only ones goes through it, and drain and pollRecord
// poll the connection only after one. A connection whose consent checks
// (STUN) are its only traffic is then not touched by them (issue 18).
func (t *transport) dtlsConn() *dtls.Conn {
	t.dtlsTimer.stale, t.dtlsOut, t.dtlsIn = true, true, true
	return t.conn
}

// deadline returns the earliest of the ICE and DTLS deadlines. Each is
// asked again only after a call that went through agent() or dtlsConn().
func (t *transport) deadline() time.Time {
	at := t.iceTimer.get(t.ice.PollTimeout)
	if t.conn != nil {
		at = shared.Earliest(at, t.dtlsTimer.get(t.conn.PollTimeout))
	}
	return at
}

// timeoutReason names the layer whose deadline is the earliest.
func (t *transport) timeoutReason() string {
	i, d := t.iceTimer.get(t.ice.PollTimeout), time.Time{}
	if t.conn != nil {
		d = t.dtlsTimer.get(t.conn.PollTimeout)
	}
	switch {
	case !d.IsZero() && (i.IsZero() || d.Before(i)):
		return "dtls" + reasonOf(t.conn)
	case !i.IsZero():
		return "ice" + reasonOf(t.ice)
	}
	return ""
}

// handleSTUN feeds a STUN or TURN ChannelData datagram to the agent.
func (t *transport) handleSTUN(msg shared.TaggedBytes, out *sink) error {
	if err := t.agent().HandleRead(msg); err != nil {
		out.stats.Dropped++
		return layerErr("ice", err)
	}
	return nil
}

// onPath reports whether a datagram came on the selected candidate pair:
// the only path DTLS (and SRTP) is accepted from. RFC 8445 §12: data is
// sent and received on the selected pair (the valid pair the controlling
// agent nominated); RFC 5764 §5.1.2 runs DTLS over it. A datagram from any
// other 5-tuple, a stranger's address or a candidate that was not
// selected, is spoofed or stale: letting it reach DTLS would let an
// off-path attacker start or poison the handshake (issue 11). Relayed
// datagrams come out of the agent, which checked the TURN permission;
// they count when the selected pair is relayed.
func (t *transport) onPath(tr shared.TransportContext, relayed bool) bool {
	if !t.hasSelected || relayed != t.selectedRelay {
		return false
	}
	return relayed || tr.Local == t.selected.Local && tr.Peer == t.selected.Peer
}

// handleDTLS takes one DTLS datagram (relayed: it came out of the agent's
// TURN allocation). Only the selected pair's datagrams reach DTLS; before
// a pair is selected, a few are held and fed once their path is selected.
func (t *transport) handleDTLS(msg shared.TaggedBytes, relayed bool, out *sink) error {
	if t.conn != nil && t.onPath(msg.Transport, relayed) {
		return t.feedDTLS(msg, out)
	}
	if t.hasSelected {
		out.stats.Dropped++
		out.stats.DroppedOffPath++
		return nil
	}
	if len(t.early) >= maxEarlyDTLS || t.earlyBytes+len(msg.Message) > maxEarlyBytes {
		out.stats.Dropped++
		return layerErr("dtls", fmt.Errorf("%w: %d DTLS datagrams (%d bytes) held before a candidate pair is selected", ErrLimit, len(t.early), t.earlyBytes))
	}
	t.early = append(t.early, earlyDTLS{path: msg.Transport, relayed: relayed, msg: append([]byte(nil), msg.Message...)})
	t.earlyBytes += len(msg.Message)
	return nil
}

func (t *transport) feedDTLS(msg shared.TaggedBytes, out *sink) error {
	err := t.dtlsConn().HandleRead(msg)
	if err == nil {
		return nil
	}
	out.stats.Dropped++
	var ae *dtls.AlertError
	if !errors.As(err, &ae) && (errors.Is(err, dtls.ErrDropped) || errors.Is(err, dtls.ErrClosed)) {
		return nil // counted in the DTLS stats; not actionable
	}
	return layerErr("dtls", err) // a fatal alert is also reported by EventClosed
}

// feedEarly hands DTLS the datagrams held before selection that came on
// the selected pair, and drops the others (counted as off path).
func (t *transport) feedEarly(out *sink) {
	if t.conn == nil || !t.hasSelected {
		return
	}
	for _, e := range t.early {
		if !t.onPath(e.path, e.relayed) {
			out.stats.Dropped++
			out.stats.DroppedOffPath++
			continue
		}
		out.emitError("dtls", t.feedDTLS(shared.TaggedBytes{Transport: e.path, Message: e.msg}, out))
	}
	t.early, t.earlyBytes = nil, 0
}

// startDTLS creates the DTLS endpoint once the exchange completed and ICE
// selected a pair: DTLS runs over the selected pair only (RFC 5764
// §5.1.2), so neither role needs it earlier, and its handshake timer
// starts when it can make progress. What the peer sent before is held
// (handleDTLS) and fed now.
func (t *transport) startDTLS(now time.Time, out *sink) {
	if t.conn != nil || !t.ready || !t.hasSelected {
		return
	}
	cfg := &dtls.Config{Certificate: t.cert, PeerFingerprints: t.fingerprints, Rand: t.rand,
		SRTPProfiles: t.srtpProfiles, DisableSRTP: len(t.srtpProfiles) == 0,
		RetransmitInitial: dtlsRetransmitInitial(t.selectedRTT)}
	newConn := dtls.NewServer
	if t.client {
		newConn = dtls.NewClient
	}
	c, err := newConn(now, t.selected, cfg)
	if err != nil {
		out.emitError("dtls", err)
		t.setPhase(DTLSTransportFailed, out)
		return
	}
	t.conn = c
	t.iceFed = true // drainICE looks again at the checks received (checkKicked)
	t.dtlsOut, t.dtlsIn = true, true
	t.checksAtStart = t.ice.Stats().RequestsReceived
	t.dtlsTimer.stale = true
	t.setPhase(DTLSTransportConnecting, out)
	t.feedEarly(out)
}

// setPhase moves the DTLS transport to p and reports it.
func (t *transport) setPhase(p DTLSTransportState, out *sink) {
	if t.phase == p {
		return
	}
	t.phase = p
	out.emit(Event{Kind: EventDTLSStateChange, DTLSState: p})
}

// drain moves ICE and DTLS output forward: ICE events into the sink (and
// a new selected pair into DTLS), relayed DTLS into DTLS, DTLS records to
// the outbox and DTLS events into the sink. Decrypted records stay in
// DTLS for pollRecord.
func (t *transport) drain(now time.Time, out *sink) {
	t.drainICE(now, out)
	if t.conn == nil || !t.dtlsOut {
		return
	}
	t.dtlsOut = false
	t.flushDTLS(out)
	for {
		e, ok := t.conn.PollEvent()
		if !ok {
			return
		}
		switch e.Kind {
		case dtls.EventHandshakeComplete:
			t.handshakeDone(e.State, out)
		case dtls.EventClosed:
			t.dtlsClosed(e.Err, out)
		}
	}
}

func (t *transport) handshakeDone(st *dtls.ConnectionState, out *sink) {
	// RFC 8122 §5 / RFC 8827 §6.5: the certificate must match a=fingerprint.
	// rtc-dtls checks it (PeerFingerprints); check again so the rule holds
	// here whatever the layer does.
	if st == nil || len(st.PeerCertificates) == 0 || !matchesAny(t.fingerprints, st.PeerCertificates[0]) {
		out.stats.FingerprintFailures++
		out.emitError("dtls", ErrFingerprintMismatch)
		t.setPhase(DTLSTransportFailed, out)
		out.emitError("dtls", t.dtlsConn().Close())
		t.flushDTLS(out)
		return
	}
	t.srtpProfile = st.SRTPProfile
	t.setPhase(DTLSTransportConnected, out)
}

// dtlsClosed handles EventClosed: a fatal error fails the transport; a
// close_notify from the peer (or our own Close) closes it, reported at
// once whatever ICE consent says (issue 11, Teardown).
func (t *transport) dtlsClosed(err error, out *sink) {
	if err == nil {
		t.setPhase(DTLSTransportClosed, out)
		return
	}
	if errors.Is(err, dtls.ErrFingerprintMismatch) {
		out.stats.FingerprintFailures++
		err = fmt.Errorf("%w: %w", ErrFingerprintMismatch, err)
	}
	out.emitError("dtls", err)
	t.setPhase(DTLSTransportFailed, out)
}

// flushDTLS moves the DTLS records waiting in PollWrite to the wire.
func (t *transport) flushDTLS(out *sink) {
	for {
		tb, ok := t.conn.PollWrite()
		if !ok {
			return
		}
		out.emitError("ice", t.send(tb.Message))
	}
}

// send hands a DTLS record to the selected pair. A direct pair's datagrams
// go straight to the outbox (no copy, no second queue); a relayed pair's
// go through the agent, which wraps them for TURN.
func (t *transport) send(b []byte) error {
	if !t.hasSelected {
		return ice.ErrNoSelectedPair
	}
	if !t.selectedRelay {
		return t.outbox.Push(shared.TaggedBytes{Transport: t.selected, Message: b})
	}
	t.relayPending = true
	return t.agent().HandleWrite(b)
}

// pollRecord returns the next decrypted DTLS record (an SCTP packet); give
// it back with releaseRecord once its reader copied what it keeps.
func (t *transport) pollRecord() ([]byte, bool) {
	if t.conn == nil || !t.dtlsIn {
		return nil, false
	}
	rec, ok := t.conn.PollRead()
	t.dtlsIn = ok
	return rec, ok
}

func (t *transport) releaseRecord(b []byte) { t.conn.ReleaseRead(b) }

// writeRecord encrypts one SCTP packet (DTLS copies it) and moves the
// record to the outbox.
func (t *transport) writeRecord(pkt []byte, out *sink) {
	if err := t.dtlsConn().HandleWrite(pkt); err != nil {
		out.emitError("dtls", err)
		return
	}
	t.flushDTLS(out)
}

// canWrite reports whether DTLS takes application data and the outbox has
// room for a burst (outboxRoom): SCTP keeps what is not pulled (its send
// queue is the buffer), so no queue between them overflows.
func (t *transport) canWrite() bool {
	room := min(outboxRoom, t.outbox.Cap()/2)
	return t.phase == DTLSTransportConnected && t.outbox.Cap()-t.outbox.Len() > room
}

// outboxRoom is how many datagrams the outbox must have free before more
// SCTP packets are pulled; an outbox of at most 2*outboxRoom
// (MaxQueuedDatagrams) must have half of it free. A fixed 64 made an outbox
// of 64 or fewer datagrams never take an SCTP packet: the association never
// came up, and its pending INIT kept PollTimeout at now.
const outboxRoom = 64

// pollWrite returns the next datagram: the outbox first, then the agent's
// own (checks, TURN, relayed records).
func (t *transport) pollWrite() (shared.TaggedBytes, bool) {
	if tb, ok := t.outbox.Pop(); ok {
		return tb, true
	}
	tb, ok := t.ice.PollWrite()
	t.relayPending = t.relayPending && ok
	return tb, ok
}

// handleTimeout runs the ICE and DTLS timers that are due.
// It allocates nothing when neither layer fails: errors.Join (and its
// slice) is only reached when both the ICE and the DTLS timer fail.
func (t *transport) handleTimeout(now time.Time) error {
	var iceErr, dtlsErr error
	if t.iceTimer.due(now) {
		iceErr = layerErr("ice", t.agent().HandleTimeout(now))
	}
	if t.conn != nil && t.dtlsTimer.due(now) {
		dtlsErr = layerErr("dtls", t.dtlsConn().HandleTimeout(now))
	}
	switch {
	case iceErr == nil:
		return dtlsErr
	case dtlsErr == nil:
		return iceErr
	}
	return errors.Join(iceErr, dtlsErr)
}

// close sends close_notify and closes the agent.
func (t *transport) close(out *sink) error {
	var err error
	if t.conn != nil {
		err = layerErr("dtls", t.dtlsConn().Close())
		t.flushDTLS(out)
		for {
			if _, ok := t.conn.PollEvent(); !ok {
				break
			}
		}
	}
	t.setPhase(DTLSTransportClosed, out)
	return errors.Join(err, layerErr("ice", t.agent().Close()))
}

func matchesAny(fps []dtls.Fingerprint, der []byte) bool {
	for _, f := range fps {
		if f.Matches(der) {
			return true
		}
	}
	return false
}
