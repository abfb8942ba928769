package rtc

import (
	"fmt"
	"strings"
	"time"

	interceptor "github.com/sansrtc/rtc/rtc-interceptor"
	"github.com/sansrtc/rtc/rtc-interceptor/gcc"
)

// This file installs rtc-interceptor's Chain between the media part and
// SRTP (issue 14): NACK and RTX, sender and receiver reports, transport-
// wide congestion control with the GCC estimator, keyframe requests. The
// chain sees every RTP packet sent (it numbers it and keeps it for
// retransmission) and received (reception statistics, gaps to NACK), and
// every RTCP packet received; what it sends (RTCP, retransmissions) is
// protected and queued by pump.

// newChain builds the chain once the first exchange with media
// completed: the transport-wide-cc id and rtcp-rsize come from
// negotiation. Configuration.NewInterceptorChain replaces the default
// (gcc.NewChain); Configuration.InterceptorUnits are added to it.
func (pc *PeerConnection) newChain(twccID uint8) error {
	m := &pc.media
	if m.chain != nil || pc.cfg.DisableInterceptors {
		return nil
	}
	cfg := interceptor.Config{CNAME: pc.neg.cname, ReducedSize: true, TransportCCExtID: twccID,
		Rand: pc.cfg.rand(), Units: pc.cfg.InterceptorUnits}
	var c *interceptor.Chain
	var err error
	if pc.cfg.NewInterceptorChain != nil {
		c, err = pc.cfg.NewInterceptorChain(cfg)
	} else {
		c, _, err = gcc.NewChain(cfg, gcc.Config{DisableProbing: true})
	}
	if err != nil {
		return layerErr("interceptor", err)
	}
	if c == nil {
		return fmt.Errorf("rtc: NewInterceptorChain returned no chain")
	}
	m.chain = c
	m.chainTimer.stale = true
	m.startPacer(pc.cfg.Pacing)
	return nil
}

// bindChain tells the chain about the streams of a completed exchange:
// each sending encoding (with its RTX stream when RTX was negotiated) and
// each signaled remote stream; learned remote streams are bound when they
// are learned (bindRemote).
func (m *media) bindChain(ts []*Transceiver) {
	if m.chain == nil {
		return
	}
	for _, t := range ts {
		if t.stopped || !t.hasCurrent || !t.currentDirection.sends() {
			continue
		}
		c, ok := t.sender.sendCodec()
		if !ok {
			continue
		}
		rtxPT, hasRTX := t.rtxFor(c.PayloadType)
		for _, e := range t.sender.encodings {
			sc := interceptor.StreamConfig{SSRC: e.SSRC, ClockRate: c.ClockRate, PayloadType: c.PayloadType,
				Feedback: feedbackOf(c.Feedback)}
			if hasRTX && len(t.sender.encodings) == 1 {
				sc.RTXSSRC, sc.RTXPayloadType = e.RTXSSRC, rtxPT
			}
			m.bindOnce(sc, true)
		}
	}
	for _, s := range m.ssrcs {
		if !s.rtx {
			m.bindRemote(s)
		}
	}
}

// bindRemote binds one received stream with the feedback its
// transceiver's first codec negotiated.
func (m *media) bindRemote(s *recvStream) {
	if m.chain == nil || s.rtx {
		return
	}
	c, ok := s.t.sender.sendCodec()
	if !ok {
		return
	}
	m.bindOnce(interceptor.StreamConfig{SSRC: s.ssrc, ClockRate: c.ClockRate, PayloadType: c.PayloadType,
		Feedback: feedbackOf(c.Feedback)}, false)
}

// bindOnce binds a stream the chain does not know yet. A bind the chain
// refuses (its stream limit) leaves the stream unprocessed by the chain:
// media still flows; the refusal is counted.
func (m *media) bindOnce(sc interceptor.StreamConfig, local bool) {
	if m.bound == nil {
		m.bound = map[uint32]bool{}
	}
	if m.bound[sc.SSRC] {
		return
	}
	var err error
	if local {
		err = m.ch().BindLocal(sc)
	} else {
		err = m.ch().BindRemote(sc)
	}
	if err != nil {
		m.stats.ChainBindFailures++
		return
	}
	m.bound[sc.SSRC] = true
}

