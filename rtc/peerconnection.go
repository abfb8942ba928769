package rtc

import (
	"errors"
	"fmt"
	"net/netip"
	"time"

	dtls "github.com/sansrtc/rtc/rtc-dtls"
	ice "github.com/sansrtc/rtc/rtc-ice"
	sctp "github.com/sansrtc/rtc/rtc-sctp"
	sdp "github.com/sansrtc/rtc/rtc-sdp"
	shared "github.com/sansrtc/rtc/rtc-shared"
	stun "github.com/sansrtc/rtc/rtc-stun"
)

// PeerConnection is a sans-I/O RTCPeerConnection: JSEP signaling, one ICE
// transport (max-bundle, rtcp-mux), DTLS over the selected pair, SCTP over
// DTLS and data channels over SCTP. It never touches a socket or a clock;
// see the package doc for the drive loop.
//
// A PeerConnection is not safe for concurrent use.
type PeerConnection struct {
	cfg   Configuration
	clock shared.Clock

	closed             bool
	closing            bool
	signalingState     SignalingState
	connectionState    PeerConnectionState
	iceConnectionState ICEConnectionState
	iceGatheringState  ICEGatheringState

	cert        *dtls.Certificate
	fingerprint dtls.Fingerprint

	sessionID, sessionVersion uint64
	localUfrag, localPwd      string

	// JSEP state (RFC 8829 §4.1.9-4.1.12).
	currentLocal, pendingLocal   *localDesc
	currentRemote, pendingRemote *SessionDescription
	lastOffer, lastAnswer        *localDesc // as CreateOffer/CreateAnswer built them
	beforeRemoteOffer            savedNegotiation
	offerSections                []*mSection
	sections                     []*mSection
	transceivers                 []*Transceiver
	midCounter                   int
	wantData                     bool
	negotiationNeeded            bool
	remoteSetup                  sdp.Setup
	remoteBundle                 bool // the remote offer had a BUNDLE group
	answering                    bool // writeSDP is writing an answer
	iceStarted                   bool
	everOffered                  bool

	// Negotiated transport parameters.
	dtlsRoleKnown      bool
	dtlsClient         bool
	remoteFingerprints []dtls.Fingerprint
	remoteSCTPPort     uint16
	remoteMaxMessage   int // 0: not advertised (64 KiB assumed, RFC 8841 §6.1)
	remoteUfrag        string

	ice             *ice.Agent
	localCandidates []string
	remoteCands     int
	selected        shared.TransportContext
	hasSelected     bool
	selectedRelay   bool // the pair goes through TURN: data must go via the agent

	transport  transportStack
	hostsDone  bool
	pendingErr error
	unresolved []string

	channels []*DataChannel // every channel ever created and not yet closed

	events   shared.Queue[Event]
	reads    shared.Queue[Message]
	outbox   shared.Queue[shared.TaggedBytes]
	timeouts deadlineCache
	stats    Stats
}

// Stats are the PeerConnection's counters.
type Stats struct {
	DatagramsIn, DatagramsOut uint64
	BytesIn, BytesOut         uint64
	// Dropped counts datagrams that matched no protocol, arrived before the
	// layer they belong to existed, or that a layer rejected.
	Dropped uint64
	// DroppedOffPath counts DTLS (and, with media, SRTP/SRTCP) datagrams
	// dropped because their 5-tuple is not the ICE selected pair (RFC
	// 8445 §12, RFC 5764 §5.1.2): spoofed or stale traffic. Also in Dropped.
	DroppedOffPath uint64
	// FingerprintFailures counts DTLS handshakes rejected because the
	// remote certificate did not match a=fingerprint.
	FingerprintFailures uint64
	// UnresolvedCandidates counts remote hostname (mDNS) candidates waiting
	// for ResolveHostname; UnresolvedHostnames lists them.
	UnresolvedCandidates uint64
}

