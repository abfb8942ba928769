package rtc

import (
	"errors"
	"fmt"
	"time"

	datachannel "github.com/sansrtc/rtc/rtc-datachannel"
	dtls "github.com/sansrtc/rtc/rtc-dtls"
	sctp "github.com/sansrtc/rtc/rtc-sctp"
	shared "github.com/sansrtc/rtc/rtc-shared"
)

// dtlsPhase is the W3C RTCDtlsTransportState of the one bundled transport.
type dtlsPhase = DTLSTransportState

const (
	dtlsNew        = DTLSTransportNew
	dtlsConnecting = DTLSTransportConnecting
	dtlsConnected  = DTLSTransportConnected
	dtlsClosed     = DTLSTransportClosed
	dtlsFailed     = DTLSTransportFailed
)

// maxEarlyDTLS bounds the DTLS datagrams held before the DTLS endpoint
// exists (a ClientHello that overtook the answer on the signaling path).
const maxEarlyDTLS = 8

// earlyDTLS is a DTLS datagram that arrived before ICE selected a pair,
// with the path it came on: it is fed to DTLS only if that path becomes
// the selected pair.
type earlyDTLS struct {
	path    shared.TransportContext
	relayed bool
	msg     []byte
}

// transportStack is DTLS over the selected ICE pair and SCTP over DTLS.
type transportStack struct {
	phase     dtlsPhase
	sctpState SCTPTransportState
	dtls      *dtls.Conn
	dc        *datachannel.Manager // owns the SCTP association
	early     []earlyDTLS
	ready     bool   // both descriptions applied: role and fingerprints known
	pkt       []byte // SCTP packet scratch: AppendPacket, then DTLS copies it
}

func (t *transportStack) dtlsState() dtlsPhase { return t.phase }

// setPhase moves the DTLS transport to p and reports it
// (EventDTLSStateChange, then the derived connection state).
func (t *transportStack) setPhase(pc *PeerConnection, p dtlsPhase) {
	if t.phase == p {
		return
	}
	t.phase = p
	pc.emit(Event{Kind: EventDTLSStateChange, DTLSState: p})
	pc.updateConnectionState()
}

// setSCTPState moves the SCTP transport to s and reports it.
func (t *transportStack) setSCTPState(pc *PeerConnection, s SCTPTransportState) {
	if t.sctpState == s || t.sctpState == SCTPTransportClosed {
		return
	}
	t.sctpState = s
	pc.emit(Event{Kind: EventSCTPStateChange, SCTPState: s})
}

// endSCTP ends the association when DTLS under it ended: nothing can be
// sent or received any more, so it stops at once (no ABORT can reach the
// peer) and its channels close.
func (t *transportStack) endSCTP(pc *PeerConnection) {
	if t.dc == nil || t.sctpState == SCTPTransportClosed {
		return
	}
	if err := t.dc.Association().Abort("DTLS transport " + t.phase.String()); err != nil {
		pc.emitError("sctp", err)
	}
	t.drainSCTP(pc)
}

// start is called once the offer/answer exchange completed: the DTLS role
// and the remote fingerprints are known.
func (t *transportStack) start(pc *PeerConnection) {
	if t.ready {
		// A later exchange may add the data section to a transport that
		// is already up (media first, a data channel afterwards).
		if t.phase == dtlsConnected {
			t.startSCTP(pc)
		}
		return
	}
	t.ready = true
	if !pc.dtlsClient {
		t.newDTLS(pc, pc.selected)
		t.feedEarly(pc)
		return
	}
	if pc.hasSelected {
		t.newDTLS(pc, pc.selected)
	}
}

// onPath reports whether a DTLS datagram came on the selected candidate
// pair: the only path DTLS (and SRTP) is accepted from. RFC 8445 §12:
// media and data are sent and received on the selected pair only (the
// valid pair the controlling agent nominated); RFC 5764 §5.1.2 runs DTLS
// over it. A datagram from any other 5-tuple, a stranger's address or a
// candidate that was not selected, is spoofed or stale; letting it reach
// DTLS would let an off-path attacker start or poison the handshake
// (issue 11). Relayed datagrams come out of the ICE agent, which checked
// the TURN permission; they count when the selected pair is relayed.
func (t *transportStack) onPath(pc *PeerConnection, tr shared.TransportContext, relayed bool) bool {
	if !pc.hasSelected || relayed != pc.selectedRelay {
		return false
	}
	return relayed || tr.Local == pc.selected.Local && tr.Peer == pc.selected.Peer
}

