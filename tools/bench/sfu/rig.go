// Package sfubench measures what a sansrtc SFU costs per forwarded media
// packet (issue 13), on PeerConnections connected in memory (no sockets,
// no goroutines: the sans-I/O part a driver adds its syscalls to):
//
//		go test -bench . -benchmem -count 5 ./tools/bench/sfu
//
//	  - BenchmarkForward: one publisher packet (1100-byte VP8 payload)
//	    through the SFU to one viewer: receive SRTP, decrypt, route
//	    (HandleRead, PollRead), rewrite and encrypt (Sender.WriteRTP), send
//	    (PollWrite), buffers handed back. 0 allocs in steady state.
//	  - BenchmarkFanout100: the same packet to 100 viewers; ns/op is per
//	    publisher packet, "ns/viewer" per copy, and TestFanoutMemory logs
//	    the heap each viewer connection costs.
//	  - BenchmarkSend, BenchmarkReceive: one packet sent (WriteRTP,
//	    PollWrite) or received (HandleRead, PollRead) by a PeerConnection.
//
// Not measured here yet: Pion's TrackRemote.ReadRTP → TrackLocalStaticRTP.WriteRTP
// in the same interleaved run (it needs sockets; see the package README).
package sfubench

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/sansrtc/rtc/rtc"
	rtp "github.com/sansrtc/rtc/rtc-rtp"
	shared "github.com/sansrtc/rtc/rtc-shared"
)

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// pair is two PeerConnections connected in memory; tx sends one VP8 track
// to rx.
type pair struct {
	tx, rx *rtc.PeerConnection
	sender *rtc.Sender
	now    time.Time
}

// vp8 is the codec the rig negotiates: VP8 without RTCP feedback.
// vp8NACK adds Generic NACK (RFC 4585 §4.2), as browsers offer it, so the
// sending side keeps a retransmission history.
var (
	vp8     = []rtc.Codec{{Name: "VP8", ClockRate: 90000}}
	vp8NACK = []rtc.Codec{{Name: "VP8", ClockRate: 90000, Feedback: []rtc.Feedback{{Type: "nack"}, {Type: "nack", Parameter: "pli"}}}}
)

func newPair(i int) (*pair, error) { return newPairWith(i, vp8) }

func newPairWith(i int, codecs []rtc.Codec) (*pair, error) {
	addr := func(ip string) netip.AddrPort {
		return netip.AddrPortFrom(netip.MustParseAddr(ip), uint16(10000+i%50000))
	}
	tx, err := rtc.NewPeerConnection(rtc.Configuration{Now: epoch, LocalAddresses: []netip.AddrPort{addr("192.0.2.1")}})
	if err != nil {
		return nil, err
	}
	rx, err := rtc.NewPeerConnection(rtc.Configuration{Now: epoch, LocalAddresses: []netip.AddrPort{addr("198.51.100.1")}})
	if err != nil {
		return nil, err
	}
	t, err := tx.AddTransceiverTrack(rtc.Track{Kind: rtc.MediaKindVideo}, rtc.TransceiverInit{Direction: rtc.DirectionSendOnly})
	if err != nil {
		return nil, err
	}
	if err := t.SetCodecPreferences(codecs); err != nil {
		return nil, err
	}
	dc, err := tx.CreateDataChannel("sync", rtc.DataChannelInit{})
	if err != nil {
		return nil, err
	}
	o, err := tx.CreateOffer()
	if err != nil {
		return nil, err
	}
	if err := tx.SetLocalDescription(o); err != nil {
		return nil, err
	}
	if err := rx.SetRemoteDescription(tx.LocalDescription()); err != nil {
		return nil, err
	}
	a, err := rx.CreateAnswer()
	if err != nil {
		return nil, err
	}
	if err := rx.SetLocalDescription(a); err != nil {
		return nil, err
	}
	if err := tx.SetRemoteDescription(rx.LocalDescription()); err != nil {
		return nil, err
	}
	p := &pair{tx: tx, rx: rx, sender: t.Sender(), now: epoch}
	// The data channel opens after DTLS: SRTP is keyed by then.
	return p, p.pump(func() bool { return dc.State() == rtc.DataChannelOpen })
}

