package rtc

import (
	"errors"
	"fmt"
	"time"

	dtls "github.com/sansrtc/rtc/rtc-dtls"
	ice "github.com/sansrtc/rtc/rtc-ice"
	sctp "github.com/sansrtc/rtc/rtc-sctp"
	shared "github.com/sansrtc/rtc/rtc-shared"
	stun "github.com/sansrtc/rtc/rtc-stun"
)

// PeerConnection is a sans-I/O RTCPeerConnection: JSEP signaling, one ICE
// transport (max-bundle, rtcp-mux), DTLS over the selected pair, SCTP over
// DTLS and data channels over SCTP. It never touches a socket or a clock;
// see the package doc for the drive loop.
//
// It is a composition of four parts, each owning its state and its
// deadline, with calls going downward only: negotiation (JSEP),
// transport (ICE and DTLS), data (SCTP and channels) and media. The
// PeerConnection owns the order in which output moves between them
// (step) and the aggregate connection state.
//
// A PeerConnection is not safe for concurrent use.
type PeerConnection struct {
	cfg   Configuration
	clock shared.Clock

	neg   negotiation
	tr    transport
	data  data
	media media
	out   sink

	// servers holds the ICE server URLs (TURN transports, names to
	// resolve); nil without any (96 bytes less per PeerConnection).
	servers *iceServers

	idle            shared.Idle // when a DTLS record last went either way (noteIdle)
	closed          bool
	connectionState PeerConnectionState
}

var _ shared.Protocol[Message, Message, Command, Event] = (*PeerConnection)(nil)

// Stats are the PeerConnection's counters.
type Stats struct {
	DatagramsIn, DatagramsOut uint64
	BytesIn, BytesOut         uint64
	// Dropped counts datagrams that matched no protocol, arrived before the
	// layer they belong to existed, or that a layer rejected.
	Dropped uint64
	// DroppedOffPath counts DTLS, RTP and RTCP datagrams dropped because
	// their 5-tuple is not the ICE selected pair (RFC 8445 §12, RFC 5764
	// §5.1.2): spoofed or stale traffic. Also in Dropped.
	DroppedOffPath uint64
	// DroppedRTP and DroppedRTCP count RTP and RTCP datagrams from the
	// selected pair (RFC 7983, split by RFC 5761 §4) that the media part
	// dropped: all of them until SRTP is wired (issue 13). Also in Dropped.
	DroppedRTP, DroppedRTCP uint64
	// FingerprintFailures counts DTLS handshakes rejected because the
	// remote certificate did not match a=fingerprint.
	FingerprintFailures uint64
	// UnresolvedCandidates counts remote hostname (mDNS) candidates waiting
	// for ResolveHostname; UnresolvedHostnames lists them.
	UnresolvedCandidates uint64
}

// NewPeerConnection returns a PeerConnection in state new/stable.
func NewPeerConnection(cfg Configuration) (*PeerConnection, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	pc := &PeerConnection{cfg: cfg}
	pc.clock.Advance(cfg.Now)
	pc.out.events = shared.NewEventQueue[Event](cfg.maxQueuedEvents())
	pc.out.events.SetName("rtc events")
	pc.out.reads = shared.NewQueue[Message](cfg.maxQueuedMessages())
	pc.data = data{owner: pc, maxChannels: cfg.maxDataChannels(), maxBuffered: cfg.maxBufferedAmount()}
	pc.neg.pc = pc
	pc.neg.sessionID, pc.neg.sessionVersion = randUint64(cfg.rand()), 1
	if err := pc.newTransport(); err != nil {
		return nil, err
	}
	if pc.servers != nil {
		for _, name := range pc.servers.names {
			pc.out.emit(Event{Kind: EventResolveICEServer, Hostname: name})
		}
	}
	for _, a := range cfg.LocalAddresses {
		if err := pc.AddLocalAddress(a); err != nil {
			return nil, err
		}
	}
	return pc, nil
}