// NewPeerConnection returns a PeerConnection in state new/stable.
func NewPeerConnection(cfg Configuration) (*PeerConnection, error) {
	pc := &PeerConnection{cfg: cfg}
	pc.clock.Advance(cfg.Now)
	pc.events = shared.NewQueue[Event](cfg.maxQueuedEvents())
	pc.reads = shared.NewQueue[Message](cfg.maxQueuedMessages())
	pc.outbox = shared.NewQueue[shared.TaggedBytes](cfg.maxQueuedDatagrams())
	if len(cfg.Certificates) > 0 && cfg.Certificates[0] != nil {
		pc.cert = cfg.Certificates[0]
	} else {
		c, err := dtls.GenerateCertificate(cfg.Now, dtls.KeyECDSAP256)
		if err != nil {
			return nil, fmt.Errorf("rtc: generating certificate: %w", err)
		}
		pc.cert = c
	}
	fp, err := pc.cert.Fingerprint("sha-256")
	if err != nil {
		return nil, fmt.Errorf("rtc: certificate fingerprint: %w", err)
	}
	pc.fingerprint = fp
	pc.sessionID = pc.randUint64()
	pc.sessionVersion = 1
	icfg := ice.Config{Rand: cfg.rand(), Lite: cfg.ICELite, RelayOnly: cfg.ICETransportPolicy == ICETransportPolicyRelay,
		MaxCandidates: cfg.maxRemoteCandidates(), MaxQueue: cfg.maxQueuedDatagrams()}
	stun, turn, err := parseICEServers(cfg.ICEServers)
	if err != nil {
		return nil, err
	}
	icfg.STUNServers, icfg.TURNServers = stun, turn
	agent, err := ice.NewAgent(icfg)
	if err != nil {
		return nil, layerErr("ice", err)
	}
	pc.ice = agent
	pc.localUfrag, pc.localPwd = agent.LocalCredentials()
	for _, a := range cfg.LocalAddresses {
		if err := pc.AddLocalAddress(a); err != nil {
			return nil, err
		}
	}
	pc.timeouts.markAll()
	return pc, nil
}

// SignalingState returns the JSEP signaling state.
func (pc *PeerConnection) SignalingState() SignalingState { return pc.signalingState }

// ConnectionState returns the aggregate connection state.
func (pc *PeerConnection) ConnectionState() PeerConnectionState { return pc.connectionState }

// ICEConnectionState returns the ICE connection state.
func (pc *PeerConnection) ICEConnectionState() ICEConnectionState { return pc.iceConnectionState }

// ICEGatheringState returns the ICE gathering state.
func (pc *PeerConnection) ICEGatheringState() ICEGatheringState { return pc.iceGatheringState }

// DTLSState returns the state of the DTLS transport (W3C
// RTCDtlsTransport.state).
func (pc *PeerConnection) DTLSState() DTLSTransportState { return pc.transport.phase }

// SCTPState returns the state of the SCTP transport (W3C
// RTCSctpTransport.state).
func (pc *PeerConnection) SCTPState() SCTPTransportState { return pc.transport.sctpState }

// Stats returns counters.
func (pc *PeerConnection) Stats() Stats { return pc.stats }

// Fingerprint returns the local certificate fingerprint (a=fingerprint).
func (pc *PeerConnection) Fingerprint() string { return pc.fingerprint.String() }

// Transceivers returns the transceivers in creation order.
func (pc *PeerConnection) Transceivers() []*Transceiver {
	return append([]*Transceiver(nil), pc.transceivers...)
}

// DataChannels returns the channels that are not closed.
func (pc *PeerConnection) DataChannels() []*DataChannel {
	return append([]*DataChannel(nil), pc.channels...)
}

// LocalDescription returns the pending local description if there is one,
// else the current one, with the candidates gathered so far (W3C
// localDescription). The zero value means none.
func (pc *PeerConnection) LocalDescription() SessionDescription {
	if pc.pendingLocal != nil {
		return pc.render(pc.pendingLocal)
	}
	return pc.render(pc.currentLocal)
}