// feedEarly hands DTLS the datagrams held before selection that came on
// the selected pair, and drops the others (counted as off path).
func (t *transportStack) feedEarly(pc *PeerConnection) {
	if t.dtls == nil || !pc.hasSelected {
		return
	}
	for _, e := range t.early {
		if !t.onPath(pc, e.path, e.relayed) {
			pc.stats.Dropped++
			pc.stats.DroppedOffPath++
			continue
		}
		if err := t.feedDTLS(pc, shared.TaggedBytes{Now: pc.clock.Now(), Transport: e.path, Message: e.msg}); err != nil {
			pc.emitError("dtls", err)
		}
	}
	t.early = nil
}

// pathReady is called when ICE selects (or changes) the pair.
func (t *transportStack) pathReady(pc *PeerConnection) {
	if t.dtls != nil {
		t.dtls.SetTransport(pc.selected)
		t.feedEarly(pc)
		return
	}
	if t.ready && pc.dtlsClient {
		t.newDTLS(pc, pc.selected)
	}
}

func (t *transportStack) newDTLS(pc *PeerConnection, tr shared.TransportContext) {
	cfg := &dtls.Config{
		Certificate:      pc.cert,
		PeerFingerprints: pc.remoteFingerprints,
		Rand:             pc.cfg.rand(),
		// Data channels only for now; media will want SRTP profiles.
		// TODO(media): keep use_srtp once SRTP contexts are wired.
	}
	var err error
	if pc.dtlsClient {
		t.dtls, err = dtls.NewClient(pc.clock.Now(), tr, cfg)
	} else {
		t.dtls, err = dtls.NewServer(pc.clock.Now(), tr, cfg)
	}
	if err != nil {
		pc.emitError("dtls", err)
		t.setPhase(pc, dtlsFailed)
		return
	}
	t.setPhase(pc, dtlsConnecting)
	pc.timeouts.mark(layerDTLS)
	t.drainDTLS(pc)
}

// handleDTLS takes one DTLS datagram from the demultiplexer (relayed: it
// came out of the ICE agent's TURN allocation). Only the selected pair's
// datagrams reach DTLS (onPath); before a pair is selected, a few are held
// (a ClientHello that overtook the nomination) and fed once their path is
// selected.
func (t *transportStack) handleDTLS(pc *PeerConnection, msg shared.TaggedBytes, relayed bool) error {
	if t.dtls != nil && t.onPath(pc, msg.Transport, relayed) {
		return t.feedDTLS(pc, msg)
	}
	if pc.hasSelected {
		pc.stats.Dropped++
		pc.stats.DroppedOffPath++
		return nil
	}
	if len(t.early) >= maxEarlyDTLS {
		pc.stats.Dropped++
		return layerErr("dtls", fmt.Errorf("%w: %d DTLS datagrams before a candidate pair is selected", ErrLimit, len(t.early)))
	}
	t.early = append(t.early, earlyDTLS{path: msg.Transport, relayed: relayed, msg: append([]byte(nil), msg.Message...)})
	return nil
}

func (t *transportStack) feedDTLS(pc *PeerConnection, msg shared.TaggedBytes) error {
	err := t.dtls.HandleRead(msg)
	pc.timeouts.mark(layerDTLS)
	t.drainDTLS(pc)
	if err != nil {
		pc.stats.Dropped++
		var ae *dtls.AlertError
		if errors.As(err, &ae) {
			// Fatal: reported through EventClosed as well; return it once.
			return layerErr("dtls", err)
		}
		if errors.Is(err, dtls.ErrDropped) || errors.Is(err, dtls.ErrClosed) {
			return nil // counted in the DTLS stats; not actionable
		}
		return layerErr("dtls", err)
	}
	return nil
}

// flushDTLS moves the DTLS records waiting in PollWrite to the wire.
func (t *transportStack) flushDTLS(pc *PeerConnection) {
	for {
		tb, ok := t.dtls.PollWrite()
		if !ok {
			return
		}
		if err := pc.sendDatagram(tb.Message); err != nil {
			pc.emitError("ice", err)
		}
	}
}