// newTransport makes the certificate and the ICE agent.
func (pc *PeerConnection) newTransport() error {
	cfg := &pc.cfg
	cert := (*dtls.Certificate)(nil)
	if len(cfg.Certificates) > 0 {
		cert = cfg.Certificates[0]
	}
	if cert == nil {
		// Without a time the certificate is valid from the Unix epoch,
		// as Configuration.Now says (the zero time made it valid in
		// the years 0 and 1).
		now := cfg.Now
		if now.IsZero() {
			now = time.Unix(0, 0)
		}
		c, err := dtls.GenerateCertificate(now, dtls.KeyECDSAP256)
		if err != nil {
			return fmt.Errorf("rtc: generating certificate: %w", err)
		}
		cert = c
	}
	fp, err := cert.Fingerprint("sha-256")
	if err != nil {
		return fmt.Errorf("rtc: certificate fingerprint: %w", err)
	}
	servers, err := parseICEServers(cfg.ICEServers)
	if err != nil {
		return err
	}
	if !servers.empty() {
		pc.servers = &servers
	}
	// ICE gets the time first (rtc-ice Config.Now), so its PollTimeout
	// never asks for a first HandleTimeout with the epoch.
	agent, err := ice.NewAgent(ice.Config{Now: pc.clock.Now(), Rand: cfg.rand(), Lite: cfg.ICELite,
		RelayOnly: cfg.ICETransportPolicy == ICETransportPolicyRelay, MaxCandidates: cfg.maxRemoteCandidates(),
		MaxQueue: cfg.maxQueuedDatagrams(), STUNServers: servers.stun, TURNServers: servers.turn, AwaitServers: len(servers.names)})
	if err != nil {
		return layerErr("ice", err)
	}
	pc.tr = transport{ice: agent, cert: cert, fingerprint: fp, rand: cfg.rand(),
		outbox: shared.NewQueue[shared.TaggedBytes](cfg.maxQueuedDatagrams())}
	pc.tr.iceTimer.stale = true
	pc.tr.hostnames.on = cfg.MDNSHostCandidates
	pc.tr.srtpProfiles = cfg.srtpProfiles()
	pc.tr.localUfrag, pc.tr.localPwd = agent.LocalCredentials()
	return nil
}

// SignalingState returns the JSEP signaling state.
func (pc *PeerConnection) SignalingState() SignalingState { return pc.neg.state }

// ConnectionState returns the aggregate connection state.
func (pc *PeerConnection) ConnectionState() PeerConnectionState { return pc.connectionState }

// ICEConnectionState returns the ICE connection state.
func (pc *PeerConnection) ICEConnectionState() ICEConnectionState { return pc.tr.iceState }

// ICEGatheringState returns the ICE gathering state.
func (pc *PeerConnection) ICEGatheringState() ICEGatheringState { return pc.tr.gathering }

// DTLSState returns the state of the DTLS transport (W3C
// RTCDtlsTransport.state).
func (pc *PeerConnection) DTLSState() DTLSTransportState { return pc.tr.phase }

// SCTPState returns the state of the SCTP transport (W3C
// RTCSctpTransport.state).
func (pc *PeerConnection) SCTPState() SCTPTransportState { return pc.data.state }

// Stats returns counters.
func (pc *PeerConnection) Stats() Stats { return pc.out.stats }

// Fingerprint returns the local certificate fingerprint (a=fingerprint).
func (pc *PeerConnection) Fingerprint() string { return pc.tr.fingerprint.String() }

// Transceivers returns the transceivers in creation order.
func (pc *PeerConnection) Transceivers() []*Transceiver {
	return append([]*Transceiver(nil), pc.neg.transceivers...)
}

// DataChannels returns the channels that are not closed.
func (pc *PeerConnection) DataChannels() []*DataChannel {
	return append([]*DataChannel(nil), pc.data.channels...)
}