// RemoteDescription returns the pending remote description, else the current one.
func (pc *PeerConnection) RemoteDescription() SessionDescription {
	if pc.pendingRemote != nil {
		return *pc.pendingRemote
	}
	if pc.currentRemote != nil {
		return *pc.currentRemote
	}
	return SessionDescription{}
}

// AddTransceiver adds a transceiver of the given kind and fires
// negotiationneeded (W3C addTransceiver). Media does not flow yet; see the
// package doc.
func (pc *PeerConnection) AddTransceiver(kind MediaKind, dir Direction) (*Transceiver, error) {
	if pc.closed {
		return nil, ErrClosed
	}
	if kind != MediaKindAudio && kind != MediaKindVideo {
		return nil, fmt.Errorf("rtc: unknown media kind %v", kind)
	}
	t := &Transceiver{kind: kind, direction: dir}
	pc.transceivers = append(pc.transceivers, t)
	pc.needNegotiation()
	return t, nil
}

// AddLocalAddress tells the PeerConnection about a local UDP address the
// caller owns a socket on: a host candidate (RFC 8445 §5.1.1.1). Datagrams
// for it come out of PollWrite with Transport.Local set to it.
func (pc *PeerConnection) AddLocalAddress(addr netip.AddrPort) error {
	if pc.closed {
		return ErrClosed
	}
	err := pc.ice.AddLocalAddress(addr, shared.UDP)
	pc.timeouts.mark(layerICE)
	if err != nil && !errors.Is(err, ice.ErrDuplicateCandidate) {
		return layerErr("ice", err)
	}
	pc.drainICE()
	return nil
}

// AddICECandidate adds a remote trickled candidate (W3C addIceCandidate);
// an empty Candidate is end-of-candidates. Candidates for a rejected or
// unknown m-section are refused; candidates for any bundled mid feed the
// one transport.
func (pc *PeerConnection) AddICECandidate(c ICECandidateInit) error {
	if pc.closed {
		return ErrClosed
	}
	if pc.currentRemote == nil && pc.pendingRemote == nil {
		return fmt.Errorf("%w: AddICECandidate before a remote description", ErrInvalidState)
	}
	if c.SDPMid != "" {
		if s := pc.sectionByMid(c.SDPMid); s == nil || s.rejected {
			return fmt.Errorf("%w: candidate for unknown mid %q", ErrUnsupported, c.SDPMid)
		}
	}
	if c.UsernameFragment != "" && pc.remoteUfrag != "" && c.UsernameFragment != pc.remoteUfrag {
		return nil // an earlier ICE generation (W3C addIceCandidate step 4.4)
	}
	defer pc.timeouts.mark(layerICE)
	if c.Candidate == "" {
		pc.ice.EndOfRemoteCandidates()
		pc.drainICE()
		return nil
	}
	if pc.remoteCands >= pc.cfg.maxRemoteCandidates() {
		return fmt.Errorf("%w: %d remote candidates", ErrLimit, pc.remoteCands)
	}
	if err := pc.ice.AddRemoteCandidateString(c.Candidate); err != nil {
		if errors.Is(err, ice.ErrDuplicateCandidate) || errors.Is(err, ice.ErrUnsupported) {
			return nil // W3C: unsupported candidates (TCP, other components) are ignored
		}
		return layerErr("ice", err)
	}
	pc.remoteCands++
	pc.drainICE()
	return nil
}

// ResolveHostname gives the address of a remote mDNS/FQDN candidate
// (see UnresolvedHostnames). Protocol code does no name resolution and
// rtc/driver does not resolve mDNS names either; unresolved candidates are
// simply not paired (the peer's checks still create peer-reflexive ones).
func (pc *PeerConnection) ResolveHostname(name string, addr netip.Addr) error {
	defer pc.timeouts.mark(layerICE)
	return layerErr("ice", pc.ice.ResolveHostname(name, addr))
}

// UnresolvedHostnames returns the remote candidate hostnames (mDNS
// ".local" names) the agent holds until ResolveHostname is called.
func (pc *PeerConnection) UnresolvedHostnames() []string {
	return append([]string(nil), pc.unresolved...)
}

