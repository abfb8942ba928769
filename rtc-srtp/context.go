package srtp

import (
	"bytes"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// Context is an SRTP/SRTCP cryptographic context (RFC 3711 §3.2) for one
// master key (or several, told apart by MKI): it protects outgoing RTP and
// RTCP and unprotects incoming packets, and keeps per-SSRC state for each
// direction: the rollover counter and highest sequence number, the SRTCP
// index, and the replay windows.
//
// A Context does no I/O, reads no clock and starts no goroutine; it is not
// safe for concurrent use. In WebRTC one Context protects what we send (keyed
// with our DTLS-SRTP write key) and another unprotects what we receive; see
// ConfigsFromDTLS.
type Context struct {
	params  ProfileParams
	keys    []*keySet // every installed master key
	send    *keySet   // the key used to protect
	mkiLen  int
	encRTP  bool
	encRTCP bool
	replay  bool
	window  int
	maxSSRC int

	tx, rx                 map[uint32]*stream
	lastTx, lastRx         *stream // one-entry lookup caches for SRTP
	lastTxSSRC, lastRxSSRC uint32

	stats Stats
}

// Stats counts what a Context did, and every packet it refused and why.
type Stats struct {
	RTPProtected    uint64 // SRTP packets produced
	RTPUnprotected  uint64 // SRTP packets accepted
	RTCPProtected   uint64 // SRTCP packets produced
	RTCPUnprotected uint64 // SRTCP packets accepted
	AuthFailures    uint64 // rejected with ErrAuthFailed
	Replays         uint64 // rejected with ErrReplay
	TooShort        uint64 // rejected with ErrTooShort or ErrNotRTP
	SSRCLimit       uint64 // rejected with ErrTooManySSRCs
	UnknownMKI      uint64 // rejected with ErrUnknownMKI
	IndexExhausted  uint64 // rejected with ErrIndexExhausted (the index would wrap)
}

// stream is the per-SSRC state of one direction.
type stream struct {
	// SRTP: RFC 3711 §3.2.1 ROC and the highest sequence number s_l.
	roc     uint32
	lastSeq uint16
	started bool
	rtpWin  shared.ReplayWindow

	// SRTCP: RFC 3711 §3.4 index (the next one to send), and the window.
	rtcpNext uint32
	rtcpWin  shared.ReplayWindow
}

// StreamState is a snapshot of one SSRC's state in one direction.
type StreamState struct {
	ROC        uint32 // SRTP rollover counter
	HighestSeq uint16 // s_l: the highest sequence number seen (or sent)
	Started    bool   // whether any SRTP packet was seen (or sent)
	// SRTCPIndex is, for the sender, the index the next SRTCP packet will
	// carry; for the receiver, the highest index accepted.
	SRTCPIndex uint32
}

// NewContext returns a context for cfg.
func NewContext(cfg Config) (*Context, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	p, ok := cfg.Profile.Params()
	if !ok {
		return nil, ErrBadConfig
	}
	k, err := newKeySet(p, cfg.MasterKey, cfg.MasterSalt, cfg.MKI)
	if err != nil {
		return nil, err
	}
	return newContext(cfg, p, k), nil
}

func newContext(cfg Config, p ProfileParams, k *keySet) *Context {
	return &Context{
		params:  p,
		keys:    []*keySet{k},
		send:    k,
		mkiLen:  len(cfg.MKI),
		encRTP:  !cfg.UnencryptedSRTP && !p.NullCipher,
		encRTCP: !cfg.UnencryptedSRTCP && !p.NullCipher,
		replay:  !cfg.DisableReplayProtection,
		window:  cfg.replayWindow(),
		maxSSRC: cfg.maxSSRCs(),
		tx:      make(map[uint32]*stream),
		rx:      make(map[uint32]*stream),
	}
}

// Profile returns the context's protection profile parameters.
func (c *Context) Profile() ProfileParams { return c.params }

// Stats returns the counters.
func (c *Context) Stats() Stats { return c.stats }

// RTPOverhead returns how many octets ProtectRTP adds: tag and MKI.
func (c *Context) RTPOverhead() int { return c.params.RTPTagLen + c.mkiLen }

// RTCPOverhead returns how many octets ProtectRTCP adds: SRTCP index word,
// tag and MKI.
func (c *Context) RTCPOverhead() int { return 4 + c.params.RTCPTagLen + c.mkiLen }

// AddKey installs another master key, identified by mki (which must have the
// length of Config.MKI, and that must not be zero). Received packets carrying
// mki are then verified with it; SetSendMKI makes it the sending key.
func (c *Context) AddKey(mki, masterKey, masterSalt []byte) error {
	if c.mkiLen == 0 || len(mki) != c.mkiLen || c.keyFor(mki) != nil {
		return ErrBadConfig
	}
	k, err := newKeySet(c.params, masterKey, masterSalt, mki)
	if err != nil {
		return err
	}
	c.keys = append(c.keys, k)
	return nil
}

// SetSendMKI selects the master key used to protect from now on.
func (c *Context) SetSendMKI(mki []byte) error {
	k := c.keyFor(mki)
	if k == nil {
		return ErrUnknownMKI
	}
	c.send = k
	return nil
}

// RemoveKey uninstalls a master key. The sending key cannot be removed.
func (c *Context) RemoveKey(mki []byte) error {
	for i, k := range c.keys {
		if bytes.Equal(k.mki, mki) {
			if k == c.send {
				return ErrBadConfig
			}
			c.keys = append(c.keys[:i], c.keys[i+1:]...)
			return nil
		}
	}
	return ErrUnknownMKI
}

func (c *Context) keyFor(mki []byte) *keySet {
	if c.mkiLen == 0 {
		return c.send
	}
	for _, k := range c.keys {
		if bytes.Equal(k.mki, mki) {
			return k
		}
	}
	return nil
}

// SenderState returns the sending state of ssrc, if it has sent anything.
func (c *Context) SenderState(ssrc uint32) (StreamState, bool) {
	return snapshot(c.tx[ssrc], false)
}

// ReceiverState returns the receiving state of ssrc, if anything from it was
// accepted.
func (c *Context) ReceiverState(ssrc uint32) (StreamState, bool) {
	return snapshot(c.rx[ssrc], true)
}

func snapshot(s *stream, rx bool) (StreamState, bool) {
	if s == nil {
		return StreamState{}, false
	}
	st := StreamState{ROC: s.roc, HighestSeq: s.lastSeq, Started: s.started, SRTCPIndex: s.rtcpNext}
	if rx {
		latest, _ := s.rtcpWin.Latest()
		st.SRTCPIndex = uint32(latest)
	}
	return st, true
}

// SetReceiverROC sets the rollover counter expected from ssrc, for a
// receiver that joins a stream late and learns the ROC out of band (RFC 3711
// §3.3.1). The next packet's sequence number becomes the new s_l.
func (c *Context) SetReceiverROC(ssrc uint32, roc uint32) error {
	s, err := c.stream(c.rx, ssrc, true)
	if err != nil {
		return err
	}
	s.roc, s.started = roc, false
	s.rtpWin.Reset()
	return nil
}

// SetSenderROC sets the rollover counter for what we send on ssrc.
func (c *Context) SetSenderROC(ssrc uint32, roc uint32) error {
	s, err := c.stream(c.tx, ssrc, true)
	if err != nil {
		return err
	}
	s.roc, s.started = roc, false
	return nil
}

// RemoveSSRC forgets the state of ssrc in both directions (after an RTCP
// BYE, say), freeing its slot.
func (c *Context) RemoveSSRC(ssrc uint32) {
	delete(c.tx, ssrc)
	delete(c.rx, ssrc)
	c.lastTx, c.lastRx = nil, nil
}

// stream returns the state of ssrc in table m, creating it when create is
// set and the bound allows.
func (c *Context) stream(m map[uint32]*stream, ssrc uint32, create bool) (*stream, error) {
	if s := m[ssrc]; s != nil {
		return s, nil
	}
	if !create {
		return nil, nil
	}
	if len(m) >= c.maxSSRC {
		return nil, ErrTooManySSRCs
	}
	s := &stream{}
	if c.replay {
		s.rtpWin = shared.NewReplayWindow(c.window)
		s.rtcpWin = shared.NewReplayWindow(c.window)
	}
	m[ssrc] = s
	return s, nil
}

// estimateROC is RFC 3711 Appendix A: the ROC of the packet with sequence
// number seq, given the highest sequence number s_l and the ROC. A guess of
// ROC-1 while ROC is 0 is taken as ROC (there is no earlier cycle).
func (s *stream) estimateROC(seq uint16) uint32 {
	if !s.started {
		return s.roc
	}
	roc, sl := s.roc, s.lastSeq
	if sl < 0x8000 {
		if int(seq)-int(sl) > 0x8000 && roc > 0 {
			return roc - 1
		}
		return roc
	}
	if int(sl)-0x8000 > int(seq) {
		return roc + 1
	}
	return roc
}

// update commits an accepted (or sent) packet: RFC 3711 §3.3.1, "ROC and s_l
// are updated ... after the packet has been authenticated".
func (s *stream) update(v uint32, seq uint16) {
	switch {
	case !s.started:
		s.started, s.roc, s.lastSeq = true, v, seq
	case v == s.roc+1 && v != 0:
		s.roc, s.lastSeq = v, seq
	case v == s.roc && seq > s.lastSeq:
		s.lastSeq = seq
	}
}