// feedbackOf maps negotiated a=rtcp-fb values to the chain's set.
func feedbackOf(fbs []Feedback) interceptor.Feedback {
	var f interceptor.Feedback
	for _, x := range fbs {
		switch strings.ToLower(x.Type + " " + x.Parameter) {
		case "nack ":
			f |= interceptor.FeedbackNACK
		case "nack pli":
			f |= interceptor.FeedbackPLI
		case "ccm fir":
			f |= interceptor.FeedbackFIR
		case "goog-remb ":
			f |= interceptor.FeedbackREMB
		case "transport-cc ":
			f |= interceptor.FeedbackTransportCC
		}
	}
	return f
}

// rtxFor returns the RTX payload type whose apt is pt (RFC 4588 §8.6).
func (t *Transceiver) rtxFor(pt uint8) (uint8, bool) {
	for i := range t.codecs {
		c := &t.codecs[i]
		if isRTXName(c.Name) {
			if apt, ok := c.apt(); ok && apt == pt {
				return c.PayloadType, true
			}
		}
	}
	return 0, false
}

// pumpChain moves the chain's output (reports, feedback,
// retransmissions) through SRTP to send, and its events into the sink.
func (m *media) pumpChain(send func([]byte) error, out *sink) {
	if m.chain == nil {
		return
	}
	for {
		tb, ok := m.chain.PollWrite()
		if !ok {
			break
		}
		m.chainTimer.stale = true
		b, err := m.protectOutput(tb.Message)
		m.chain.Release(tb.Message)
		if err == nil && b != nil {
			err = send(b)
		}
		out.emitError("interceptor", err)
	}
	for {
		e, ok := m.chain.PollEvent()
		if !ok {
			return
		}
		m.chainEvent(e, out)
	}
}

// protectOutput protects one chain output: RTCP by its packet type (RFC
// 5761 §4: 192-223), else RTP (a retransmission).
func (m *media) protectOutput(b []byte) ([]byte, error) {
	if m.out == nil {
		return nil, nil
	}
	if len(b) > 1 && b[1] >= 192 && b[1] <= 223 {
		m.stats.RTCPOut++
		return m.out.AppendProtectRTCP(m.sendBuffer(len(b)+m.out.RTCPOverhead()), b)
	}
	m.stats.Retransmitted++
	return m.out.AppendProtectRTP(m.sendBuffer(len(b)+m.out.RTPOverhead()), b)
}

// chainEvent turns a chain event into a PeerConnection event.
func (m *media) chainEvent(e interceptor.Event, out *sink) {
	switch e.Kind {
	case interceptor.EventTargetBitrate:
		m.stats.TargetBitrate = e.Bitrate
		if m.pacer != nil {
			m.pc().SetRate(e.Bitrate)
		}
		out.emit(Event{Kind: EventTargetBitrate, Bitrate: e.Bitrate})
	case interceptor.EventKeyframeRequest:
		out.emit(Event{Kind: EventKeyframeRequest, Transceiver: m.senderOf(e.SSRC), SSRC: e.SSRC})
	}
}

// senderOf returns the transceiver sending ssrc.
func (m *media) senderOf(ssrc uint32) *Transceiver {
	for _, t := range m.transceivers {
		for _, e := range t.sender.encodings {
			if e.SSRC == ssrc {
				return t
			}
		}
	}
	return nil
}

// chainDeadline returns the chain's deadline (reports, NACKs, feedback).
func (m *media) chainDeadline() time.Time {
	if m.chain == nil {
		return time.Time{}
	}
	return m.chainTimer.get(m.chain.PollTimeout)
}

// RequestKeyframe asks the remote sender of a transceiver's stream for a
// keyframe (PLI or FIR, as negotiated and throttled by the chain, RFC 4585
// §6.3.1, RFC 5104 §4.3.1). ssrc 0 means every stream the transceiver
// receives. An SFU calls it for the publisher when a viewer asks
// (EventKeyframeRequest).
func (pc *PeerConnection) RequestKeyframe(t *Transceiver, ssrc uint32) error {
	if pc.closed {
		return ErrClosed
	}
	if t == nil || t.pc != pc {
		return ErrUnknownTransceiver
	}
	if pc.media.chain == nil {
		return fmt.Errorf("%w: no interceptor chain", ErrNoMedia)
	}
	var err error
	for _, s := range t.receiver.streams {
		if !s.rtx && (ssrc == 0 || s.ssrc == ssrc) {
			err = pc.media.ch().RequestKeyframe(pc.clock.Now(), s.ssrc)
		}
	}
	pc.step()
	return pc.out.report(layerErr("interceptor", err))
}