// RestartICE asks for an ICE restart at the next offer (W3C restartIce).
func (pc *PeerConnection) RestartICE() error {
	if pc.closed {
		return ErrClosed
	}
	defer pc.timeouts.mark(layerICE)
	if err := pc.ice.Restart(); err != nil {
		return layerErr("ice", err)
	}
	pc.localUfrag, pc.localPwd = pc.ice.LocalCredentials()
	pc.localCandidates = nil
	pc.needNegotiation()
	pc.drainICE()
	return nil
}

func (pc *PeerConnection) needNegotiation() {
	// W3C §4.7.3 "update the negotiation-needed flag": it only fires in
	// stable (outside it, the return to stable checks again), and "if
	// connection.[[NegotiationNeeded]] is already true, abort these steps":
	// one event until the application negotiates.
	already := pc.negotiationNeeded
	pc.negotiationNeeded = true
	if pc.signalingState == SignalingStable && !already {
		pc.emit(Event{Kind: EventNegotiationNeeded})
	}
}

// emit queues an event. When the queue is full the oldest state cannot be
// dropped silently: the error is counted and reported by the next Handle*.
func (pc *PeerConnection) emit(e Event) {
	if err := pc.events.Push(e); err != nil {
		pc.stats.Dropped++
		pc.pendingErr = errors.Join(pc.pendingErr, fmt.Errorf("rtc: event queue full, lost %v: %w", e.Kind, err))
	}
}

func (pc *PeerConnection) emitError(layer string, err error) {
	if err == nil {
		return
	}
	var le *LayerError
	if !errors.As(err, &le) {
		err = layerErr(layer, err)
	}
	pc.emit(Event{Kind: EventError, Err: err})
}

// takeErr returns and clears an error recorded while no caller was listening.
func (pc *PeerConnection) takeErr() error {
	err := pc.pendingErr
	pc.pendingErr = nil
	return err
}

func (pc *PeerConnection) setSignalingState(s SignalingState) {
	if pc.signalingState == s {
		return
	}
	pc.signalingState = s
	pc.emit(Event{Kind: EventSignalingStateChange, SignalingState: s})
	if s == SignalingStable && pc.negotiationNeeded && pc.pendingNegotiation() {
		pc.emit(Event{Kind: EventNegotiationNeeded})
	}
}

// pendingNegotiation reports whether something created since the last
// offer needs a new one (W3C "check if negotiation is needed").
func (pc *PeerConnection) pendingNegotiation() bool {
	if pc.wantData && pc.dataSection() == nil {
		return true
	}
	for _, t := range pc.transceivers {
		if t.mid == "" && !t.stopped {
			return true
		}
	}
	pc.negotiationNeeded = false
	return false
}

func (pc *PeerConnection) setICEGatheringState(s ICEGatheringState) {
	if pc.iceGatheringState == s {
		return
	}
	pc.iceGatheringState = s
	pc.emit(Event{Kind: EventICEGatheringStateChange, ICEGatheringState: s})
}

func (pc *PeerConnection) setICEConnectionState(s ICEConnectionState) {
	if pc.iceConnectionState == s {
		return
	}
	pc.iceConnectionState = s
	pc.emit(Event{Kind: EventICEConnectionStateChange, ICEConnectionState: s})
	pc.updateConnectionState()
}

// updateConnectionState derives the W3C RTCPeerConnectionState from ICE
// and DTLS (W3C §4.3.3).
func (pc *PeerConnection) updateConnectionState() {
	s := PeerConnectionNew
	d := pc.transport.dtlsState()
	switch {
	case pc.closed:
		s = PeerConnectionClosed
	case pc.iceConnectionState == ICEConnectionFailed || d == dtlsFailed:
		s = PeerConnectionFailed
	case pc.iceConnectionState == ICEConnectionDisconnected:
		s = PeerConnectionDisconnected
	case (pc.iceConnectionState == ICEConnectionConnected || pc.iceConnectionState == ICEConnectionCompleted) && (d == dtlsConnected || d == dtlsClosed):
		// W3C: "all RTCDtlsTransports are in the connected or closed state".
		s = PeerConnectionConnected
	case pc.iceConnectionState == ICEConnectionNew && d == dtlsNew:
		s = PeerConnectionNew
	default:
		s = PeerConnectionConnecting
	}
	if s == pc.connectionState {
		return
	}
	pc.connectionState = s
	pc.emit(Event{Kind: EventConnectionStateChange, ConnectionState: s})
}