// LocalDescription returns the pending local description if there is one,
// else the current one, with the candidates gathered so far (W3C
// localDescription). The zero value means none.
func (pc *PeerConnection) LocalDescription() SessionDescription {
	d := pc.neg.pendingLocal
	if d == nil {
		d = pc.neg.currentLocal
	}
	return render(d, pc.tr.localCandidates, pc.tr.gathering == ICEGatheringComplete)
}

// RemoteDescription returns the pending remote description, else the current one.
func (pc *PeerConnection) RemoteDescription() SessionDescription {
	if pc.neg.pendingRemote != nil {
		return *pc.neg.pendingRemote
	}
	if pc.neg.currentRemote != nil {
		return *pc.neg.currentRemote
	}
	return SessionDescription{}
}

// LayerStats are the counters of the layers under the PeerConnection
// (W3C getStats in Go form). A layer that does not exist yet has zero stats.
type LayerStats struct {
	ICE  ice.Stats
	DTLS dtls.Stats
	SCTP sctp.Stats
}

// LayerStats returns the counters of ICE, DTLS and SCTP.
func (pc *PeerConnection) LayerStats() LayerStats {
	s := LayerStats{ICE: pc.tr.ice.Stats()}
	if pc.tr.conn != nil {
		s.DTLS = pc.tr.conn.Stats()
	}
	if pc.data.mgr != nil {
		s.SCTP = pc.data.mgr.Association().Stats()
	}
	return s
}

// HandleRead feeds one datagram that arrived on a local address. It is
// demultiplexed by its first byte with stun.Classify (RFC 7983/9443): STUN
// and TURN ChannelData to ICE, DTLS to DTLS, RTP/RTCP (split by RFC 5761
// §4) to the media part; DTLS, RTP and RTCP only from the selected pair.
// msg.Message is borrowed for the duration of the call: the caller may
// reuse it afterwards.
func (pc *PeerConnection) HandleRead(msg shared.TaggedBytes) error {
	if pc.closed {
		return ErrClosed
	}
	pc.clock.Advance(msg.Now)
	pc.out.stats.DatagramsIn++
	pc.out.stats.BytesIn += uint64(len(msg.Message))
	var err error
	k := stun.Classify(msg.Message)
	if msg.Transport.Protocol == shared.TCP {
		// ICE-TCP and TURN over TCP/TLS: RFC 4571 (RFC 6544 §3) or
		// STUN/ChannelData framing on a stream; the agent reassembles
		// and hands DTLS back unwrapped (drainICE).
		k = stun.KindSTUN
	}
	switch k {
	case stun.KindSTUN, stun.KindChannelData:
		err = pc.tr.handleSTUN(msg, &pc.out)
	case stun.KindDTLS:
		err = pc.tr.handleDTLS(msg, false, &pc.out)
	case stun.KindRTP, stun.KindRTCP:
		err = pc.handleMedia(k, msg, false)
	default:
		pc.out.stats.Dropped++
		err = ErrUnknownPacket
	}
	pc.step()
	return pc.out.report(err)
}

// handleMedia routes an RTP or RTCP datagram from the selected pair to the
// media part, which decrypts it in place and returns the Message to read.
func (pc *PeerConnection) handleMedia(k stun.PacketKind, msg shared.TaggedBytes, viaAgent bool) error {
	if !pc.tr.onPath(msg.Transport, viaAgent) {
		pc.out.stats.Dropped++
		pc.out.stats.DroppedOffPath++
		return nil
	}
	kind := MessageRTP
	if k == stun.KindRTCP {
		kind = MessageRTCP
	}
	m, err := pc.media.handlePacket(pc.clock.Now(), kind, msg.Message, &pc.out)
	if errors.Is(err, errRTXPadding) {
		return nil // counted (MediaStats.RTXPadding): padding is no error
	}
	if err != nil {
		return err
	}
	if err := pc.out.reads.Push(m); err != nil {
		pc.media.release(m)
		pc.out.stats.Dropped++
		return err
	}
	return nil
}

