package tls13

import (
	"crypto"
	"errors"
	"hash"
	"strconv"
	"time"
)

// hsState is the handshake state of an Endpoint (RFC 8446 §A.1, §A.2).
type hsState uint8

const (
	stateStart hsState = iota
	// Client (RFC 8446 §A.1).
	stateWaitSH   // sent ClientHello; waiting for ServerHello or HRR
	stateWaitEE   // have handshake keys; waiting for EncryptedExtensions
	stateWaitCR   // waiting for CertificateRequest or Certificate
	stateWaitCert // waiting for the server Certificate
	stateWaitCV   // waiting for the server CertificateVerify
	stateWaitFin  // waiting for the server Finished
	// Server (RFC 8446 §A.2).
	stateWaitCH         // waiting for a ClientHello (stateless until one is accepted)
	stateWaitClientCert // sent the server flight; waiting for the client Certificate
	stateWaitClientCV   // waiting for the client CertificateVerify
	stateWaitClientFin  // waiting for the client Finished
	// Both.
	stateConnected
	stateClosed
)

var stateNames = [...]string{"start", "wait_sh", "wait_ee", "wait_cert_cr", "wait_cert", "wait_cv", "wait_finished",
	"wait_ch", "wait_client_cert", "wait_client_cv", "wait_client_finished", "connected", "closed"}

func (s hsState) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "hsState(" + strconv.Itoa(int(s)) + ")"
}

// Errors an Endpoint returns.
var (
	// ErrNeedDTLS12 means the peer speaks only DTLS 1.2: the owner hands
	// the ClientHello (server) or ServerHello (client) to its 1.2 machine.
	ErrNeedDTLS12       = errors.New("tls13: peer negotiates DTLS 1.2")
	ErrHandshakeTimeout = errors.New("tls13: handshake timed out")
	ErrClosed           = errors.New("tls13: endpoint closed")
	ErrNotConnected     = errors.New("tls13: handshake not complete")
	ErrKeyUpdatePending = errors.New("tls13: a KeyUpdate is already in flight")
)

// AlertError is a fatal alert, sent by us (Local) or received.
type AlertError struct {
	Description uint8
	Local       bool
	Err         error
}

func (e *AlertError) Error() string {
	who := "peer sent"
	if e.Local {
		who = "we sent"
	}
	s := "tls13: " + who + " alert " + strconv.Itoa(int(e.Description))
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *AlertError) Unwrap() error { return e.Err }

// Alert descriptions used here (RFC 8446 §6).
const (
	alertCloseNotify          = 0
	alertUnexpectedMessage    = 10
	alertBadRecordMAC         = 20
	alertHandshakeFailure     = 40
	alertBadCertificate       = 42
	alertDecryptError         = 51
	alertProtocolVersion      = 70
	alertInternalError        = 80
	alertMissingExtension     = 109
	alertUnsupportedExtension = 110
	alertCertificateRequired  = 116
)

// Stats counts what an Endpoint dropped or did, for tests and logs.
type Stats struct {
	Malformed, UnknownEpoch, Replayed, AuthFailed uint64
	Unauthenticated                               uint64 // plaintext alerts/ACKs ignored once keys exist
	Retransmits, ACKsSent, ACKsReceived           uint64
	HelloRetries                                  uint64 // stateless HRRs sent
	KeyUpdatesSent, KeyUpdatesReceived            uint64
	AppDropped                                    uint64 // application records lost to a full queue
	CIDMessages                                   uint64 // NewConnectionId and RequestConnectionId received
	CIDsDropped                                   uint64 // CIDs from NewConnectionId beyond maxSpareCIDs
}