// Close closes every data channel, the SCTP association, DTLS (close_notify)
// and ICE (W3C close()). What must still be sent comes out of PollWrite.
func (pc *PeerConnection) Close() error {
	if pc.closed {
		return nil
	}
	pc.closing = true // our own abort is not an error event
	err := pc.transport.close(pc)
	pc.closed = true
	for _, d := range pc.channels {
		d.state = DataChannelClosed
	}
	pc.channels = nil
	pc.drainAll()
	err = errors.Join(err, layerErr("ice", pc.ice.Close()))
	pc.drainICE()
	pc.signalingState = SignalingClosed
	pc.iceConnectionState = ICEConnectionClosed
	pc.connectionState = PeerConnectionClosed
	pc.timeouts.markAll()
	return err
}

// PollEvent returns the next event.
func (pc *PeerConnection) PollEvent() (Event, bool) { return pc.events.Pop() }

// PollRead returns the next data channel message. The Data belongs to the
// caller. Messages that did not fit in the read queue (MaxQueuedMessages)
// wait in SCTP and are pulled here; reading them may open the receive
// window, so call PollWrite afterwards.
func (pc *PeerConnection) PollRead() (Message, bool) {
	if pc.reads.Len() == 0 && pc.transport.dc != nil && !pc.closed && pc.transport.pullReads(pc) {
		pc.transport.drainSCTP(pc) // what reading released: DCEP events, window updates
	}
	return pc.reads.Pop()
}

// ReleaseWrite gives back a datagram returned by PollWrite once it was sent
// and will not be touched again, so the DTLS layer can reuse it. Optional:
// it only saves allocations (rtc/driver calls it after each send).
func (pc *PeerConnection) ReleaseWrite(b []byte) {
	if d := pc.transport.dtls; d != nil {
		d.ReleaseWrite(b)
	}
}

// PollWrite returns the next datagram to send from Transport.Local to
// Transport.Peer. The bytes belong to the caller (see ReleaseWrite).
func (pc *PeerConnection) PollWrite() (shared.TaggedBytes, bool) {
	if pc.outbox.Len() == 0 && !pc.closed {
		// Pull the next SCTP packets (flow control by pulling).
		pc.transport.pumpOutbound(pc)
	}
	if tb, ok := pc.outbox.Pop(); ok {
		pc.stats.DatagramsOut++
		pc.stats.BytesOut += uint64(len(tb.Message))
		return tb, true
	}
	tb, ok := pc.ice.PollWrite()
	if ok {
		pc.stats.DatagramsOut++
		pc.stats.BytesOut += uint64(len(tb.Message))
	}
	return tb, ok
}

// HandleWrite sends a message on a data channel (same as Channel.Send or
// SendText).
func (pc *PeerConnection) HandleWrite(m OutgoingMessage) error {
	if m.Channel == nil {
		return ErrUnknownChannel
	}
	return pc.send(m.Channel, m.Data, m.Binary)
}

// HandleEvent applies a Command (the same as calling the method it names).
func (pc *PeerConnection) HandleEvent(c Command) error {
	switch c.Kind {
	case CmdAddICECandidate:
		return pc.AddICECandidate(c.Candidate)
	case CmdAddLocalAddress:
		return pc.AddLocalAddress(c.Address)
	case CmdEndOfLocalAddresses:
		pc.EndOfLocalAddresses()
		return nil
	case CmdRestartICE:
		return pc.RestartICE()
	case CmdCloseChannel:
		if c.Channel == nil {
			return ErrUnknownChannel
		}
		return c.Channel.Close()
	}
	return fmt.Errorf("rtc: unknown command %d", c.Kind)
}