// drainDTLS moves DTLS output to the wire, DTLS plaintext to SCTP, and
// DTLS events to the PeerConnection.
func (t *transportStack) drainDTLS(pc *PeerConnection) {
	if t.dtls == nil {
		return
	}
	t.flushDTLS(pc)
	for {
		e, ok := t.dtls.PollEvent()
		if !ok {
			break
		}
		switch e.Kind {
		case dtls.EventHandshakeComplete:
			t.handshakeDone(pc, e.State)
		case dtls.EventClosed:
			if e.Err != nil {
				if errors.Is(e.Err, dtls.ErrFingerprintMismatch) {
					pc.stats.FingerprintFailures++
					pc.emitError("dtls", fmt.Errorf("%w: %w", ErrFingerprintMismatch, e.Err))
				} else {
					pc.emitError("dtls", e.Err)
				}
				t.setPhase(pc, dtlsFailed)
			} else {
				// A close_notify from the peer (or our own Close): reported
				// at once, whatever ICE consent says (issue 11, Teardown).
				t.setPhase(pc, dtlsClosed)
			}
			t.endSCTP(pc)
			pc.closeAllChannels()
		}
	}
	for {
		b, ok := t.dtls.PollRead()
		if !ok {
			break
		}
		if t.dc == nil {
			pc.stats.Dropped++
			continue
		}
		err := t.dc.HandleRead(shared.TaggedBytes{Now: pc.clock.Now(), Transport: pc.selected, Message: b})
		t.dtls.ReleaseRead(b) // SCTP copied what it keeps
		pc.timeouts.mark(layerSCTP)
		if err != nil && !errors.Is(err, sctp.ErrClosed) {
			pc.stats.Dropped++
			pc.emitError("sctp", err)
		}
	}
	t.drainSCTP(pc)
}

func (t *transportStack) handshakeDone(pc *PeerConnection, st *dtls.ConnectionState) {
	// RFC 8122 §5 / RFC 8827 §6.5: the certificate must match a=fingerprint.
	// rtc-dtls checks it (PeerFingerprints); check again so the rule holds
	// here whatever the layer does.
	if st == nil || len(st.PeerCertificates) == 0 || !matchesAny(pc.remoteFingerprints, st.PeerCertificates[0]) {
		pc.stats.FingerprintFailures++
		pc.emitError("dtls", ErrFingerprintMismatch)
		t.setPhase(pc, dtlsFailed)
		if err := t.dtls.Close(); err != nil {
			pc.emitError("dtls", err)
		}
		return
	}
	t.setPhase(pc, dtlsConnected)
	t.startSCTP(pc)
}

// startSCTP starts the SCTP association and the data channels over the
// connected DTLS transport once a data section has been negotiated.
func (t *transportStack) startSCTP(pc *PeerConnection) {
	if t.dc != nil || pc.dataSection() == nil {
		return
	}
	m, err := datachannel.New(datachannel.Config{
		DTLSClient:  pc.dtlsClient,
		MaxChannels: pc.cfg.maxDataChannels(),
		SCTP: sctp.Config{
			Rand:               pc.cfg.rand(),
			LocalPort:          pc.cfg.sctpPort(),
			RemotePort:         pc.remoteSCTPPort,
			MaxMessageSize:     pc.cfg.maxMessageSize(),
			PeerMaxMessageSize: pc.peerMaxMessageSize(),
			SendBufferSize:     pc.cfg.maxBufferedAmount(),
			MTU:                t.dtls.MaxPayload(),
		},
	})
	if err != nil {
		pc.emitError("datachannel", err)
		return
	}
	t.dc = m
	// Both ends may send INIT (RFC 9260 §5.2.1 resolves the collision); the
	// DTLS client starts so that two sansrtc peers do not collide. Browsers
	// and Pion send INIT from either role.
	if pc.dtlsClient {
		if err := m.Connect(pc.clock.Now()); err != nil {
			pc.emitError("sctp", err)
		}
	}
	pc.openPending()
	pc.timeouts.mark(layerSCTP)
}

func matchesAny(fps []dtls.Fingerprint, der []byte) bool {
	for _, f := range fps {
		if f.Matches(der) {
			return true
		}
	}
	return false
}

