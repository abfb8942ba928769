package interceptor

import (
	"encoding/binary"
	"fmt"
	"io"
	"time"

	rtcp "github.com/sansrtc/rtc/rtc-rtcp"
	rtp "github.com/sansrtc/rtc/rtc-rtp"
	shared "github.com/sansrtc/rtc/rtc-shared"
)

// localStream is a stream this end sends.
type localStream struct {
	cfg     StreamConfig
	stats   SendStats
	sent    []ccfbSent     // nil without CCFB
	resp    *NACKResponder // nil without NACK
	firFrom uint32         // last FIR: requester and command sequence number
	firSeq  uint8
	firSeen bool
	nacks   uint64
	plis    uint64
	firs    uint64
}

// remoteStream is a stream this end receives.
type remoteStream struct {
	cfg      StreamConfig
	stats    ReceiveStats
	gen      *NACKGenerator // nil without NACK
	ccfb     *CCFBStream    // nil without CCFB
	key      KeyframeRequester
	nacks    uint64
	nackSeqs uint64
}

// rrtrRecord is a receiver reference time report to answer with DLRR (RFC
// 3611 §4.5).
type rrtrRecord struct {
	ssrc   uint32
	lastRR uint32
	at     time.Time
}

// Chain runs the interceptor units for one transport (one RTP session,
// bundled or not) in a fixed order; see the package doc. It is not safe for
// concurrent use.
type Chain struct {
	cfg     Config
	ssrc    uint32
	closed  bool
	lastNow time.Time
	local   []*localStream
	remote  []*remoteStream

	twccSend     *TWCCSender
	twccRecv     *TWCCReceiver
	twccMedia    uint32
	ccfb         rtcp.CCFeedback
	ccfbClock    shared.Unwrapper32
	ccfbResults  []PacketResult
	ccfbDeadline time.Time
	est          Estimator
	target       int

	reportAt time.Time
	avgRTCP  float64
	rtt      time.Duration
	rrtr     [4]rrtrRecord

	out    shared.Queue[[]byte]
	free   shared.FreeList
	events shared.EventQueue[Event]

	dec      *rtcp.Decoder
	hv       rtp.HeaderView
	ext      [2]byte
	rnd      [2]byte
	lost     []uint16
	nack     rtcp.NACK
	blocks   []rtcp.ReceptionReport
	rr       rtcp.ReceiverReport
	sr       rtcp.SenderReport
	sdes     rtcp.SourceDescription
	xr       rtcp.ExtendedReport
	rrtrBody []byte
	dlrrBody []byte
	items    []rtcp.DLRRItem
	fir      [1]rtcp.FIREntry
	cname    []byte
	sdesCh   [1]rtcp.SDESChunk
	sdesIt   [1]rtcp.SDESItem
	xrBl     [2]rtcp.XRBlock

	stats ChainStats
}

// NewChain returns a chain with cfg's units and limits and no streams.
func NewChain(cfg Config) (*Chain, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	c := &Chain{
		cfg:    cfg,
		ssrc:   cfg.SSRC,
		out:    shared.NewQueue[[]byte](cfg.maxOutput()),
		events: shared.NewEventQueue[Event](cfg.maxEvents()),
		dec:    rtcp.NewDecoder(rtcp.Config{ReducedSize: true}),
		est:    cfg.Estimator,
	}
	if c.ssrc == 0 {
		var b [4]byte
		if _, err := io.ReadFull(cfg.rand(), b[:]); err != nil {
			return nil, fmt.Errorf("interceptor: reading Rand: %w", err)
		}
		c.ssrc = binary.BigEndian.Uint32(b[:]) | 1
	}
	if (cfg.TransportCCExtID != 0 || cfg.CCFB) && cfg.has(UnitTWCC) {
		tc := cfg.TWCCSender
		if tc.FirstSequence == 0 {
			var b [2]byte
			if _, err := io.ReadFull(cfg.rand(), b[:]); err != nil {
				return nil, fmt.Errorf("interceptor: reading Rand: %w", err)
			}
			tc.FirstSequence = binary.BigEndian.Uint16(b[:]) & 0x7fff
		}
		c.twccSend = NewTWCCSender(tc)
		if cfg.TransportCCExtID != 0 {
			c.twccRecv = NewTWCCReceiver(cfg.TWCCReceiver)
		}
	}
	if c.est != nil {
		c.target = c.est.TargetBitrate()
	}
	return c, nil
}

// SSRC returns the chain's own SSRC (Config.SSRC or the random one).
func (c *Chain) SSRC() uint32 { return c.ssrc }