// EndOfLocalAddresses says every host address has been added. The first
// SetLocalDescription implies it (gathering starts there, RFC 8829 §5.4, and
// completes once the STUN/TURN servers, if any, answered); addresses added
// later are still used and trickled as candidates.
func (pc *PeerConnection) EndOfLocalAddresses() {
	pc.hostsDone = true
	if pc.iceStarted {
		pc.ice.EndOfLocalAddresses()
		pc.timeouts.mark(layerICE)
		pc.drainICE()
	}
}

// CommandKind selects what a Command does.
type CommandKind uint8

// Commands for HandleEvent.
const (
	CmdAddICECandidate     CommandKind = iota + 1 // Candidate
	CmdAddLocalAddress                            // Address
	CmdEndOfLocalAddresses                        //
	CmdRestartICE                                 //
	CmdCloseChannel                               // Channel
)

// Command is the input of HandleEvent.
type Command struct {
	Kind      CommandKind
	Candidate ICECandidateInit
	Address   netip.AddrPort
	Channel   *DataChannel
}

// HandleRead feeds one datagram that arrived on a local address. It is
// demultiplexed by its first byte with stun.Classify (RFC 7983/9443): STUN
// and TURN ChannelData to ICE, DTLS to DTLS, RTP/RTCP to SRTP (dropped
// until media lands). msg.Message is borrowed for the duration of the call:
// the caller may reuse it afterwards.
func (pc *PeerConnection) HandleRead(msg shared.TaggedBytes) error {
	if pc.closed {
		return ErrClosed
	}
	pc.clock.Advance(msg.Now)
	pc.stats.DatagramsIn++
	pc.stats.BytesIn += uint64(len(msg.Message))
	var err error
	switch stun.Classify(msg.Message) {
	case stun.KindSTUN, stun.KindChannelData:
		err = pc.ice.HandleRead(msg)
		pc.timeouts.mark(layerICE)
		pc.drainICE()
		if err != nil {
			pc.stats.Dropped++
			err = layerErr("ice", err)
		}
	case stun.KindDTLS:
		err = pc.transport.handleDTLS(pc, msg, false)
	case stun.KindRTP, stun.KindRTCP:
		// TODO(media): SRTP/SRTCP contexts from the DTLS exporter.
		pc.stats.Dropped++
	default:
		pc.stats.Dropped++
		err = ErrUnknownPacket
	}
	pc.drainAll()
	return errors.Join(err, pc.takeErr())
}

// HandleTimeout runs the timers that are due at now.
func (pc *PeerConnection) HandleTimeout(now time.Time) error {
	if pc.closed {
		return nil
	}
	now = pc.clock.Advance(now)
	var errs []error
	if pc.timeouts.due(layerICE, now) {
		if err := pc.ice.HandleTimeout(now); err != nil {
			errs = append(errs, layerErr("ice", err))
		}
		pc.timeouts.mark(layerICE)
		pc.drainICE()
	}
	errs = append(errs, pc.transport.handleTimeout(pc, now))
	pc.drainAll()
	errs = append(errs, pc.takeErr())
	return errors.Join(errs...)
}

// PollTimeout returns the earliest deadline of every layer. It is cheap
// when nothing changed: each layer's deadline is cached and refreshed only
// after that layer was called (see deadlineCache).
func (pc *PeerConnection) PollTimeout() (time.Time, bool) {
	if pc.closed {
		return time.Time{}, false
	}
	d := pc.timeouts.earliest(pc)
	if d.IsZero() {
		return time.Time{}, false
	}
	return pc.clock.Clamp(d), true
}