// pump moves datagrams both ways and runs timers on a virtual clock
// until done. Errors of single datagrams are the stack's to count.
func (p *pair) pump(done func() bool) error {
	for range 100000 {
		if done() {
			return nil
		}
		moved := false
		for _, d := range [][2]*rtc.PeerConnection{{p.tx, p.rx}, {p.rx, p.tx}} {
			for {
				dg, ok := d[0].PollWrite()
				if !ok {
					break
				}
				moved = true
				dg.Now, dg.Transport = p.now, dg.Transport.Reverse()
				if err := d[1].HandleRead(dg); err != nil {
					continue // dropped and counted by the stack
				}
			}
			for {
				if _, ok := d[0].PollEvent(); !ok {
					break
				}
			}
			for {
				m, ok := d[0].PollRead()
				if !ok {
					break
				}
				d[0].ReleaseRead(m)
			}
		}
		if moved {
			continue
		}
		next := time.Time{}
		for _, pc := range []*rtc.PeerConnection{p.tx, p.rx} {
			if t, ok := pc.PollTimeout(); ok && (next.IsZero() || t.Before(next)) {
				next = t
			}
		}
		if next.IsZero() {
			break
		}
		if next.After(p.now) {
			p.now = next
		}
		for _, pc := range []*rtc.PeerConnection{p.tx, p.rx} {
			if err := pc.HandleTimeout(p.now); err != nil {
				return err
			}
		}
	}
	if done() {
		return nil
	}
	return fmt.Errorf("pair did not connect")
}

// sealed returns n SRTP datagrams of tx's video stream (1100-byte
// payloads), as rx receives them.
func (p *pair) sealed(n int, seq *uint16) ([]shared.TaggedBytes, error) {
	payload := make([]byte, 1100)
	payload[0] = 0x10 // VP8 payload descriptor: start of partition 0 (RFC 7741 §4.2)
	var out []shared.TaggedBytes
	for len(out) < n {
		*seq++
		pkt := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: *seq, Timestamp: uint32(*seq) * 3000, SSRC: 1}, Payload: payload}
		b, err := pkt.Marshal()
		if err != nil {
			return nil, err
		}
		if err := p.sender.WriteRTP("", b); err != nil {
			return nil, err
		}
		for {
			dg, ok := p.tx.PollWrite()
			if !ok {
				break
			}
			if len(dg.Message) > 1000 { // the RTP packet, not RTCP
				c := dg
				c.Message = append([]byte(nil), dg.Message...)
				c.Now, c.Transport = p.now, dg.Transport.Reverse()
				out = append(out, c)
			}
			p.tx.ReleaseWrite(dg.Message)
		}
	}
	return out, nil
}

// sfu is a publisher pair (pub.tx → pub.rx, the SFU's receiving side)
// and viewer pairs (view[i].tx, the SFU's sending side → view[i].rx).
type sfu struct {
	pub  *pair
	view []*pair
	seq  uint16
	sent uint64
}

func newSFU(viewers int) (*sfu, error) { return newSFUWith(viewers, vp8) }

// newSFUWith is newSFU with the viewers' codecs.
func newSFUWith(viewers int, codecs []rtc.Codec) (*sfu, error) {
	pub, err := newPair(0)
	if err != nil {
		return nil, err
	}
	s := &sfu{pub: pub}
	for i := range viewers {
		v, err := newPairWith(i+1, codecs)
		if err != nil {
			return nil, err
		}
		s.view = append(s.view, v)
	}
	return s, nil
}

// forward is one SFU step: the publisher's datagram in, a copy out to
// every viewer, buffers handed back.
func (s *sfu) forward(dg shared.TaggedBytes) error {
	in := s.pub.rx
	if err := in.HandleRead(dg); err != nil {
		return err
	}
	for {
		m, ok := in.PollRead()
		if !ok {
			break
		}
		if m.Kind == rtc.MessageRTP {
			for _, v := range s.view {
				if err := v.sender.WriteRTP("", m.Data); err != nil {
					return err
				}
				for {
					out, ok := v.tx.PollWrite()
					if !ok {
						break
					}
					s.sent++
					v.tx.ReleaseWrite(out.Message)
				}
			}
		}
		in.ReleaseRead(m)
	}
	return nil
}