// Endpoint is one side of a DTLS 1.3 association: a sans-I/O machine that
// takes datagrams and time as arguments and gives datagrams back. After any
// Handle* call, drain PollDatagram and ReadApp, then wait for Timeout.
type Endpoint struct {
	cfg    Config
	server bool
	state  hsState
	err    error
	now    time.Time
	start  time.Time

	suite CipherSuite
	group Group
	sched *Schedule
	// hs is what only the handshake messages need; nil once the handshake
	// is done (handshakeDone, retire.go).
	hs  *handshakeData
	hrr bool

	myApp, peerApp []byte
	exporter       []byte
	appEpoch       uint64 // our current write epoch after the handshake
	peerEpoch      uint64 // the peer's newest read epoch
	certRequested  bool
	peerCerts      [][]byte
	srtpProfile    uint16
	kuPending      bool
	completed      bool // the handshake completed (it stays true after Close)
	// epoch2Until, once set (server), is when the epoch-2 read keys are
	// let go: until then a client whose ACK was lost may resend its
	// Finished (retire.go).
	epoch2Until     time.Time
	retired         bool // the epoch-2 keys and our last flight are gone
	kuOwed          bool // the peer asked for a KeyUpdate; sent before our next data
	sentSinceUpdate bool // application data protected under our current keys

	reader  Reader
	w0seq   uint64
	writers []Writer // epoch 2, 3, ... (the newest last)
	// peerLimit is the peer's record_size_limit (RFC 8449), capped at
	// MaxRecordSizeLimit; 0 when not negotiated. It bounds every protected
	// record we send (writers, handshake fragments, MaxPayload).
	peerLimit int
	// connection IDs (RFC 9147 §9, cid.go)
	cidOn     bool
	ourCID    []byte
	peerCID   []byte
	spareCIDs [][]byte
	cidNewest bool // the last datagram held an authenticated, newest record with our CID
	reasm     reassembler
	outSeq    uint16
	fl        flight

	ackDue  time.Time
	ackList []RecordNumber

	out     [][]byte
	outHead int
	app     [][]byte // received application records, read from appHead
	appHead int
	scratch []byte
	frag    []byte

	stats Stats
}

// handshakeData is the part of an Endpoint that only the handshake messages
// use: a separate allocation, let go when the handshake is done (issue 18:
// 208 bytes that kept a connected Endpoint in the 1792-byte size class).
type handshakeData struct {
	transcript     hash.Hash
	chBody         []byte            // client: ClientHello1 body, rebuilt for ClientHello2
	chMsg          *ClientHello      // client: what we offered
	shares         []*ClientKeyShare // client
	cookieKey      []byte
	cHS, sHS       []byte // handshake traffic secrets
	certReqContext []byte
	peerKey        crypto.PublicKey
	certHash       []byte // transcript hash through the peer's Certificate
}

func newEndpoint(cfg Config, now time.Time, server bool) *Endpoint {
	e := &Endpoint{cfg: cfg, server: server, now: now, start: now, hs: new(handshakeData)}
	e.reader = NewReader(0, cfg.replayWindow())
	e.reasm = reassembler{maxMsg: cfg.maxMessage(), maxSpans: 64}
	e.fl.rto = cfg.rtxInitial()
	return e
}

// NewClient starts a client; its first flight (the ClientHello) is ready to
// poll at once.
func NewClient(cfg Config, now time.Time) (*Endpoint, error) {
	e := newEndpoint(cfg, now, false)
	if err := e.clientStart(); err != nil {
		return nil, err
	}
	return e, nil
}