// drainICE turns ICE events into PeerConnection events and state.
func (pc *PeerConnection) drainICE() {
	for {
		e, ok := pc.ice.PollEvent()
		if !ok {
			break
		}
		switch e.Kind {
		case ice.EventLocalCandidate:
			c := e.Candidate.String()
			pc.localCandidates = append(pc.localCandidates, c)
			mid := ""
			if s := pc.tagged(); s != nil {
				mid = s.mid
			}
			pc.emit(Event{Kind: EventICECandidate, Candidate: ICECandidateInit{Candidate: c, SDPMid: mid, UsernameFragment: pc.localUfrag}})
		case ice.EventGatheringState:
			switch e.GatheringState {
			case ice.GatheringGathering:
				pc.setICEGatheringState(ICEGatheringGathering)
			case ice.GatheringComplete:
				pc.setICEGatheringState(ICEGatheringComplete)
				// W3C: the null candidate signals end-of-candidates.
				pc.emit(Event{Kind: EventICECandidate})
			}
		case ice.EventConnectionState:
			pc.setICEConnectionState(ICEConnectionState(e.ConnectionState))
		case ice.EventSelectedPairChanged:
			pc.selected = e.Pair.Transport
			pc.hasSelected = true
			pc.selectedRelay = e.Pair.Local.Type == ice.CandidateRelay
			pc.transport.pathReady(pc)
		case ice.EventResolveHostname:
			// An mDNS (".local") or FQDN remote candidate: the agent holds it
			// until ResolveHostname. Browsers that hide host addresses still
			// connect through the peer-reflexive candidate their checks
			// create, so this is counted, not raised as an error.
			pc.stats.UnresolvedCandidates++
			pc.unresolved = append(pc.unresolved, e.Hostname)
		case ice.EventRoleChanged:
		}
	}
	// Relayed data comes out of the agent unwrapped.
	for {
		tb, ok := pc.ice.PollRead()
		if !ok {
			break
		}
		if stun.Classify(tb.Message) == stun.KindDTLS {
			if err := pc.transport.handleDTLS(pc, tb, true); err != nil {
				pc.emitError("dtls", err)
			}
		} else {
			pc.stats.Dropped++
		}
		// DTLS borrowed it (or copied it while it waits for its endpoint).
		pc.ice.ReleaseRead(tb.Message)
	}
}

// tagged returns the BUNDLE-tagged m-section: the first accepted one.
func (pc *PeerConnection) tagged() *mSection {
	secs := pc.sections
	if len(secs) == 0 {
		secs = pc.offerSections
	}
	for _, s := range secs {
		if !s.rejected {
			return s
		}
	}
	return nil
}

// sendDatagram hands a DTLS record to the selected pair. A direct pair's
// datagrams go straight to the outbox (no copy, no second queue); a relayed
// pair's go through the agent, which wraps them for TURN. Before ICE
// selects a pair (a DTLS server answering a ClientHello that raced the
// nomination), it replies on the path the peer's DTLS came from.
func (pc *PeerConnection) sendDatagram(b []byte) error {
	if pc.hasSelected {
		if !pc.selectedRelay {
			return pc.outbox.Push(shared.TaggedBytes{Now: pc.clock.Now(), Transport: pc.selected, Message: b})
		}
		err := pc.ice.HandleWrite(b)
		pc.timeouts.mark(layerICE)
		if err == nil || !errors.Is(err, ice.ErrNoSelectedPair) {
			return err
		}
	}
	return ice.ErrNoSelectedPair
}

// outboxRoom is how many datagrams the outbox must have free before more
// SCTP packets are pulled: SCTP keeps what is not pulled (its own send
// queue is the buffer), so a burst never overflows the outbox.
const outboxRoom = 64

// LayerStats are the counters of the layers under the PeerConnection
// (W3C getStats in Go form). A layer that does not exist yet has zero stats.
type LayerStats struct {
	ICE  ice.Stats
	DTLS dtls.Stats
	SCTP sctp.Stats
}

// LayerStats returns the counters of ICE, DTLS and SCTP.
func (pc *PeerConnection) LayerStats() LayerStats {
	s := LayerStats{ICE: pc.ice.Stats()}
	if pc.transport.dtls != nil {
		s.DTLS = pc.transport.dtls.Stats()
	}
	if pc.transport.dc != nil {
		s.SCTP = pc.transport.dc.Association().Stats()
	}
	return s
}
