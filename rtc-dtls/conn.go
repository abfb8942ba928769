package dtls

import (
	"crypto/ecdh"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"github.com/sansrtc/rtc/rtc-shared"
)

// connState is the overall state of a Conn.
type connState uint8

const (
	// stateHandshake: flights are being exchanged (RFC 6347 §4.2.4
	// PREPARING/SENDING/WAITING).
	stateHandshake connState = iota
	// stateEstablished: both Finished messages verified; application data
	// flows (RFC 6347 §4.2.4 FINISHED).
	stateEstablished
	// stateClosed: close_notify was sent or received, or a fatal alert or
	// timeout ended the connection. Nothing more is sent or accepted.
	stateClosed
)

func (s connState) String() string {
	switch s {
	case stateHandshake:
		return "handshake"
	case stateEstablished:
		return "established"
	case stateClosed:
		return "closed"
	}
	return "connState(?)"
}

// hsStep is the handshake message a Conn expects next.
type hsStep uint8

const (
	// client steps (RFC 5246 §7.3 message flow)
	stepServerHello hsStep = iota // HelloVerifyRequest or ServerHello
	stepServerCertificate
	stepServerKeyExchange
	stepCertReqOrDone
	stepServerHelloDone
	stepServerFinished
	// server steps
	stepClientHello
	stepClientCertificate
	stepClientKeyExchange
	stepCertificateVerify
	stepClientFinished
	stepDone
)

// EventKind says what an Event reports.
type EventKind uint8

// Event kinds.
const (
	// EventHandshakeComplete: the handshake finished. Sets State (the
	// negotiated parameters, SRTP profile and keying material).
	EventHandshakeComplete EventKind = iota + 1
	// EventAlert: an alert was received that did not close the connection
	// (a warning), or one was sent. Sets Alert, Level and Remote.
	EventAlert
	// EventClosed: the connection ended. Sets Err: nil for an orderly
	// close_notify exchange or a local Close, an *AlertError for a fatal
	// alert (Remote says who sent it), ErrHandshakeTimeout on timeout.
	EventClosed
)

// String names the kind.
func (k EventKind) String() string {
	switch k {
	case EventHandshakeComplete:
		return "HandshakeComplete"
	case EventAlert:
		return "Alert"
	case EventClosed:
		return "Closed"
	}
	return "EventKind(?)"
}

// Event is what PollEvent returns. The doc of each EventKind says which
// fields it sets.
type Event struct {
	Kind   EventKind
	State  *ConnectionState
	Alert  Alert
	Level  AlertLevel
	Remote bool
	Err    error
}

// Command is what HandleEvent accepts. DTLS has no control events yet:
// HandleEvent accepts the zero Command and does nothing.
type Command struct{}

// flightMsg is one message of the flight we last sent, kept for
// retransmission (RFC 6347 §4.2.4).
type flightMsg struct {
	ccs   bool   // a ChangeCipherSpec record rather than a handshake message
	epoch uint16 // epoch the record goes out under
	typ   HandshakeType
	seq   uint16
	body  []byte
}

var _ shared.Protocol[[]byte, []byte, Command, Event] = (*Conn)(nil)

// Conn is a DTLS 1.2 endpoint, client or server, as a sans-I/O state
// machine. It is not safe for concurrent use.
type Conn struct {
	cfg      Config
	isClient bool
	clock    shared.Clock
	tr       shared.TransportContext
	learnTr  bool // the server learns its peer from the first datagram
	state    connState
	step     hsStep
	stats    Stats

	// record layer (RFC 6347 §4.1)
	writeEpoch  uint16
	writeSeq    [2]uint64
	writeCipher recordCipher // epoch 1
	readCipher  recordCipher // epoch 1
	replay      [2]shared.ReplayWindow
	peerEpoch1  bool // an authenticated epoch-1 record arrived (the peer's keys are in use)

	// handshake layer (RFC 6347 §4.2)
	sendSeq     uint16
	recvSeq     uint16
	reasm       reassembler
	transcript  []byte
	flight      []flightMsg
	finalFlight bool     // c.flight ends the handshake (no timer; resent only on request)
	early       [][]byte // epoch-1 records that arrived before the keys (replayed once keys exist)
	earlyData   [][]byte // application data that arrived before the handshake completed
	hs          handshakeState

	// timers
	rtxDeadline   time.Time
	rtxInterval   time.Duration
	rtxCount      int // retransmissions of the current flight
	hsDeadline    time.Time
	cookieRotate  time.Time
	cookieSecrets [2][32]byte

	// queues
	out    shared.Queue[[]byte]
	reads  shared.Queue[[]byte]
	events shared.Queue[Event]

	scratch []byte // decryption buffer
	conn    *ConnectionState
	err     error // what closed the connection
}