// HandleTimeout runs the timers that are due at now. Calling it early is
// harmless: nothing that is not due fires.
func (pc *PeerConnection) HandleTimeout(now time.Time) error {
	if pc.closed {
		return nil
	}
	now = pc.clock.Advance(now)
	err := errors.Join(pc.tr.handleTimeout(now), pc.data.handleTimeout(now), pc.media.handleTimeout(now, pc.tr.send))
	pc.step()
	return pc.out.report(err)
}

// PollTimeout returns when HandleTimeout must be called next: the earliest
// deadline of the parts, or now (the latest time seen) while datagrams are
// waiting in PollWrite, so that one drain pass is always enough (see the
// package doc, "The drive loop"). It is cheap when idle: each part reads
// its machine's deadline again only after a call into it (partTimer).
func (pc *PeerConnection) PollTimeout() (time.Time, bool) {
	if pc.pending() {
		return pc.clock.Now(), true
	}
	if pc.closed {
		return time.Time{}, false
	}
	d := shared.Earliest(pc.tr.deadline(), shared.Earliest(pc.data.deadline(), pc.media.deadline()))
	if d.IsZero() {
		return time.Time{}, false
	}
	return pc.clock.Clamp(d), true
}

// pending reports whether output waits to be polled: a Poll* (PollRead
// pulling messages out of SCTP, which then owes the peer a window update
// and may report channel events) may have created it after the caller
// drained that queue (events count when a Poll* queued them, until
// PollEvent is drained: an application that leaves events queued is not
// woken for them). Messages waiting for PollRead do not count: PollRead
// is drained last in a pass, and an application that stops reading on
// purpose (backpressure) must not be woken in a busy loop.
func (pc *PeerConnection) pending() bool {
	return pc.tr.outbox.Len() > 0 || pc.tr.relayPending || pc.out.polledEvents && pc.out.events.Len() > 0
}

// TimeoutReason names why the current PollTimeout deadline exists
// (shared.TimeoutReasoner): "pending" while output waits to be polled,
// else the part whose deadline won and its machine's reason ("ice/...",
// "dtls/...", "sctp/..."), or "" when there is none. For debugging.
func (pc *PeerConnection) TimeoutReason() string {
	switch {
	case pc.pending():
		return "pending"
	case pc.closed:
		return ""
	}
	t, s, m := pc.tr.deadline(), pc.data.deadline(), pc.media.deadline()
	if !m.IsZero() && (t.IsZero() || m.Before(t)) && (s.IsZero() || m.Before(s)) {
		if pc.media.pacer != nil && m.Equal(pc.media.pacerDeadline()) {
			return "media/pacer" + reasonOf(pc.media.pacer)
		}
		return "media" + reasonOf(pc.media.chain)
	}
	if !s.IsZero() && (t.IsZero() || s.Before(t)) {
		return "sctp" + reasonOf(pc.data.mgr)
	}
	return pc.tr.timeoutReason()
}

// reasonOf returns "/" and m's TimeoutReason, if m reports one.
func reasonOf(m any) string {
	if r, ok := m.(shared.TimeoutReasoner); ok && r.TimeoutReason() != "" {
		return "/" + r.TimeoutReason()
	}
	return ""
}

// Close closes every data channel, the SCTP association, DTLS (close_notify)
// and ICE (W3C close()). What must still be sent comes out of PollWrite.
func (pc *PeerConnection) Close() error {
	if pc.closed {
		return nil
	}
	pc.media.close()
	pc.data.end("peer connection closed", &pc.out)
	pc.pump()
	err := pc.tr.close(&pc.out)
	pc.tr.drainICE(pc.clock.Now(), &pc.out)
	pc.closed = true
	pc.neg.state = SignalingClosed
	pc.tr.iceState = ICEConnectionClosed
	pc.connectionState = PeerConnectionClosed
	return err
}
