package dtls

import (
	"crypto/x509"
	"errors"
	"fmt"
	"github.com/sansrtc/rtc/rtc-dtls/internal/tls13"
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

var _ shared.Protocol[[]byte, []byte, Command, Event] = (*Conn)(nil)

// Conn is a DTLS 1.2 endpoint, client or server, as a sans-I/O state
// machine. It is not safe for concurrent use.
type Conn struct {
	cfg   Config
	clock shared.Clock
	tr    shared.TransportContext
	inTr  shared.TransportContext // where the datagram being processed came from
	stats Stats

	// record layer (RFC 6347 §4.1)
	inRecordSeq uint64 // sequence number of the handshake record being processed
	writeSeq    [2]uint64
	writeCipher recordCipher        // epoch 1
	readCipher  recordCipher        // epoch 1
	replay      shared.ReplayWindow // epoch 1 only (RFC 6347 §4.1.2.6)

	// record_size_limit (RFC 8449) in DTLS 1.2: 0 until negotiated.
	peerRecordLimit int // the largest plaintext we may put in a protected record
	ourRecordLimit  int // the largest plaintext we accept in one
	// connection IDs (RFC 9146), see cid.go.
	cid cidState

	// handshake layer (RFC 6347 §4.2)
	reasm      reassembler
	transcript []byte
	flight     []flightMsg
	early      [][]byte // epoch-1 records that arrived before the keys (replayed once keys exist)
	earlyData  [][]byte // application data that arrived before the handshake completed
	// hs is what the 1.2 handshake accumulates; nil once the handshake is
	// complete (either version), when a 1.2 connection keeps export only
	// (issue 18: 336 bytes that an established Conn held inline).
	hs     *handshakeState
	export *exportSecret

	// timers
	rtxDeadline time.Time
	rtxInterval time.Duration
	rtxCount    int       // retransmissions of the current flight
	flightSent  time.Time // when the current flight was last (re)sent
	hsDeadline  time.Time
	// cookies holds a HelloVerifyRequest server's cookie secrets; nil for
	// a client and a server that never needed them (88 bytes).
	cookies *cookieState

	// queues
	out    shared.Queue[outDatagram]
	reads  shared.Queue[[]byte]
	events shared.EventQueue[Event]

	scratch []byte // decryption buffer
	// free holds buffers handed back with ReleaseWrite and ReleaseRead
	// (see buffers.go); recycling (below) is set once the caller does.
	free      shared.FreeList
	idlePolls int // empty polls in a row (buffers.go)
	conn      *ConnectionState
	err       error // what closed the connection

	// v13, once set, runs the connection as DTLS 1.3 (conn13.go).
	v13 *tls13.Endpoint
	// shares13 are the 1.3 key shares a client offering both versions
	// sends in every ClientHello, handed to v13 if the server picks 1.3.
	shares13 []*tls13.ClientKeyShare

	// The small fields, together so that the struct has no padding (issue
	// 18: 1456 bytes, the 1536-byte size class; 1776 (1792) with hs
	// inline, 1904 (2048) before).
	writeEpoch  uint16
	sendSeq     uint16 // handshake message_seq
	recvSeq     uint16
	state       connState
	step        hsStep
	isClient    bool
	learnTr     bool // a server created without a peer: it binds to a ClientHello's source (source.go)
	bound       bool // learnTr: c.tr is the source of the ClientHello being answered
	verified    bool // learnTr: that source returned a valid cookie, so it cannot be displaced
	hvrSent     bool // a HelloVerifyRequest or refusal answered the datagram being processed
	peerEpoch1  bool // an authenticated epoch-1 record arrived (the peer's keys are in use)
	finalFlight bool // c.flight ends the handshake (no timer; resent only on request)
	mtuBackoff  bool // flights are fragmented for backoffMTU (RFC 6347 §4.1.1.1)
	recycling   bool
	quiet       uint8 // small records still to serve with buffers of their size (buffers.go)
}

// cookieState is the cookie secrets of a server that sends
// HelloVerifyRequests (RFC 6347 §4.2.1): the current and the previous one,
// and when the current one is replaced.
type cookieState struct {
	secrets [2][32]byte
	rotate  time.Time
}

// exportSecret is what a DTLS 1.2 connection keeps of its handshake for
// the exporter (RFC 5705 §4: the PRF over the master secret, with the
// client and server randoms as the seed).
type exportSecret struct {
	suite        *suiteInfo
	masterSecret []byte
	randoms      [64]byte // client_random, then server_random
}

// handshakeState is what the 1.2 handshake accumulates.
type handshakeState struct {
	clientRandom, serverRandom [32]byte
	clientHello                []byte // our last ClientHello message (client)
	cookie                     []byte
	hvrCount                   int
	suite                      *suiteInfo
	group                      Group
	ecdhKey                    tls13.ECDHKey
	peerPub                    []byte
	peerCerts                  [][]byte
	peerLeaf                   *x509.Certificate
	certRequested              bool
	peerSchemes                []SignatureScheme // from CertificateRequest or signature_algorithms
	ems                        bool
	secureReneg                bool
	srtpProfile                uint16
	srtpMKI                    []byte
	alpn                       string
	masterSecret               []byte
	expectFinished             []byte
}

// NewClient returns a client that has queued its first flight (a
// ClientHello); drain PollWrite. now starts the retransmission and
// handshake timers. tr is the path datagrams leave on (PollWrite copies it).
func NewClient(now time.Time, tr shared.TransportContext, cfg *Config) (*Conn, error) {
	c, err := newConn(now, tr, cfg, true)
	if err != nil {
		return nil, err
	}
	start := c.clientStart
	if c.cfg.minVersion() == VersionDTLS13 {
		start = c.start13Client
	}
	if err := start(); err != nil {
		return nil, err
	}
	return c, nil
}

// NewServer returns a server that waits for a ClientHello. If tr.Peer is
// not valid, the server binds to the source of the first ClientHello it
// accepts and drops datagrams from elsewhere (source.go).
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
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	c := &Conn{cfg: *cfg, isClient: client, tr: tr, hs: new(handshakeState)}
	c.clock.Advance(now)
	q := c.cfg.maxQueued()
	c.out = shared.NewQueue[outDatagram](q)
	c.reads = shared.NewQueue[[]byte](q)
	c.events = shared.NewEventQueue[Event](q)
	c.events.SetName("dtls events")
	c.replay = shared.NewReplayWindow(c.cfg.replayWindow())
	c.rtxInterval = c.cfg.rtxInitial()
	c.hsDeadline = now.Add(c.cfg.handshakeTimeout())
	if c.wantsCID() {
		// One CID for either version, drawn once (cid.go).
		if _, err := c.ourCID(); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// IsClient reports whether the Conn is the client.
func (c *Conn) IsClient() bool { return c.isClient }

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
// is queued for PollWrite and EventClosed for PollEvent). An event lost to
// a full event queue is reported as an error wrapping shared.ErrQueueFull
// (by this call, or by the next Handle* for one lost during a Poll*).
func (c *Conn) HandleRead(msg shared.TaggedBytes) error {
	return c.events.Report(c.handleRead(msg))
}

func (c *Conn) handleRead(msg shared.TaggedBytes) error {
	c.clock.Advance(msg.Now)
	c.stats.DatagramsIn++
	if c.state == stateClosed {
		c.stats.AfterClose++
		return ErrClosed
	}
	// Local is where it arrived and Peer where it came from: the same path
	// a reply takes (shared.TransportContext).
	c.inTr = msg.Transport
	c.hvrSent = false
	// With a connection ID for records to us, an established Conn takes
	// tls12_cid records from anywhere: an authenticated, newest one moves
	// the peer (RFC 9146 §6, cid.go). Other records from elsewhere are
	// dropped as before.
	cidRoaming := c.receivesCIDNow() && c.state == stateEstablished
	foreign := c.tr.Peer.IsValid() && msg.Transport.Peer != c.tr.Peer
	if c.learnTr && c.bound && foreign && !cidRoaming {
		return c.handleForeign(msg.Message)
	}
	if c.v13 != nil {
		return c.handleRead13(msg)
	}
	var first error
	retransmit := false
	b := msg.Message
	for len(b) > 0 && c.state != stateClosed {
		h, frag, rest, err := ParseRecordCID(b, c.receivesCID())
		if err != nil {
			c.stats.Malformed++
			if first == nil {
				first = fmt.Errorf("%w: %w", ErrDropped, err)
			}
			break // the rest of the datagram cannot be delimited
		}
		b = rest
		c.stats.RecordsIn++
		if foreign && cidRoaming && h.Type != ContentTLS12CID {
			c.stats.WrongSource++
			if first == nil {
				first = dropped(errWrongSource)
			}
			continue
		}
		old, err := c.handleRecord(&h, frag)
		if c.v13 != nil {
			// The handshake moved to DTLS 1.3 (a client offering both got
			// a 1.3 ServerHello): the rest of the datagram is 1.3 records.
			if err == nil && len(b) > 0 {
				err = c.sync13(c.v13.HandleDatagram(c.clock.Now(), b))
			}
			return err
		}
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
	if retransmit && len(c.flight) > 0 && (c.state == stateHandshake || (c.state == stateEstablished && c.finalFlight)) &&
		c.clock.Now().Sub(c.flightSent) >= c.peerRetransmitGap() {
		c.stats.Retransmits++
		if err := c.sendFlight(); err != nil && first == nil {
			first = err
		}
	}
	return first
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

// PollWrite returns the next datagram to send. The bytes belong to the
// caller.
func (c *Conn) PollWrite() (shared.TaggedBytes, bool) {
	dg, ok := c.out.Pop()
	c.notePoll(ok)
	if !ok {
		return shared.TaggedBytes{}, false
	}
	tr := c.tr
	if dg.direct {
		tr = dg.to
	}
	return shared.TaggedBytes{Now: c.clock.Now(), Transport: tr, Message: dg.b}, true
}

// outDatagram is a datagram waiting for PollWrite. Most go to the peer's
// path as it is when polled (SetTransport may change it); a reply to a
// ClientHello from elsewhere (a HelloVerifyRequest, a refusal) goes back
// where that came from.
type outDatagram struct {
	b      []byte
	to     shared.TransportContext
	direct bool
}

// PollRead returns the next application data record's plaintext. The bytes
// belong to the caller.
func (c *Conn) PollRead() ([]byte, bool) {
	b, ok := c.reads.Pop()
	c.notePoll(ok)
	return b, ok
}

// PollEvent returns the next event.
func (c *Conn) PollEvent() (Event, bool) {
	return c.events.Pop()
}

// HandleEvent accepts a Command (see CommandKind); the zero Command does
// nothing. After the Conn closed it returns ErrClosed.
func (c *Conn) HandleEvent(cmd Command) error {
	return c.events.Report(c.handleCommand(cmd))
}

// HandleWrite sends msg as one application_data record in its own datagram
// (RFC 6347 §4.1.1: a record never spans datagrams). msg is copied; it may
// be reused after the call. A message above 16384 bytes, or above the
// peer's record_size_limit (RFC 8449; one byte less with a connection ID),
// is refused with ErrMessageTooLarge; one above the MTU minus the record overhead is sent
// anyway (MaxPayload reports the limit to stay within the MTU).
func (c *Conn) HandleWrite(msg []byte) error {
	return c.events.Report(c.handleWrite(msg))
}

func (c *Conn) handleWrite(msg []byte) error {
	if c.v13 != nil && c.state != stateClosed {
		return c.handleWrite13(msg)
	}
	switch c.state {
	case stateClosed:
		return ErrClosed
	case stateHandshake:
		return ErrHandshakeNotDone
	}
	if len(msg) > c.maxRecordPayload() {
		return ErrMessageTooLarge
	}
	if c.out.Full() {
		c.stats.QueueFull++
		return ErrQueueFull
	}
	dg := c.buffer(c.overheadFor(1) + len(msg))
	dg, err := c.sealRecord(dg, ContentApplicationData, 1, msg)
	if err != nil {
		c.release(dg)
		return err
	}
	return c.queueDatagram(dg)
}

// MaxPayload is the largest application data that fits in one datagram of
// the configured MTU (0 before the handshake completes).
func (c *Conn) MaxPayload() int {
	if c.v13 != nil {
		return c.v13.MaxPayload(c.cfg.mtu())
	}
	if c.writeCipher == nil {
		return 0
	}
	return min(c.cfg.mtu()-c.overheadFor(1), c.maxRecordPayload())
}

// maxRecordPayload is the largest application data one DTLS 1.2 record
// carries: 2^14 (RFC 5246 §6.2.1), or less under the peer's
// record_size_limit, which counts all input to the protection (RFC 8449
// §4), with a CID the content type byte too (RFC 9146 §4).
func (c *Conn) maxRecordPayload() int {
	if c.peerRecordLimit == 0 {
		return maxPlaintext
	}
	if c.sendsCID() {
		return c.peerRecordLimit - 1
	}
	return c.peerRecordLimit
}

// HandleTimeout fires the retransmission timer (RFC 6347 §4.2.4.1: double
// the interval up to RetransmitMax and send the flight again) and the
// handshake timeout. Calling it early is harmless.
func (c *Conn) HandleTimeout(now time.Time) error {
	return c.events.Report(c.handleTimeout(now))
}

func (c *Conn) handleTimeout(now time.Time) error {
	now = c.clock.Advance(now)
	if c.state == stateClosed {
		return nil
	}
	if c.v13 != nil {
		return c.handleTimeout13()
	}
	if !c.hsDeadline.IsZero() && !now.Before(c.hsDeadline) && c.state == stateHandshake {
		c.closeWith(ErrHandshakeTimeout)
		return ErrHandshakeTimeout
	}
	if c.cfg.HelloVerify && !c.isClient && c.cookies != nil && !c.cookies.rotate.IsZero() && !now.Before(c.cookies.rotate) {
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
// handshake timeout or the cookie secret rotation, whichever is first. While
// a Poll* has something to return it reports the latest time seen (the
// drain rule of shared.Protocol): drain, call HandleTimeout, drain again.
func (c *Conn) PollTimeout() (time.Time, bool) {
	d, _ := c.deadline()
	return c.clock.Timeout(d, c.pending())
}

// TimeoutReason names the timer behind PollTimeout (shared.TimeoutReasoner):
// "rtx" (flight retransmission, RFC 6347 §4.2.4.1), "handshake" (the
// handshake timeout), "cookie" (cookie secret rotation), "pending" (output
// waiting to be polled), or "" when there is no deadline.
func (c *Conn) TimeoutReason() string {
	if c.pending() {
		return "pending"
	}
	_, why := c.deadline()
	return why
}

// pending reports output a Poll* would return.
func (c *Conn) pending() bool {
	return c.out.Len() > 0 || c.reads.Len() > 0 || c.events.Len() > 0
}

// deadline is the earliest timer and its name; zero and "" for none.
func (c *Conn) deadline() (time.Time, string) {
	if c.state == stateClosed {
		return time.Time{}, ""
	}
	if c.v13 != nil {
		return c.deadline13()
	}
	d, why := c.rtxDeadline, "rtx"
	earlier := func(t time.Time, name string) {
		if !t.IsZero() && (d.IsZero() || t.Before(d)) {
			d, why = t, name
		}
	}
	if c.state == stateHandshake {
		earlier(c.hsDeadline, "handshake")
		if c.cfg.HelloVerify && !c.isClient && c.cookies != nil {
			earlier(c.cookies.rotate, "cookie")
		}
	}
	if d.IsZero() {
		return time.Time{}, ""
	}
	return d, why
}

// Close sends close_notify (RFC 5246 §7.2.1) if the handshake completed
// and closes the connection; EventClosed follows with a nil Err. Further
// HandleWrite calls return ErrClosed. Closing twice is harmless.
func (c *Conn) Close() error {
	if c.state == stateClosed {
		return c.events.Report(nil)
	}
	if c.v13 != nil {
		c.close13()
		return c.events.Report(nil)
	}
	if c.state == stateHandshake {
		// RFC 5246 §7.2.2: user_canceled "should be followed by a
		// close_notify".
		c.sendAlert(AlertLevelWarning, AlertUserCanceled)
	}
	c.sendAlert(AlertLevelWarning, AlertCloseNotify)
	c.closeWith(nil)
	return c.events.Report(nil)
}

// complete finishes the handshake: state, event, timers.
func (c *Conn) complete() {
	c.state = stateEstablished
	c.step = stepDone
	c.hsDeadline = time.Time{}
	c.conn = c.buildState()
	// What the handshake no longer needs (the flight stays: the peer may
	// still ask for it; the master secret and randoms stay for exporters).
	// The parsed leaf in hs served the signature checks only; it kept the
	// whole Certificate message alive (about 2.7 KB). c.conn holds the
	// chain.
	c.transcript = nil
	c.export = &exportSecret{suite: c.hs.suite, masterSecret: c.hs.masterSecret}
	copy(c.export.randoms[:32], c.hs.clientRandom[:])
	copy(c.export.randoms[32:], c.hs.serverRandom[:])
	c.hs = nil
	c.scratch = nil // 2 KiB; established, only alerts and a repeated Finished use it
	if !c.finalFlight {
		// The peer's final flight answered ours (RFC 6347 §4.2.4): ours
		// is never sent again (HandleRead resends only a final flight),
		// so the client's flight 5 (its certificate, about 1 KB with the
		// slice) goes. The server keeps its final flight for a client
		// that lost it.
		c.flight = nil
	}
	c.shares13 = nil // the 1.3 key shares a client offered beside 1.2 (about 9 KB with ML-KEM)
	c.reasm.clear()
	c.pushEvent(Event{Kind: EventHandshakeComplete, State: c.conn})
	for _, d := range c.earlyData {
		if c.reads.Push(d) != nil {
			c.stats.QueueFull++
		}
	}
	c.earlyData = nil
}