func (c *Chain) streams() int { return len(c.local) + len(c.remote) }

func (c *Chain) findLocal(ssrc uint32) *localStream {
	for _, s := range c.local {
		if s.cfg.SSRC == ssrc {
			return s
		}
	}
	return nil
}

// findRemote finds a remote stream by its SSRC or its RTX SSRC.
func (c *Chain) findRemote(ssrc uint32) (*remoteStream, bool) {
	for _, s := range c.remote {
		if s.cfg.SSRC == ssrc {
			return s, false
		}
		if s.cfg.RTXSSRC != 0 && s.cfg.RTXSSRC == ssrc {
			return s, true
		}
	}
	return nil, false
}

func (c *Chain) bound(ssrc uint32) bool {
	if ssrc == 0 {
		return true
	}
	for _, s := range c.local {
		if s.cfg.SSRC == ssrc || s.cfg.RTXSSRC == ssrc {
			return true
		}
	}
	_, ok := c.findRemote(ssrc)
	return ok
}

// BindLocal adds a stream this end sends. Its SSRC (and RTX SSRC) must not
// be bound already.
func (c *Chain) BindLocal(sc StreamConfig) error {
	if c.closed {
		return ErrClosed
	}
	if err := c.checkBind(sc); err != nil {
		return err
	}
	s := &localStream{cfg: sc, stats: *NewSendStats(sc.SSRC, sc.clockRate())}
	if c.cfg.has(UnitNACK) && sc.Feedback.Has(FeedbackNACK) {
		rc := c.cfg.NACKResponder
		rc.RTXSSRC, rc.RTXPayloadType = sc.RTXSSRC, sc.RTXPayloadType
		if _, err := io.ReadFull(c.cfg.rand(), c.rnd[:]); err != nil {
			return fmt.Errorf("interceptor: reading Rand: %w", err)
		}
		rc.RTXSequence = binary.BigEndian.Uint16(c.rnd[:]) & 0x7fff
		s.resp = NewNACKResponder(rc)
	}
	if c.cfg.CCFB && c.twccSend != nil {
		s.sent = make([]ccfbSent, 2*ccfbWindow)
		for i := range s.sent {
			s.sent[i].tseq = -1
		}
	}
	c.local = append(c.local, s)
	return nil
}

// BindRemote adds a stream this end receives. Its SSRC (and RTX SSRC) must
// not be bound already.
func (c *Chain) BindRemote(sc StreamConfig) error {
	if c.closed {
		return ErrClosed
	}
	if err := c.checkBind(sc); err != nil {
		return err
	}
	s := &remoteStream{cfg: sc, stats: *NewReceiveStats(sc.SSRC, sc.clockRate()), key: *NewKeyframeRequester(c.cfg.Keyframe)}
	if c.cfg.has(UnitNACK) && sc.Feedback.Has(FeedbackNACK) {
		s.gen = NewNACKGenerator(c.cfg.NACKGenerator)
		s.gen.SetRTT(c.rtt)
	}
	if c.cfg.CCFB && c.cfg.has(UnitTWCC) {
		s.ccfb = NewCCFBStream(sc.SSRC)
	}
	c.remote = append(c.remote, s)
	return nil
}

func (c *Chain) checkBind(sc StreamConfig) error {
	if sc.SSRC == 0 {
		return fmt.Errorf("interceptor: bind: SSRC 0")
	}
	if c.streams() >= c.cfg.maxStreams() {
		return ErrTooManyStreams
	}
	if c.bound(sc.SSRC) || (sc.RTXSSRC != 0 && (sc.RTXSSRC == sc.SSRC || c.bound(sc.RTXSSRC))) {
		return fmt.Errorf("%w: %#x", ErrDuplicateStream, sc.SSRC)
	}
	return nil
}

// Unbind removes the local or remote stream ssrc (a stopped transceiver).
func (c *Chain) Unbind(ssrc uint32) error {
	for i, s := range c.local {
		if s.cfg.SSRC == ssrc {
			c.local = append(c.local[:i], c.local[i+1:]...)
			return nil
		}
	}
	for i, s := range c.remote {
		if s.cfg.SSRC == ssrc {
			c.remote = append(c.remote[:i], c.remote[i+1:]...)
			return nil
		}
	}
	return fmt.Errorf("%w: %#x", ErrUnknownStream, ssrc)
}

// advance moves the chain's clock to now, never backwards, and returns it.
func (c *Chain) advance(now time.Time) time.Time {
	if now.After(c.lastNow) {
		c.lastNow = now
	}
	return c.lastNow
}