// peerMaxMessageSize maps the remote a=max-message-size to the SCTP config
// (RFC 8841 §6.1: absent means 64 KiB; 0 means no limit).
func (pc *PeerConnection) peerMaxMessageSize() int {
	switch {
	case pc.remoteMaxMessage < 0:
		return 65536
	case pc.remoteMaxMessage == 0:
		return -1
	}
	return pc.remoteMaxMessage
}

// drainSCTP moves SCTP packets into DTLS records and data channel
// messages and events to the PeerConnection.
func (t *transportStack) drainSCTP(pc *PeerConnection) {
	if t.dc == nil {
		return
	}
	for range 4 { // events may queue more output (a close, an ACK); bounded
		progressed := false
		if t.pumpOutbound(pc) {
			progressed = true
		}
		for {
			e, ok := t.dc.PollEvent()
			if !ok {
				break
			}
			progressed = true
			pc.handleDCEvent(e)
		}
		if t.pullReads(pc) {
			progressed = true
		}
		pc.timeouts.mark(layerSCTP)
		pc.timeouts.mark(layerDTLS)
		if !progressed {
			break
		}
	}
}

// pullReads moves received messages from SCTP to the read queue while it
// has room. What does not fit stays in SCTP, counted against the receive
// window it advertises (RFC 9260 §6.2: a_rwnd), so a reader that falls
// behind slows the sender down instead of losing messages.
func (t *transportStack) pullReads(pc *PeerConnection) bool {
	moved := false
	for pc.reads.Len() < pc.reads.Cap() {
		m, ok := t.dc.PollRead()
		if !ok {
			break
		}
		moved = true
		pc.handleDCMessage(m)
	}
	if moved {
		pc.timeouts.mark(layerSCTP)
	}
	return moved
}

// pumpOutbound moves SCTP packets through DTLS to the outbox while the
// outbox has room, one packet at a time so no intermediate queue fills.
func (t *transportStack) pumpOutbound(pc *PeerConnection) bool {
	if t.dc == nil || t.dtls == nil || t.phase != dtlsConnected {
		return false
	}
	moved := false
	for pc.outbox.Cap()-pc.outbox.Len() > outboxRoom {
		pkt, ok := t.dc.AppendPacket(t.pkt[:0])
		if !ok {
			break
		}
		t.pkt = pkt[:0]
		moved = true
		if err := t.dtls.HandleWrite(pkt); err != nil {
			pc.emitError("dtls", err)
			continue
		}
		t.flushDTLS(pc)
	}
	if moved {
		pc.timeouts.mark(layerSCTP)
		pc.timeouts.mark(layerDTLS)
	}
	return moved
}

func (t *transportStack) handleTimeout(pc *PeerConnection, now time.Time) error {
	var errs []error
	if t.dtls != nil && pc.timeouts.due(layerDTLS, now) {
		if err := t.dtls.HandleTimeout(now); err != nil {
			errs = append(errs, layerErr("dtls", err))
		}
		pc.timeouts.mark(layerDTLS)
		t.drainDTLS(pc)
	}
	if t.dc != nil && pc.timeouts.due(layerSCTP, now) {
		if err := t.dc.HandleTimeout(now); err != nil {
			errs = append(errs, layerErr("sctp", err))
		}
		pc.timeouts.mark(layerSCTP)
		t.drainSCTP(pc)
	}
	return errors.Join(errs...)
}

func (t *transportStack) close(pc *PeerConnection) error {
	var errs []error
	if t.dc != nil {
		errs = append(errs, t.dc.Association().Abort("peer connection closed"))
		t.drainSCTP(pc)
	}
	if t.dtls != nil {
		errs = append(errs, t.dtls.Close())
		t.drainDTLS(pc)
	}
	t.setPhase(pc, dtlsClosed)
	return errors.Join(errs...)
}

// layerTimeout returns the deadline of one layer, for deadlineCache.
func (pc *PeerConnection) layerTimeout(l layer) time.Time {
	var d time.Time
	var ok bool
	switch l {
	case layerICE:
		d, ok = pc.ice.PollTimeout()
	case layerDTLS:
		if pc.transport.dtls != nil {
			d, ok = pc.transport.dtls.PollTimeout()
		}
	case layerSCTP:
		if pc.transport.dc != nil {
			d, ok = pc.transport.dc.PollTimeout()
		}
	}
	if !ok {
		return time.Time{}
	}
	return d
}