// NewServer makes a server waiting for a ClientHello.
func NewServer(cfg Config, now time.Time) (*Endpoint, error) {
	e := newEndpoint(cfg, now, true)
	e.state = stateWaitCH
	e.hs.cookieKey = cfg.CookieKey
	if e.hs.cookieKey == nil {
		e.hs.cookieKey = make([]byte, 32)
		if _, err := readFull(cfg.rand(), e.hs.cookieKey); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// State names the handshake state (for logs and tests).
func (e *Endpoint) State() string { return e.state.String() }

// Connected reports whether the handshake completed.
func (e *Endpoint) Connected() bool { return e.state == stateConnected }

// Err returns the fatal error that closed the endpoint, if any.
func (e *Endpoint) Err() error { return e.err }

// Stats returns the counters.
func (e *Endpoint) Stats() Stats { return e.stats }

// Negotiated returns the cipher suite, group and SRTP profile (0: none).
func (e *Endpoint) Negotiated() (CipherSuite, Group, uint16) { return e.suite, e.group, e.srtpProfile }

// PeerCertificates returns the peer's chain (DER, leaf first); the owner
// checks the leaf against the SDP fingerprint (RFC 8122 §5).
func (e *Endpoint) PeerCertificates() [][]byte { return e.peerCerts }

// ExportKeyingMaterial is the RFC 8446 §7.5 exporter, for DTLS-SRTP keys
// (RFC 5764 §4.2, label "EXTRACTOR-dtls_srtp").
func (e *Endpoint) ExportKeyingMaterial(label string, context []byte, n int) ([]byte, error) {
	// The exporter outlives the connection (keys for SRTP are taken when
	// the handshake completes, and may be asked for after Close).
	if e.exporter == nil || !e.completed {
		return nil, ErrNotConnected
	}
	return e.sched.Exporter(e.exporter, label, context, n)
}

func (e *Endpoint) advance(now time.Time) {
	if now.After(e.now) {
		e.now = now
	}
}

// HandleDatagram processes one datagram: every record in it, in order. A bad
// record is counted and skipped; a fatal protocol error closes the endpoint
// (an alert is queued) and is returned.
func (e *Endpoint) HandleDatagram(now time.Time, b []byte) error {
	e.advance(now)
	e.retireDue()
	e.cidNewest = false
	if e.state == stateClosed {
		return nil // a closed endpoint reads nothing (orderly: nothing to do)
	}
	for len(b) > 0 && e.state != stateClosed {
		if IsCiphertext(b[0]) {
			// Connected, records are mostly application data: each is
			// decrypted straight into the buffer ReadApp hands out, with
			// room for the rest of the datagram so Open never grows it.
			// During the handshake a reused scratch takes them.
			direct := e.state == stateConnected
			dst := e.scratch[:0]
			if direct {
				dst = e.buffer(len(b))
			}
			rec, n, err := e.reader.Open(dst, b)
			if !direct && cap(rec.Data) > cap(e.scratch) {
				e.scratch = rec.Data[:0] // keep the grown buffer for the next record
			}
			if n == 0 || err != nil {
				e.release(dst, direct)
				if n == 0 {
					e.stats.Malformed++
					break
				}
				b = b[n:]
				e.countDrop(err)
				continue
			}
			b = b[n:]
			if rec.Newest && rec.CID && e.cidOn && rec.Epoch >= e.peerEpoch {
				e.cidNewest = true
			}
			if direct && rec.Type == ContentApplicationData {
				if e.appRoom(rec.Epoch) {
					e.app = append(e.app, rec.Data) // a prefix of dst: ReadApp's caller owns it
				} else {
					e.release(dst, true)
				}
				continue
			}
			err = e.onRecord(rec.Epoch, rec.Seq, rec.Type, rec.Data)
			e.release(dst, direct)
			if err != nil {
				return e.fail(err)
			}
			continue
		}
		h, frag, err := ParsePlaintext(b)
		if err != nil {
			e.stats.Malformed++
			break
		}
		b = b[PlaintextHeaderLen+h.Length:]
		if h.Epoch != 0 {
			e.stats.Malformed++ // a DTLS 1.2 record or garbage
			continue
		}
		if err := e.onRecord(0, h.Seq, h.Type, frag); err != nil {
			return e.fail(err)
		}
	}
	return e.fatalErr()
}

// fatalErr returns the error that closed the endpoint during this call.
func (e *Endpoint) fatalErr() error {
	if e.state == stateClosed && e.err != nil && !errors.Is(e.err, ErrClosed) {
		return e.err // close_notify from the peer is an orderly end, not an error
	}
	return nil
}

func (e *Endpoint) countDrop(err error) {
	switch {
	case errors.Is(err, ErrUnknownEpoch):
		e.stats.UnknownEpoch++
	case errors.Is(err, ErrReplayed):
		e.stats.Replayed++
	case errors.Is(err, ErrAuth):
		e.stats.AuthFailed++
	default:
		e.stats.Malformed++
	}
}

// fail closes the endpoint with err, queuing the alert it names.
func (e *Endpoint) fail(err error) error {
	if errors.Is(err, ErrNeedDTLS12) {
		return err // not fatal: the owner switches machines
	}
	var ae *AlertError
	if !errors.As(err, &ae) {
		desc := uint8(alertInternalError)
		var pe *ParseError
		if errors.As(err, &pe) {
			desc = pe.Alert
		}
		ae = &AlertError{Description: desc, Local: true, Err: err}
	}
	if ae.Local {
		e.sendAlert(2, ae.Description)
	}
	e.err = ae
	e.state = stateClosed
	e.fl.reset()
	return ae
}

func alert(desc uint8, err error) error { return &AlertError{Description: desc, Local: true, Err: err} }

// onRecord dispatches one record by content type.
func (e *Endpoint) onRecord(epoch, seq uint64, typ ContentType, data []byte) error {
	switch typ {
	case ContentHandshake:
		return e.onHandshakeRecord(epoch, seq, data)
	case ContentACK:
		if epoch == 0 && e.reader.n > 0 {
			// Once we read encrypted records, a plaintext ACK could only
			// be forged: it would stop our retransmissions.
			e.stats.Unauthenticated++
			return nil
		}
		return e.onACK(data)
	case ContentAlert:
		if epoch == 0 && e.reader.n > 0 {
			e.stats.Unauthenticated++ // RFC 9147 §4.5.2 spirit: ignore forgeable alerts
			return nil
		}
		if len(data) != 2 {
			e.stats.Malformed++
			return nil
		}
		if data[1] == alertCloseNotify {
			e.state = stateClosed
			e.err = ErrClosed
			return nil
		}
		return &AlertError{Description: data[1]}
	case ContentApplicationData:
		if e.appRoom(epoch) {
			e.app = append(e.app, append(e.buffer(len(data)), data...))
		}
		return nil
	}
	e.stats.Malformed++
	return nil
}

// appRoom reports whether an application record of epoch may be queued
// for ReadApp; if not, it is counted.
func (e *Endpoint) appRoom(epoch uint64) bool {
	if epoch < 3 || e.state != stateConnected {
		e.stats.UnknownEpoch++
		return false
	}
	if e.appHead > 0 && len(e.app) == cap(e.app) {
		// Reuse the slots already read rather than grow (the queue
		// holds at most MaxQueued records, whatever the read pattern).
		n := copy(e.app, e.app[e.appHead:])
		clear(e.app[n:])
		e.app, e.appHead = e.app[:n], 0
	}
	if len(e.app)-e.appHead >= e.cfg.maxQueued() {
		e.stats.AppDropped++
		return false
	}
	return true
}

// onHandshakeRecord feeds the fragments of a record to the reassembler and
// handles every message that completes.
func (e *Endpoint) onHandshakeRecord(epoch, seq uint64, data []byte) error {
	sawOld, sawNew := false, false
	for len(data) > 0 {
		h, frag, n, err := ParseHandshakeHeader(data)
		if err != nil {
			e.stats.Malformed++
			return nil
		}
		data = data[n:]
		if e.state == stateWaitCH && h.Type == TypeClientHello && !e.reasm.pending() {
			// A stateless server takes a ClientHello at whatever
			// message_seq the client uses (RFC 9147 §5.2): 0 for
			// ClientHello1, 1 for ClientHello2.
			e.reasm.next = h.MessageSeq
		}
		old, err := e.reasm.add(h, frag)
		if err != nil {
			return alert(alertUnexpectedMessage, err)
		}
		sawOld = sawOld || old
		sawNew = sawNew || !old
	}
	e.noteForACK(RecordNumber{Epoch: epoch, Seq: seq})
	for {
		typ, body, ok := e.reasm.pop()
		if !ok {
			break
		}
		if err := e.onMessage(epoch, typ, body); err != nil {
			return err
		}
		if e.state == stateClosed {
			return nil
		}
	}
	switch {
	case sawOld && e.state == stateConnected && e.server:
		// The client resends its last flight: our ACK was lost (RFC 9147
		// §5.8.3). ACK again at once.
		e.ackDue = e.now
	case sawOld && e.state == stateConnected:
		e.ackDue = e.now // a retransmitted KeyUpdate: ACK again
	case e.ackDue.IsZero() && e.midFlight():
		// RFC 9147 §7.1: on a partial flight, ACK after a short delay
		// so the peer resends only what is missing.
		e.ackDue = e.now.Add(e.fl.rto / 4)
	}
	return nil
}

// midFlight reports whether part of the peer's current flight has arrived
// but not all of it.
func (e *Endpoint) midFlight() bool {
	switch e.state {
	case stateWaitCH:
		return e.reasm.pending()
	case stateWaitEE, stateWaitCR, stateWaitCert, stateWaitCV, stateWaitFin:
		return true // ServerHello arrived, Finished has not
	case stateWaitClientCert, stateWaitClientCV, stateWaitClientFin:
		return len(e.ackList) > 0
	}
	return false
}

// noteForACK remembers a received handshake record for the next ACK.
func (e *Endpoint) noteForACK(rn RecordNumber) {
	for _, r := range e.ackList {
		if r == rn {
			return
		}
	}
	if len(e.ackList) == 64 {
		copy(e.ackList, e.ackList[1:])
		e.ackList = e.ackList[:63]
	}
	e.ackList = append(e.ackList, rn)
}

// onMessage runs the handshake state machine on one complete message.
func (e *Endpoint) onMessage(epoch uint64, typ HandshakeType, body []byte) error {
	if e.state == stateConnected {
		return e.onPostHandshake(epoch, typ, body)
	}
	if e.server {
		return e.serverMessage(epoch, typ, body)
	}
	return e.clientMessage(epoch, typ, body)
}

// onACK marks acknowledged fragments (RFC 9147 §7) and completes a key
// update whose KeyUpdate was acknowledged (§8).
func (e *Endpoint) onACK(data []byte) error {
	var buf [16]RecordNumber
	rns, err := ParseACK(buf[:0], data)
	if err != nil {
		e.stats.Malformed++
		return nil
	}
	e.stats.ACKsReceived++
	if len(e.fl.msgs) == 0 {
		return nil
	}
	newly := false
	for _, rn := range rns {
		newly = e.fl.ack(rn) || newly
	}
	if !e.fl.done() {
		if newly {
			// RFC 9147 §7.3: an ACK that leaves gaps says what the peer
			// lacks; resend just that now, without backing off the timer.
			e.stats.Retransmits++
			return e.transmit()
		}
		return nil
	}
	final := e.fl.final
	e.fl.reset()
	if final {
		// RFC 9147 §5.8.3: the ACK of the client's last flight confirms
		// the handshake; the epoch-2 keys have nothing left to protect.
		e.retire()
	}
	if e.kuPending {
		e.finishKeyUpdate()
	}
	return nil
}

func (e *Endpoint) writeTranscript(typ HandshakeType, body []byte) {
	var hdr [4]byte
	n := len(body)
	hdr[0], hdr[1], hdr[2], hdr[3] = byte(typ), byte(n>>16), byte(n>>8), byte(n)
	e.hs.transcript.Write(hdr[:])
	e.hs.transcript.Write(body)
}

func (e *Endpoint) transcriptHash() []byte { return e.hs.transcript.Sum(nil) }

// installKeys derives the protection for secret.
func (e *Endpoint) protection(secret []byte) (*Protection, error) {
	return NewProtection(e.suite, e.sched.TrafficKeys(secret, e.suite.KeyLen()))
}

func (e *Endpoint) addWriter(epoch uint64, secret []byte) error {
	p, err := e.protection(secret)
	if err != nil {
		return err
	}
	if len(e.writers) == 3 {
		copy(e.writers, e.writers[1:])
		e.writers = e.writers[:2]
	}
	w := NewWriter(epoch, p)
	w.Limit = e.peerLimit
	if e.cidOn {
		w.CID = e.peerCID
	}
	e.writers = append(e.writers, w)
	return nil
}

// negotiateRecordSizeLimit applies a record_size_limit exchange (RFC 8449
// §4): peer is the value the peer sent; ours the one it has now seen from us
// (0: none). "An endpoint MUST NOT generate a protected record with
// plaintext that is larger than the RecordSizeLimit value it receives from
// its peer"; a value above the protocol maximum means the maximum; our own
// limit is enforced on the records we read.
func (e *Endpoint) negotiateRecordSizeLimit(peer, ours int) {
	e.peerLimit = min(peer, MaxRecordSizeLimit)
	for i := range e.writers {
		e.writers[i].Limit = e.peerLimit
	}
	e.reader.Limit = ours
}

func (e *Endpoint) addReader(epoch uint64, secret []byte) error {
	p, err := e.protection(secret)
	if err != nil {
		return err
	}
	e.reader.AddEpoch(epoch, p)
	return nil
}

func (e *Endpoint) writer(epoch uint64) *Writer {
	for i := range e.writers {
		if e.writers[i].Epoch == epoch {
			return &e.writers[i]
		}
	}
	return nil
}

// ReadApp returns the next received application record. The slice is the
// caller's.
func (e *Endpoint) ReadApp() ([]byte, bool) {
	if e.appHead >= len(e.app) {
		e.app, e.appHead = e.app[:0], 0
		return nil, false
	}
	b := e.app[e.appHead]
	e.app[e.appHead] = nil
	e.appHead++
	return b, true
}

// WriteApp protects b as one application record in the current epoch.
func (e *Endpoint) WriteApp(now time.Time, b []byte) error {
	e.advance(now)
	e.retireDue()
	if e.state == stateClosed {
		return ErrClosed
	}
	if e.state != stateConnected {
		return ErrNotConnected
	}
	if e.kuOwed && !e.kuPending && len(e.fl.msgs) == 0 {
		// RFC 8446 §4.6.3: our own KeyUpdate "prior to sending its next
		// Application Data record".
		if err := e.UpdateKeys(now, false); err != nil {
			return err
		}
	}
	e.sentSinceUpdate = true
	w := e.writer(e.appEpoch)
	// Exactly the record's size: a caller that does not hand datagrams
	// back keeps no spare capacity per queued datagram.
	d := e.buffer(len(b) + w.Overhead())
	d, _, err := w.Seal(d, ContentApplicationData, b, 0)
	if err != nil {
		return err
	}
	e.pushDatagram(d)
	if w.NeedsKeyUpdate() && !e.kuPending {
		return e.UpdateKeys(now, false)
	}
	return nil
}

// MaxPayload is the largest application record payload that fits a
// datagram of mtu bytes under the current write keys (0 before the
// handshake completes).
func (e *Endpoint) MaxPayload(mtu int) int {
	w := e.writer(e.appEpoch)
	if e.state != stateConnected || w == nil {
		return 0
	}
	n := mtu - w.Overhead()
	if e.peerLimit > 0 {
		n = min(n, e.peerLimit-1) // RFC 8449 §4: the limit counts the content type byte
	}
	return max(n, 0)
}

// Retransmit resends the unacknowledged part of the current flight now and
// restarts its timer without doubling it (the owner knows the path just
// became usable). It does nothing without a flight.
func (e *Endpoint) Retransmit(now time.Time) error {
	e.advance(now)
	if e.state == stateClosed || len(e.fl.msgs) == 0 {
		return nil
	}
	e.stats.Retransmits++
	if err := e.transmit(); err != nil {
		return e.fail(err)
	}
	return nil
}

// Close sends close_notify (RFC 8446 §6.1) and closes. Idempotent.
func (e *Endpoint) Close(now time.Time) {
	e.advance(now)
	if e.state == stateClosed {
		return
	}
	e.sendAlert(1, alertCloseNotify)
	e.state = stateClosed
	e.err = ErrClosed
	e.fl.reset()
	e.ackDue = time.Time{}
}

// Timeout returns when HandleTimeout is next due, and why (TimeoutReason).
func (e *Endpoint) Timeout() (time.Time, bool) {
	t, _ := e.timeout()
	return t, !t.IsZero()
}

// TimeoutReason names the reason for Timeout's deadline: "pending" (output
// waits), "rtx", "ack", "handshake", or "".
func (e *Endpoint) TimeoutReason() string {
	_, r := e.timeout()
	return r
}

func (e *Endpoint) timeout() (time.Time, string) {
	if e.outHead < len(e.out) {
		return e.now, "pending"
	}
	if e.state == stateClosed {
		return time.Time{}, ""
	}
	var t time.Time
	reason := ""
	pick := func(d time.Time, r string) {
		if !d.IsZero() && (t.IsZero() || d.Before(t)) {
			t, reason = d, r
		}
	}
	pick(e.fl.deadline, "rtx")
	pick(e.ackDue, "ack")
	if e.state != stateConnected && (e.state != stateWaitCH || e.reasm.pending()) {
		pick(e.start.Add(e.cfg.handshakeTimeout()), "handshake")
	}
	if !t.IsZero() && t.Before(e.now) {
		t = e.now
	}
	return t, reason
}

// HandleTimeout fires what is due: a delayed ACK, a retransmission, or the
// handshake deadline. Calling it early is harmless.
func (e *Endpoint) HandleTimeout(now time.Time) error {
	e.advance(now)
	e.retireDue()
	if e.state == stateClosed {
		return nil
	}
	if e.state != stateConnected && e.state != stateWaitCH && !e.now.Before(e.start.Add(e.cfg.handshakeTimeout())) {
		return e.fail(alert(alertHandshakeFailure, ErrHandshakeTimeout))
	}
	if !e.ackDue.IsZero() && !e.now.Before(e.ackDue) {
		e.sendACK()
	}
	if e.fl.final && !e.now.Before(e.start.Add(e.cfg.handshakeTimeout())) {
		// Our last flight was never acknowledged, yet the peer's Finished
		// proved the handshake: stop resending it (the connection stands).
		// The server gave up waiting for it too: the epoch-2 keys go.
		e.fl.reset()
		e.retire()
	}
	if !e.fl.deadline.IsZero() && !e.now.Before(e.fl.deadline) {
		e.stats.Retransmits++
		e.fl.tries++
		e.fl.rto = min(2*e.fl.rto, e.cfg.rtxMax())
		if err := e.transmit(); err != nil {
			return e.fail(err)
		}
	}
	return nil
}

// PollDatagram returns the next datagram to send. It stays valid until the
// next call on the Endpoint.
func (e *Endpoint) PollDatagram() ([]byte, bool) {
	if e.outHead >= len(e.out) {
		e.out, e.outHead = e.out[:0], 0
		return nil, false
	}
	d := e.out[e.outHead]
	e.out[e.outHead] = nil
	e.outHead++
	return d, true
}

func readFull(r interface{ Read([]byte) (int, error) }, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := r.Read(b[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

var (
	timeZero    time.Time
	errNoWriter = errors.New("tls13: no keys for that epoch")
)