func (c *Chain) emit(e Event) { c.events.Push(e) }

// result returns the error a Handle* call reports: a *shared.OverflowError
// (errors.Is shared.ErrQueueFull) once per event lost to the full queue
// (shared contract rule 1).
func (c *Chain) result() error { return c.events.Report(nil) }

func (c *Chain) checkTarget() {
	if c.est == nil {
		return
	}
	if t := c.est.TargetBitrate(); t != c.target {
		c.target = t
		c.emit(Event{Kind: EventTargetBitrate, Bitrate: t})
	}
}

// SendRTP runs the send side of the chain on an outgoing packet and appends
// its wire form to dst: the transport-wide sequence number is set (p keeps
// that extension element, whose payload is the chain's until the next
// SendRTP), application units see it, and the marshalled packet is recorded
// for NACK and reports. The caller protects and sends the appended bytes.
func (c *Chain) SendRTP(now time.Time, p *rtp.Packet, dst []byte) ([]byte, error) {
	return c.sendRTP(now, p, 0, dst)
}

// SendRTPProbe is SendRTP for a packet the pacer sends in probe cluster
// probeCluster (pacer.Item.ProbeCluster, non-zero): the Estimator sees the
// cluster id in SentPacket and in the feedback's PacketResults. now is when
// the pacer released the packet, its real send time.
func (c *Chain) SendRTPProbe(now time.Time, p *rtp.Packet, probeCluster int, dst []byte) ([]byte, error) {
	return c.sendRTP(now, p, probeCluster, dst)
}

func (c *Chain) sendRTP(now time.Time, p *rtp.Packet, probe int, dst []byte) ([]byte, error) {
	if c.closed {
		return dst, ErrClosed
	}
	now = c.advance(now)
	tseq := int64(-1)
	var sent SentPacket
	if c.twccSend != nil {
		if c.cfg.TransportCCExtID != 0 {
			binary.BigEndian.PutUint16(c.ext[:], uint16(c.twccSend.next))
			if err := p.SetExtension(c.cfg.TransportCCExtID, c.ext[:]); err != nil {
				return dst, fmt.Errorf("interceptor: transport-cc extension: %w", err)
			}
		}
		sent = c.twccSend.Number(now, 0, p.SSRC, false) // size set below
		tseq = sent.TransportSeq
		if probe != 0 {
			sent.ProbeCluster = probe
			c.twccSend.setProbe(tseq, probe)
		}
	}
	for _, u := range c.cfg.Units {
		u.SendRTP(now, p)
	}
	start := len(dst)
	dst, err := p.AppendTo(dst)
	if err != nil {
		return dst[:start], err
	}
	b := dst[start:]
	if tseq >= 0 {
		sent.Size = len(b)
		c.twccSend.setSize(tseq, len(b))
	}
	if s := c.findLocal(p.SSRC); s != nil {
		s.stats.HandleRTP(now, p.Timestamp, len(b), len(p.Payload))
		if s.resp != nil {
			s.resp.Record(now, p.SequenceNumber, tseq, b)
		}
		if s.sent != nil {
			s.sent[int(p.SequenceNumber)&(len(s.sent)-1)] = ccfbSent{seq: p.SequenceNumber, tseq: tseq}
		}
	}
	if tseq >= 0 && c.est != nil {
		c.est.OnPacketSent(sent)
		c.checkTarget()
	}
	c.service(now)
	return dst, c.result()
}

// HandleRead feeds one received, decrypted RTP or RTCP packet (told apart
// as RFC 5761 §4 says). msg.Message is borrowed for the call.
func (c *Chain) HandleRead(msg shared.TaggedBytes) error {
	if rtp.IsRTCP(msg.Message) {
		return c.ReceiveRTCP(msg.Now, msg.Message)
	}
	return c.receiveRTP(msg.Now, msg.Message, msg.Transport.ECN)
}

// ReceiveRTP runs the receive side of the chain on a received, decrypted
// RTP packet (an RTX packet as received, on its RTX SSRC): transport-wide
// arrival, NACK gap detection and receive statistics. b is borrowed for the
// call. Malformed packets are counted and reported with ErrMalformed.
func (c *Chain) ReceiveRTP(now time.Time, b []byte) error {
	return c.receiveRTP(now, b, shared.ECNNotECT)
}