// handshakeState is what the handshake accumulates.
type handshakeState struct {
	clientRandom, serverRandom [32]byte
	clientHello                []byte // our last ClientHello message (client)
	cookie                     []byte
	hvrCount                   int
	suite                      *suiteInfo
	group                      Group
	ecdhKey                    *ecdh.PrivateKey
	peerPub                    []byte
	peerCerts                  [][]byte
	peerLeaf                   *x509.Certificate
	certRequested              bool
	peerSchemes                []SignatureScheme // from CertificateRequest or signature_algorithms
	ems                        bool
	secureReneg                bool
	srtpProfile                SRTPProtectionProfile
	srtpMKI                    []byte
	alpn                       string
	masterSecret               []byte
	expectFinished             []byte
}

// Stats counts what a Conn did and dropped.
type Stats struct {
	DatagramsIn, DatagramsOut uint64
	RecordsIn, RecordsOut     uint64
	// Dropped records, by reason.
	Malformed      uint64 // could not be parsed
	WrongEpoch     uint64 // an epoch we have no keys for, or epoch 0 data after the handshake
	Replayed       uint64 // already seen or left of the replay window
	AuthFailed     uint64 // failed decryption or MAC
	Unexpected     uint64 // content not acceptable in the current state
	BadHandshake   uint64 // handshake fragments that could not be used
	LimitExceeded  uint64 // fragments or messages over a configured limit
	QueueFull      uint64 // application data dropped because the read queue was full
	AfterClose     uint64 // records that arrived after the connection closed
	Retransmits    uint64 // flights retransmitted (timer or peer retransmission)
	HelloVerifies  uint64 // HelloVerifyRequests sent (server) or received (client)
	UnknownExtSeen uint64 // unknown hello extensions tolerated
}

// NewClient returns a client that has queued its first flight (a
// ClientHello); drain PollWrite. now starts the retransmission and
// handshake timers. tr is the path datagrams leave on (PollWrite copies it).
func NewClient(now time.Time, tr shared.TransportContext, cfg *Config) (*Conn, error) {
	c, err := newConn(now, tr, cfg, true)
	if err != nil {
		return nil, err
	}
	if err := c.clientStart(); err != nil {
		return nil, err
	}
	return c, nil
}