// receiveRTP is ReceiveRTP with the packet's ECN marking (RFC 8888 reports
// it).
func (c *Chain) receiveRTP(now time.Time, b []byte, ecn shared.ECN) error {
	if c.closed {
		return ErrClosed
	}
	now = c.advance(now)
	if err := c.hv.Unmarshal(b); err != nil {
		c.stats.MalformedRTP++
		return fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	h := &c.hv
	if c.twccRecv != nil {
		if e := h.Extension(c.cfg.TransportCCExtID); len(e) == 2 {
			c.twccRecv.HandleRTP(now, binary.BigEndian.Uint16(e))
			if c.twccMedia == 0 {
				c.twccMedia = h.SSRC
			}
		}
	}
	s, rtx := c.findRemote(h.SSRC)
	if s == nil {
		c.stats.UnknownSSRC++
	} else {
		seq := h.SequenceNumber
		payload := h.PayloadEnd - h.HeaderSize
		ok := true
		if rtx {
			// RFC 4588 §4: the RTX payload starts with the original
			// sequence number (OSN). One without it is padding only.
			if payload < 2 {
				c.stats.RTXPadding++
				ok = false
			} else {
				seq = binary.BigEndian.Uint16(b[h.HeaderSize:])
				payload -= 2
			}
		}
		if ok {
			s.stats.HandleRTP(now, seq, h.Timestamp, len(b), payload, rtx)
			if s.gen != nil {
				given := s.gen.stats.GivenUp
				s.gen.HandleRTP(now, seq)
				c.keyframeIfGivenUp(now, s, given)
			}
			if s.ccfb != nil && !rtx {
				s.ccfb.HandleRTP(now, seq, ecn)
				if c.ccfbDeadline.IsZero() {
					c.ccfbDeadline = now.Add(c.ccfbInterval())
				}
			}
		}
	}
	for _, u := range c.cfg.Units {
		u.ReceiveRTP(now, h, b)
	}
	c.service(now)
	return c.result()
}

// PollWrite returns the next RTCP packet or retransmission to protect and
// send. Message belongs to the caller, who may hand it back with Release
// once sent so that the chain reuses it (no allocation in steady state).
// Transport is left zero: every output goes on the chain's transport.
func (c *Chain) PollWrite() (shared.TaggedBytes, bool) {
	b, ok := c.out.Pop()
	if !ok {
		return shared.TaggedBytes{}, false
	}
	return shared.TaggedBytes{Now: c.lastNow, Message: b}, true
}

// Release hands back a buffer PollWrite returned, for reuse. The caller
// must not use b afterwards.
func (c *Chain) Release(b []byte) { c.free.Put(b, c.bufferBounds()) }

// bufferBounds: the chain keeps up to MaxOutput released buffers of 1500
// bytes (the size it allocates) to 64 KiB (the largest RTP packet).
func (c *Chain) bufferBounds() shared.BufferBounds {
	return shared.BufferBounds{Count: c.cfg.maxOutput(), MinCap: 1500, MaxCap: 64 << 10}
}

// getBuf returns an empty buffer: the last one released, or a fresh one of
// 1500 bytes.
func (c *Chain) getBuf() []byte { return c.free.Get(0, c.bufferBounds()) }

// push queues an output; false (counted) when the queue is full.
func (c *Chain) push(b []byte) bool {
	if len(b) == 0 {
		c.Release(b)
		return true
	}
	if err := c.out.Push(b); err != nil {
		c.stats.OutputDropped++
		c.Release(b)
		return false
	}
	return true
}

// PollEvent returns the next event.
func (c *Chain) PollEvent() (Event, bool) { return c.events.Pop() }

// HandleTimeout runs what is due at now: NACKs, transport-wide feedback,
// reports, the Estimator and application units. Calling it early is
// harmless.
func (c *Chain) HandleTimeout(now time.Time) error {
	if c.closed {
		return nil
	}
	c.service(c.advance(now))
	return c.result()
}

// PollTimeout returns the next deadline: the earliest of the units'. While
// output waits for PollWrite it returns the latest time seen ("pending"), so
// that one drain pass never leaves work behind (shared contract rule 3).
func (c *Chain) PollTimeout() (time.Time, bool) {
	d, _ := c.nextDeadline()
	return d, !d.IsZero()
}

// TimeoutReason names why the PollTimeout deadline exists: "nack",
// "twcc-feedback", "report", "estimator", "unit", "pending", or "" when
// there is none.
func (c *Chain) TimeoutReason() string {
	_, r := c.nextDeadline()
	return r
}

func (c *Chain) nextDeadline() (time.Time, string) {
	if c.closed {
		return time.Time{}, ""
	}
	if c.out.Len() > 0 {
		return c.lastNow, "pending"
	}
	var d time.Time
	reason := ""
	consider := func(t time.Time, ok bool, why string) {
		if ok && (d.IsZero() || t.Before(d)) {
			d, reason = t, why
		}
	}
	for _, s := range c.remote {
		if s.gen != nil {
			t, ok := s.gen.PollTimeout()
			consider(t, ok, "nack")
		}
	}
	if c.twccRecv != nil {
		t, ok := c.twccRecv.PollTimeout()
		consider(t, ok, "twcc-feedback")
	}
	consider(c.ccfbDeadline, !c.ccfbDeadline.IsZero(), "ccfb")
	consider(c.reportAt, !c.reportAt.IsZero(), "report")
	if c.est != nil {
		t, ok := c.est.PollTimeout()
		consider(t, ok, "estimator")
	}
	for _, u := range c.cfg.Units {
		t, ok := u.PollTimeout()
		consider(t, ok, "unit")
	}
	if !d.IsZero() && d.Before(c.lastNow) {
		d = c.lastNow
	}
	return d, reason
}

// Close stops the chain: nothing more comes out, and Handle* calls return
// ErrClosed. It is idempotent.
func (c *Chain) Close() error {
	c.closed = true
	c.out.Clear()
	c.events.Clear()
	return nil
}

// RequestKeyframe asks the sender of the remote stream ssrc for a keyframe
// with a PLI, or a FIR when only that was negotiated (RFC 4585 §6.3.1, RFC
// 5104 §4.3.1), unless one was sent less than the throttle interval ago
// (ErrThrottled). An SFU calls it on the publisher's chain for each
// EventKeyframeRequest its viewers' chains report; the throttle merges them.
func (c *Chain) RequestKeyframe(now time.Time, ssrc uint32) error {
	if c.closed {
		return ErrClosed
	}
	now = c.advance(now)
	s, rtx := c.findRemote(ssrc)
	if s == nil || rtx {
		return fmt.Errorf("%w: %#x", ErrUnknownStream, ssrc)
	}
	if !c.cfg.has(UnitKeyframe) {
		return ErrNotNegotiated
	}
	kind, seq, err := s.key.Request(now, s.cfg.Feedback, c.rtt)
	if err != nil {
		return err
	}
	b := c.beginFeedback(c.getBuf())
	var werr error
	if kind == KeyframePLI {
		pli := rtcp.PLI{SenderSSRC: c.senderSSRC(), MediaSSRC: ssrc}
		b, werr = pli.AppendTo(b)
	} else {
		fir := rtcp.FIR{SenderSSRC: c.senderSSRC(), Entries: c.firEntry(ssrc, seq)}
		b, werr = fir.AppendTo(b)
	}
	if werr != nil {
		c.Release(b)
		return werr
	}
	c.push(b)
	return c.result()
}

func (c *Chain) firEntry(ssrc uint32, seq uint8) []rtcp.FIREntry {
	c.fir[0] = rtcp.FIREntry{SSRC: ssrc, SequenceNumber: seq}
	return c.fir[:]
}

// senderSSRC is the SSRC RTCP from this end carries as its sender: the
// first local stream's, or the chain's own.
func (c *Chain) senderSSRC() uint32 {
	if len(c.local) > 0 {
		return c.local[0].cfg.SSRC
	}
	return c.ssrc
}

// beginFeedback starts a feedback packet: alone with reduced-size RTCP
// (RFC 5506 §3), otherwise after an empty RR so that the compound packet
// starts with a report (RFC 3550 §6.1).
func (c *Chain) beginFeedback(b []byte) []byte {
	if c.cfg.ReducedSize {
		return b
	}
	c.rr.SSRC, c.rr.Reports, c.rr.ProfileExtensions = c.senderSSRC(), c.rr.Reports[:0], nil
	b, _ = c.rr.AppendTo(b) // an empty RR always encodes
	return b
}

// TargetBitrate returns the Estimator's target, or the last REMB without
// one, in bits per second (zero when unknown).
func (c *Chain) TargetBitrate() int { return c.target }

// RTT returns the latest round-trip time measured from RTCP (zero before
// the first measurement).
func (c *Chain) RTT() time.Duration { return c.rtt }

func (c *Chain) setRTT(now time.Time, rtt time.Duration) {
	c.rtt = rtt
	c.stats.RTTMeasurements++
	for _, s := range c.remote {
		if s.gen != nil {
			s.gen.SetRTT(rtt)
		}
	}
	if c.est != nil {
		c.est.OnRTT(now, rtt)
		c.checkTarget()
	}
}