// NewServer returns a server that waits for a ClientHello. If tr.Peer is
// not valid, the server takes its path from the first datagram it reads.
func NewServer(now time.Time, tr shared.TransportContext, cfg *Config) (*Conn, error) {
	c, err := newConn(now, tr, cfg, false)
	if err != nil {
		return nil, err
	}
	c.learnTr = !tr.Peer.IsValid()
	c.step = stepClientHello
	// The handshake timeout starts with the first acceptable ClientHello:
	// a server may wait for its client as long as its owner likes.
	c.hsDeadline = time.Time{}
	if c.cfg.HelloVerify {
		if err := c.rotateCookieSecret(); err != nil {
			return nil, err
		}
		if err := c.rotateCookieSecret(); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func newConn(now time.Time, tr shared.TransportContext, cfg *Config, client bool) (*Conn, error) {
	if cfg == nil || cfg.Certificate == nil || len(cfg.Certificate.Certificate) == 0 || cfg.Certificate.PrivateKey == nil {
		return nil, ErrNoCertificate
	}
	if len(cfg.PeerFingerprints) == 0 && cfg.VerifyPeerCertificate == nil && !cfg.InsecureSkipVerify {
		return nil, ErrNoVerification
	}
	c := &Conn{cfg: *cfg, isClient: client, tr: tr}
	c.clock.Advance(now)
	q := c.cfg.maxQueued()
	c.out = shared.NewQueue[[]byte](q)
	c.reads = shared.NewQueue[[]byte](q)
	c.events = shared.NewQueue[Event](q)
	c.replay[0] = shared.NewReplayWindow(c.cfg.replayWindow())
	c.replay[1] = shared.NewReplayWindow(c.cfg.replayWindow())
	c.rtxInterval = c.cfg.rtxInitial()
	c.hsDeadline = now.Add(c.cfg.handshakeTimeout())
	return c, nil
}

// IsClient reports whether the Conn is the client.
func (c *Conn) IsClient() bool { return c.isClient }

// Stats returns the counters.
func (c *Conn) Stats() Stats { return c.stats }

// Transport returns the path datagrams are sent on.
func (c *Conn) Transport() shared.TransportContext { return c.tr }

// SetTransport changes the path later datagrams are sent on (after an ICE
// path switch, say).
func (c *Conn) SetTransport(tr shared.TransportContext) { c.tr = tr; c.learnTr = false }

// ConnectionState returns the negotiated parameters once the handshake has
// completed.
func (c *Conn) ConnectionState() (ConnectionState, bool) {
	if c.conn == nil {
		return ConnectionState{}, false
	}
	return *c.conn, true
}

// Err returns what ended the connection (nil while it is open or after an
// orderly close).
func (c *Conn) Err() error { return c.err }

// HandleRead processes one datagram: one or more records (RFC 6347
// §4.1.1). msg.Message is borrowed for the duration of the call. Records
// that are malformed, replayed, of an unknown epoch or unauthenticated are
// dropped and counted in Stats; the first reason is returned wrapped in
// ErrDropped. A fatal handshake failure returns an *AlertError (the alert
// is queued for PollWrite and EventClosed for PollEvent).
func (c *Conn) HandleRead(msg shared.TaggedBytes) error {
	c.clock.Advance(msg.Now)
	c.stats.DatagramsIn++
	if c.state == stateClosed {
		c.stats.AfterClose++
		return ErrClosed
	}
	if c.learnTr {
		// Local is where it arrived and Peer where it came from: the same
		// path a reply takes (shared.TransportContext).
		c.tr = msg.Transport
		c.learnTr = false
	}
	var first error
	retransmit := false
	b := msg.Message
	for len(b) > 0 && c.state != stateClosed {
		h, frag, rest, err := ParseRecord(b)
		if err != nil {
			c.stats.Malformed++
			if first == nil {
				first = fmt.Errorf("%w: %w", ErrDropped, err)
			}
			break // the rest of the datagram cannot be delimited
		}
		b = rest
		c.stats.RecordsIn++
		old, err := c.handleRecord(&h, frag)
		if err == nil && c.readCipher != nil && len(c.early) > 0 {
			old2, err2 := c.replayEarly()
			old, err = old || old2, err2
		}
		retransmit = retransmit || old
		if err != nil {
			var ae *AlertError
			if errors.As(err, &ae) {
				return err
			}
			if first == nil {
				first = err
			}
		}
	}
	// RFC 6347 §4.2.4: a retransmitted flight from the peer means it lost
	// ours; send it again (once per datagram). Once established, only the
	// side that sent the final flight does so: the other side's last flight
	// has provably arrived, and answering would make the two sides bounce
	// duplicates at each other forever.
	if retransmit && len(c.flight) > 0 && (c.state == stateHandshake || (c.state == stateEstablished && c.finalFlight)) {
		c.stats.Retransmits++
		if err := c.sendFlight(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// maxEarly is how many epoch-1 records are held until the keys exist.
const maxEarly = 4

// replayEarly processes the buffered epoch-1 records now that the keys
// exist.
func (c *Conn) replayEarly() (old bool, err error) {
	early := c.early
	c.early = nil
	for _, rec := range early {
		h, frag, _, perr := ParseRecord(rec)
		if perr != nil {
			continue
		}
		o, e := c.handleRecord(&h, frag)
		old = old || o
		if e != nil && err == nil {
			err = e
		}
		if c.state == stateClosed {
			break
		}
	}
	return old, err
}

func dropped(err error) error { return fmt.Errorf("%w: %w", ErrDropped, err) }

// handleRecord unprotects and dispatches one record. old reports a
// retransmitted handshake message from the peer.
func (c *Conn) handleRecord(h *RecordHeader, frag []byte) (old bool, err error) {
	if h.Epoch > 1 {
		c.stats.WrongEpoch++
		return false, dropped(errors.New("unknown epoch"))
	}
	rw := &c.replay[h.Epoch]
	if !rw.Check(h.Seq) {
		c.stats.Replayed++
		return false, dropped(errors.New("replayed record"))
	}
	plain := frag
	if h.Epoch == 1 {
		if c.readCipher == nil {
			// RFC 6347 §4.1: records of the next epoch that arrive before
			// the keys "MAY" be buffered; a few are, to survive reordering.
			if c.state == stateHandshake && len(c.early) < maxEarly {
				rec := h.AppendTo(make([]byte, 0, recordHeaderLen+len(frag)))
				c.early = append(c.early, append(rec, frag...))
				return false, nil
			}
			c.stats.WrongEpoch++
			return false, dropped(errors.New("epoch 1 record before keys"))
		}
		if cap(c.scratch) < len(frag) {
			c.scratch = make([]byte, 0, max(len(frag), 2048))
		}
		p, err := c.readCipher.open(c.scratch[:0], *h, frag)
		if err != nil {
			c.stats.AuthFailed++
			return false, dropped(err)
		}
		plain = p
	}
	if len(plain) > maxPlaintext {
		c.stats.Malformed++
		return false, dropped(errRecordTooLong)
	}
	// RFC 6347 §4.1.2.6: update the window only after authentication.
	switch h.Type {
	case ContentApplicationData:
		if h.Epoch == 1 && c.state == stateHandshake && len(c.earlyData) < maxEarly {
			// Authenticated data that overtook the peer's Finished: held
			// until the handshake completes.
			rw.Accept(h.Seq)
			c.earlyData = append(c.earlyData, append([]byte(nil), plain...))
			return false, nil
		}
		if h.Epoch != 1 || c.state != stateEstablished {
			c.stats.Unexpected++
			return false, dropped(errors.New("application data outside epoch 1 or before the handshake completed"))
		}
		if c.reads.Full() {
			c.stats.QueueFull++
			return false, dropped(ErrQueueFull)
		}
		rw.Accept(h.Seq)
		c.peerEpoch1 = true
		_ = c.reads.Push(append([]byte(nil), plain...))
		return false, nil
	case ContentAlert:
		if h.Epoch == 0 && c.peerEpoch1 {
			// Once the peer protects its records, an unprotected alert
			// could be anyone's.
			c.stats.WrongEpoch++
			return false, dropped(errors.New("plaintext alert after the peer switched epochs"))
		}
		if len(plain) != 2 {
			c.stats.Malformed++
			return false, dropped(errors.New("malformed alert"))
		}
		rw.Accept(h.Seq)
		if h.Epoch == 1 {
			c.peerEpoch1 = true
		}
		return false, c.handleAlert(AlertLevel(plain[0]), Alert(plain[1]))
	case ContentChangeCipherSpec:
		// RFC 6347 §4.1: the CCS carries the single byte 1. The epoch
		// switch itself is implied by epoch-1 records, which are
		// authenticated, so the CCS needs no further processing.
		if len(plain) != 1 || plain[0] != 1 {
			c.stats.Malformed++
			return false, dropped(errors.New("malformed change_cipher_spec"))
		}
		rw.Accept(h.Seq)
		return false, nil
	case ContentHandshake:
		rw.Accept(h.Seq)
		if h.Epoch == 1 {
			c.peerEpoch1 = true
		}
		return c.handleHandshakeRecord(h.Epoch, plain)
	}
	c.stats.Malformed++
	return false, dropped(errRecordType)
}

// handleHandshakeRecord feeds the fragments of one record to reassembly and
// processes every message that completes, in message_seq order.
func (c *Conn) handleHandshakeRecord(epoch uint16, b []byte) (old bool, err error) {
	for len(b) > 0 {
		h, frag, rest, perr := ParseHandshakeFragment(b)
		if perr != nil {
			c.stats.BadHandshake++
			return old, dropped(perr)
		}
		b = rest
		if c.step == stepClientHello && h.Type == TypeClientHello {
			// RFC 6347 §4.2.2: the server's first ClientHello may have any
			// message_seq (0, or 1 after a HelloVerifyRequest).
			if err := c.bufferFragment(&h, epoch, frag, true); err != nil {
				return old, err
			}
		} else {
			if h.MessageSeq < c.recvSeq {
				old = true
				continue
			}
			if err := c.bufferFragment(&h, epoch, frag, false); err != nil {
				return old, err
			}
		}
		if err := c.processReady(); err != nil {
			return old, err
		}
		if c.state == stateClosed {
			return old, nil
		}
	}
	return old, nil
}

// maxAhead is how far beyond the next expected message_seq fragments are
// buffered.
const maxAhead = 8

func (c *Conn) bufferFragment(h *HandshakeHeader, epoch uint16, frag []byte, anySeq bool) error {
	if !anySeq && h.MessageSeq >= c.recvSeq+maxAhead {
		c.stats.LimitExceeded++
		return dropped(errors.New("handshake message too far ahead"))
	}
	if int(h.Length) > c.cfg.maxHandshakeMessage() {
		c.stats.LimitExceeded++
		return dropped(fmt.Errorf("%w: handshake message of %d bytes", ErrLimit, h.Length))
	}
	p := c.reasm.find(h.MessageSeq)
	if p == nil {
		if c.reasm.buffered+int(h.Length) > c.cfg.maxBufferedHandshake() {
			c.stats.LimitExceeded++
			return dropped(fmt.Errorf("%w: reassembly buffer full", ErrLimit))
		}
		p = &pendingMessage{seq: h.MessageSeq, typ: h.Type, epoch: epoch, body: make([]byte, h.Length)}
		c.reasm.msgs = append(c.reasm.msgs, p)
		c.reasm.buffered += int(h.Length)
	}
	if !p.add(h, epoch, frag) {
		c.stats.BadHandshake++
		return dropped(errors.New("inconsistent handshake fragment"))
	}
	return nil
}

// processReady processes complete messages in order.
func (c *Conn) processReady() error {
	for c.state != stateClosed {
		var p *pendingMessage
		if c.step == stepClientHello {
			for _, m := range c.reasm.msgs {
				if m.typ == TypeClientHello && m.complete() {
					p = m
					break
				}
			}
		} else {
			p = c.reasm.find(c.recvSeq)
			if p != nil && !p.complete() {
				p = nil
			}
		}
		if p == nil {
			return nil
		}
		c.reasm.remove(p.seq)
		if c.step != stepClientHello {
			c.recvSeq++
		}
		var err error
		if c.isClient {
			err = c.clientHandle(p)
		} else {
			err = c.serverHandle(p)
		}
		if err != nil {
			return c.handshakeFailed(err)
		}
	}
	return nil
}

// handshakeFailed sends the fatal alert of a local failure and closes. A
// non-alert error becomes internal_error.
func (c *Conn) handshakeFailed(err error) error {
	var ae *AlertError
	if !errors.As(err, &ae) {
		ae = failErr(AlertInternalError, err)
	}
	c.sendAlert(AlertLevelFatal, ae.Alert)
	c.closeWith(ae)
	return ae
}

// closeWith moves to stateClosed and reports EventClosed with err.
func (c *Conn) closeWith(err error) {
	if c.state == stateClosed {
		return
	}
	c.state = stateClosed
	c.err = err
	c.rtxDeadline = time.Time{}
	c.hsDeadline = time.Time{}
	c.pushEvent(Event{Kind: EventClosed, Err: err, Remote: isRemote(err)})
}

func isRemote(err error) bool {
	var ae *AlertError
	return errors.As(err, &ae) && ae.Remote
}

// pushEvent queues an event. The event queue is sized so that the few
// events of a connection always fit; a full queue drops the oldest
// notification rather than the newest, and counts it.
func (c *Conn) pushEvent(e Event) {
	if c.events.Full() {
		c.events.Pop()
		c.stats.QueueFull++
	}
	_ = c.events.Push(e)
}

func (c *Conn) handleAlert(level AlertLevel, a Alert) error {
	if a == AlertCloseNotify {
		// RFC 5246 §7.2.1: "the other party MUST respond with a
		// close_notify alert of its own and close down the connection
		// immediately, discarding any pending writes."
		c.sendAlert(AlertLevelWarning, AlertCloseNotify)
		c.closeWith(nil)
		return nil
	}
	if level == AlertLevelFatal {
		err := &AlertError{Alert: a, Remote: true}
		c.closeWith(err)
		return err
	}
	c.pushEvent(Event{Kind: EventAlert, Alert: a, Level: level, Remote: true})
	return nil
}

// sendAlert queues an alert record under the current write epoch.
func (c *Conn) sendAlert(level AlertLevel, a Alert) {
	if c.state == stateClosed {
		return
	}
	dg, err := c.sealRecord(nil, ContentAlert, c.writeEpoch, []byte{byte(level), byte(a)})
	if err == nil {
		c.queueDatagram(dg)
	}
}

// queueDatagram hands a datagram to PollWrite's queue.
func (c *Conn) queueDatagram(dg []byte) error {
	if err := c.out.Push(dg); err != nil {
		c.stats.QueueFull++
		return ErrQueueFull
	}
	c.stats.DatagramsOut++
	return nil
}

// sealRecord appends one record of the given type under epoch.
func (c *Conn) sealRecord(out []byte, typ ContentType, epoch uint16, payload []byte) ([]byte, error) {
	if c.writeSeq[epoch] > maxSeq {
		return out, errors.New("dtls: sequence number space exhausted")
	}
	h := RecordHeader{Type: typ, Version: versionDTLS12, Epoch: epoch, Seq: c.writeSeq[epoch]}
	c.writeSeq[epoch]++
	c.stats.RecordsOut++
	if epoch == 0 {
		h.Length = uint16(len(payload))
		out = h.AppendTo(out)
		return append(out, payload...), nil
	}
	start := len(out)
	out = h.AppendTo(out)
	out, err := c.writeCipher.seal(out, h, payload, c.cfg.rand())
	if err != nil {
		return out[:start], err
	}
	n := len(out) - start - recordHeaderLen
	out[start+11], out[start+12] = byte(n>>8), byte(n)
	return out, nil
}

// overheadFor is the record overhead under epoch.
func (c *Conn) overheadFor(epoch uint16) int {
	if epoch == 0 || c.writeCipher == nil {
		return recordHeaderLen
	}
	return recordHeaderLen + c.writeCipher.overhead()
}

// sendFlight (re)transmits the current flight: handshake messages
// fragmented to the MTU (RFC 6347 §4.2.3), several records per datagram,
// with fresh record sequence numbers.
func (c *Conn) sendFlight() error {
	mtu := c.cfg.mtu()
	var dg []byte
	flush := func() error {
		if len(dg) == 0 {
			return nil
		}
		err := c.queueDatagram(dg)
		dg = nil
		return err
	}
	for i := range c.flight {
		m := &c.flight[i]
		ovh := c.overheadFor(m.epoch)
		if m.ccs {
			if len(dg)+ovh+1 > mtu {
				if err := flush(); err != nil {
					return err
				}
			}
			var err error
			if dg, err = c.sealRecord(dg, ContentChangeCipherSpec, m.epoch, []byte{1}); err != nil {
				return err
			}
			continue
		}
		off := 0
		for first := true; first || off < len(m.body); first = false {
			room := mtu - len(dg) - ovh - handshakeHeaderLen
			if room < 32 && len(dg) > 0 {
				if err := flush(); err != nil {
					return err
				}
				room = mtu - ovh - handshakeHeaderLen
			}
			room = max(room, 32)
			n := min(room, len(m.body)-off)
			hh := HandshakeHeader{Type: m.typ, Length: uint32(len(m.body)), MessageSeq: m.seq,
				FragmentOffset: uint32(off), FragmentLength: uint32(n)}
			payload := make([]byte, 0, handshakeHeaderLen+n)
			payload = hh.AppendTo(payload)
			payload = append(payload, m.body[off:off+n]...)
			var err error
			if dg, err = c.sealRecord(dg, ContentHandshake, m.epoch, payload); err != nil {
				return err
			}
			off += n
		}
	}
	return flush()
}

// startFlight replaces the flight, sends it and arms the retransmission
// timer (RFC 6347 §4.2.4.1). last is true for a flight that ends the
// handshake (it is only retransmitted when the peer retransmits).
func (c *Conn) startFlight(msgs []flightMsg, last bool) error {
	c.flight = msgs
	c.finalFlight = last
	// RFC 6347 §4.2.4.1: "Implementations SHOULD retain the current timer
	// value until a transmission without loss occurs, at which time the
	// value may be reset to the initial value."
	if c.rtxCount == 0 {
		c.rtxInterval = c.cfg.rtxInitial()
	}
	c.rtxCount = 0
	if last {
		c.rtxDeadline = time.Time{}
	} else {
		c.rtxDeadline = c.clock.Now().Add(c.rtxInterval)
	}
	return c.sendFlight()
}

// addMessage appends a handshake message we send to the flight and the
// transcript, taking the next message_seq.
func (c *Conn) addMessage(msgs []flightMsg, typ HandshakeType, body []byte, epoch uint16, hash bool) []flightMsg {
	seq := c.sendSeq
	c.sendSeq++
	if hash {
		c.transcript = appendMessage(c.transcript, typ, seq, body)
	}
	return append(msgs, flightMsg{typ: typ, seq: seq, body: body, epoch: epoch})
}

// hashMessage adds a received message to the transcript.
func (c *Conn) hashMessage(p *pendingMessage) {
	c.transcript = appendMessage(c.transcript, p.typ, p.seq, p.body)
}

// PollWrite returns the next datagram to send. The bytes belong to the
// caller.
func (c *Conn) PollWrite() (shared.TaggedBytes, bool) {
	dg, ok := c.out.Pop()
	if !ok {
		return shared.TaggedBytes{}, false
	}
	return shared.TaggedBytes{Now: c.clock.Now(), Transport: c.tr, Message: dg}, true
}

// PollRead returns the next application data record's plaintext. The bytes
// belong to the caller.
func (c *Conn) PollRead() ([]byte, bool) {
	return c.reads.Pop()
}

// PollEvent returns the next event.
func (c *Conn) PollEvent() (Event, bool) {
	return c.events.Pop()
}

// HandleEvent accepts the zero Command and does nothing (DTLS has no
// control events).
func (c *Conn) HandleEvent(Command) error { return nil }

// HandleWrite sends msg as one application_data record in its own datagram
// (RFC 6347 §4.1.1: a record never spans datagrams). msg is copied; it may
// be reused after the call. A message above 16384 bytes is refused with
// ErrMessageTooLarge; one above the MTU minus the record overhead is sent
// anyway (MaxPayload reports the limit to stay within the MTU).
func (c *Conn) HandleWrite(msg []byte) error {
	switch c.state {
	case stateClosed:
		return ErrClosed
	case stateHandshake:
		return ErrHandshakeNotDone
	}
	if len(msg) > maxPlaintext {
		return ErrMessageTooLarge
	}
	if c.out.Full() {
		c.stats.QueueFull++
		return ErrQueueFull
	}
	dg := make([]byte, 0, recordHeaderLen+c.writeCipher.overhead()+len(msg))
	dg, err := c.sealRecord(dg, ContentApplicationData, 1, msg)
	if err != nil {
		return err
	}
	return c.queueDatagram(dg)
}

// MaxPayload is the largest application data that fits in one datagram of
// the configured MTU (0 before the handshake completes).
func (c *Conn) MaxPayload() int {
	if c.writeCipher == nil {
		return 0
	}
	return c.cfg.mtu() - recordHeaderLen - c.writeCipher.overhead()
}

// HandleTimeout fires the retransmission timer (RFC 6347 §4.2.4.1: double
// the interval up to RetransmitMax and send the flight again) and the
// handshake timeout. Calling it early is harmless.
func (c *Conn) HandleTimeout(now time.Time) error {
	now = c.clock.Advance(now)
	if c.state == stateClosed {
		return nil
	}
	if !c.hsDeadline.IsZero() && !now.Before(c.hsDeadline) && c.state == stateHandshake {
		c.closeWith(ErrHandshakeTimeout)
		return ErrHandshakeTimeout
	}
	if c.cfg.HelloVerify && !c.isClient && !c.cookieRotate.IsZero() && !now.Before(c.cookieRotate) {
		if err := c.rotateCookieSecret(); err != nil {
			return err
		}
	}
	if !c.rtxDeadline.IsZero() && !now.Before(c.rtxDeadline) {
		c.rtxInterval = min(2*c.rtxInterval, c.cfg.rtxMax())
		c.rtxCount++
		c.rtxDeadline = now.Add(c.rtxInterval)
		c.stats.Retransmits++
		return c.sendFlight()
	}
	return nil
}

// PollTimeout returns the next deadline: the retransmission timer, the
// handshake timeout or the cookie secret rotation, whichever is first.
func (c *Conn) PollTimeout() (time.Time, bool) {
	if c.state == stateClosed {
		return time.Time{}, false
	}
	d := c.rtxDeadline
	if c.state == stateHandshake {
		d = shared.Earliest(d, c.hsDeadline)
	}
	if c.cfg.HelloVerify && !c.isClient && c.state == stateHandshake {
		d = shared.Earliest(d, c.cookieRotate)
	}
	if d.IsZero() {
		return time.Time{}, false
	}
	return c.clock.Clamp(d), true
}

// Close sends close_notify (RFC 5246 §7.2.1) if the handshake completed
// and closes the connection; EventClosed follows with a nil Err. Further
// HandleWrite calls return ErrClosed. Closing twice is harmless.
func (c *Conn) Close() error {
	if c.state == stateClosed {
		return nil
	}
	if c.state == stateHandshake {
		// RFC 5246 §7.2.2: user_canceled "should be followed by a
		// close_notify".
		c.sendAlert(AlertLevelWarning, AlertUserCanceled)
	}
	c.sendAlert(AlertLevelWarning, AlertCloseNotify)
	c.closeWith(nil)
	return nil
}

// complete finishes the handshake: state, event, timers.
func (c *Conn) complete() {
	c.state = stateEstablished
	c.step = stepDone
	c.hsDeadline = time.Time{}
	c.conn = c.buildState()
	c.pushEvent(Event{Kind: EventHandshakeComplete, State: c.conn})
	for _, d := range c.earlyData {
		if c.reads.Push(d) != nil {
			c.stats.QueueFull++
		}
	}
	c.earlyData = nil
}
