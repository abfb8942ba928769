// Package sidebyside measures the media path of the sansrtc PeerConnection next to
// Pion v4.2.20 in the same run (issue 13, "Figures"): the SFU forwarding
// cost per packet, a 2.5 Mbit/s publisher fanned out to 100 viewers, and
// the CPU per media packet at 1000 packets/s. README.md has the figures and
// how they were taken.
//
// sansrtc runs sans-I/O: the PeerConnections are connected in memory on a
// virtual clock (no sockets, no goroutines) and each datagram is fed to the
// other end directly. Pion needs sockets: its peers talk over 127.0.0.1.
package sidebyside

import (
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/sansrtc/rtc/rtc"
	rtp "github.com/sansrtc/rtc/rtc-rtp"
	shared "github.com/sansrtc/rtc/rtc-shared"
)

// payloadSize is the RTP payload of every media packet (a full-size video
// packet: 1100 bytes plus a 12-byte header and SRTP's tag).
const payloadSize = 1100

var (
	epoch      = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	videoTrack = rtc.Track{Kind: rtc.MediaKindVideo, StreamIDs: []string{"pub"}, Codec: rtc.Codec{Name: "VP8", ClockRate: 90000}}
)

// vp8Payload is a keyframe-shaped VP8 payload (RFC 7741 §4.3: the P bit of
// the first octet clear).
func vp8Payload() []byte {
	p := make([]byte, payloadSize)
	for i := range p {
		p[i] = byte(i)
	}
	p[0] = 0x10
	return p
}

// clock is the virtual time every sansrtc PeerConnection of one rig sees.
type clock struct{ now time.Time }

// link is a PeerConnection sending one VP8 track (tx) connected in memory
// to one receiving it (rx).
type link struct {
	c      *clock
	tx, rx *rtc.PeerConnection
	sender *rtc.Sender
	// got counts the RTP packets rx read; bytes their bytes.
	got, bytes int
	// errs counts errors the ends returned (none expected).
	errs int
	// lastErr is the last of them.
	lastErr error
}

// addr gives connection i its own pair of documentation addresses.
func addr(net string, i int) netip.AddrPort {
	return netip.AddrPortFrom(netip.MustParseAddr(net), uint16(10000+i))
}

// newLink negotiates and connects tx (one VP8 track) to rx, and returns once
// media flows.
func newLink(c *clock, i int) (*link, error) {
	tx, err := rtc.NewPeerConnection(rtc.Configuration{Now: c.now, LocalAddresses: []netip.AddrPort{addr("192.0.2.1", i)}})
	if err != nil {
		return nil, err
	}
	rx, err := rtc.NewPeerConnection(rtc.Configuration{Now: c.now, LocalAddresses: []netip.AddrPort{addr("198.51.100.1", i)}})
	if err != nil {
		return nil, err
	}
	l := &link{c: c, tx: tx, rx: rx}
	if l.sender, err = tx.AddTrack(videoTrack); err != nil {
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
	connected := func() bool {
		return tx.ConnectionState() == rtc.PeerConnectionConnected && rx.ConnectionState() == rtc.PeerConnectionConnected
	}
	if err := l.settle(connected); err != nil {
		return nil, err
	}
	// The first packet proves the SRTP contexts are keyed both ways.
	var seq uint16
	pkt := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96}, Payload: vp8Payload()}
	raw := make([]byte, 0, 1500)
	if err := l.settle(func() bool {
		if l.got > 0 {
			return true
		}
		seq++
		pkt.SequenceNumber, pkt.Timestamp = seq, uint32(seq)*3000
		raw, err = pkt.AppendTo(raw[:0])
		if err == nil {
			err = l.sender.WriteRTP("", raw)
		}
		return false
	}); err != nil {
		return nil, err
	}
	if l.errs > 0 {
		return nil, fmt.Errorf("sansrtc link: %d errors while connecting, last: %w", l.errs, l.lastErr)
	}
	return l, err
}

// settle moves datagrams both ways and runs timers on the virtual clock
// until done, or fails after a step cap.
func (l *link) settle(done func() bool) error {
	for range 100000 {
		if done() {
			return nil
		}
		if l.exchange() {
			continue
		}
		next, ok := earliest(l.tx, l.rx)
		if !ok {
			break
		}
		if next.After(l.c.now) {
			l.c.now = next
		}
		l.tick()
	}
	if done() {
		return nil
	}
	return errors.New("sansrtc link did not settle")
}

// exchange moves what each end has to send to the other and drains events
// and reads; it reports whether anything moved.
func (l *link) exchange() bool {
	a := l.flush(l.tx, l.rx)
	b := l.flush(l.rx, l.tx)
	l.drain(l.tx)
	l.drain(l.rx)
	return a || b
}

// tick runs due timers on both ends and moves their output. Output is
// drained first (the drain rule: PollTimeout reports now while output
// waits).
func (l *link) tick() {
	l.exchange()
	l.timer(l.tx)
	l.timer(l.rx)
	l.exchange()
}

// timer calls HandleTimeout on pc when its deadline is due.
func (l *link) timer(pc *rtc.PeerConnection) {
	if t, ok := pc.PollTimeout(); ok && !t.After(l.c.now) {
		l.check(pc.HandleTimeout(l.c.now))
	}
}

func (l *link) check(err error) {
	if err != nil {
		l.errs++
		l.lastErr = err
	}
}

// flush delivers every datagram from has to send to to, and hands SRTP
// buffers back once to decrypted them (into its own buffer).
func (l *link) flush(from, to *rtc.PeerConnection) bool {
	moved := false
	for {
		dg, ok := from.PollWrite()
		if !ok {
			return moved
		}
		moved = true
		srtp := len(dg.Message) > 0 && dg.Message[0] >= 128 && dg.Message[0] <= 191 // RFC 7983
		l.check(to.HandleRead(shared.TaggedBytes{Now: l.c.now, Transport: dg.Transport.Reverse(), Message: dg.Message}))
		if srtp {
			from.ReleaseWrite(dg.Message)
		}
	}
}

// drain empties pc's events and reads (counting RTP on rx).
func (l *link) drain(pc *rtc.PeerConnection) {
	for {
		if _, ok := pc.PollEvent(); !ok {
			break
		}
	}
	for {
		m, ok := pc.PollRead()
		if !ok {
			return
		}
		if pc == l.rx && m.Kind == rtc.MessageRTP {
			l.got++
			l.bytes += len(m.Data)
		}
		pc.ReleaseRead(m)
	}
}

func (l *link) close() {
	l.check(l.tx.Close())
	l.check(l.rx.Close())
}

// earliest is the earliest deadline of the PeerConnections.
func earliest(pcs ...*rtc.PeerConnection) (time.Time, bool) {
	var next time.Time
	for _, pc := range pcs {
		if t, ok := pc.PollTimeout(); ok && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	return next, !next.IsZero()
}

// source numbers a VP8 stream of full-size packets, marshalled into one
// reused buffer.
type source struct {
	pkt rtp.Packet
	buf []byte
}

func newSource() *source {
	return &source{pkt: rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: 1000}, Payload: vp8Payload()}, buf: make([]byte, 0, 1500)}
}

// next returns the next packet (valid until the next call); step is the
// RTP timestamp increment.
func (s *source) next(step uint32) []byte {
	s.pkt.SequenceNumber++
	s.pkt.Timestamp += step
	var err error
	s.buf, err = s.pkt.AppendTo(s.buf[:0])
	if err != nil {
		panic(err) // a fixed, valid packet: cannot fail
	}
	return s.buf
}

// ourSFU is a publisher link (pub.tx publishing to the SFU's pub.rx) and
// one link per viewer (the SFU's outs[i].tx sending to viewer outs[i].rx),
// all in memory on one clock.
type ourSFU struct {
	c    *clock
	pub  *link
	outs []*link
	src  *source
	// forwarded counts the packets the SFU wrote to its viewers.
	forwarded int
}

func newOurSFU(viewers int) (*ourSFU, error) {
	s := &ourSFU{c: &clock{now: epoch}, src: newSource()}
	var err error
	if s.pub, err = newLink(s.c, 0); err != nil {
		return nil, err
	}
	for i := range viewers {
		l, err := newLink(s.c, 1+i)
		if err != nil {
			return nil, err
		}
		s.outs = append(s.outs, l)
	}
	return s, nil
}

// publish sends one packet from the publisher through the SFU to every
// viewer: the whole pipeline, advancing the clock by dt.
func (s *ourSFU) publish(dt time.Duration, tsStep uint32) {
	s.c.now = s.c.now.Add(dt)
	p := s.pub
	p.check(p.sender.WriteRTP("", s.src.next(tsStep)))
	p.flush(p.tx, p.rx)
	s.route(p.rx)
	s.timers()
}

// route reads what the SFU's receiving end got and forwards each RTP
// packet to every viewer (the SFU's whole job).
func (s *ourSFU) route(in *rtc.PeerConnection) {
	for {
		if _, ok := in.PollEvent(); !ok {
			break
		}
	}
	for {
		m, ok := in.PollRead()
		if !ok {
			return
		}
		if m.Kind == rtc.MessageRTP {
			s.pub.got++
			for _, o := range s.outs {
				o.check(o.sender.WriteRTP("", m.Data))
				o.flush(o.tx, o.rx)
				o.drain(o.rx)
				s.forwarded++
			}
		}
		in.ReleaseRead(m)
	}
}

// timers runs every due timer (reports, feedback) and moves its output.
func (s *ourSFU) timers() {
	s.pub.tick()
	s.route(s.pub.rx)
	for _, o := range s.outs {
		o.tick()
	}
}

// delivered is the number of packets all viewers read.
func (s *ourSFU) delivered() int {
	n := 0
	for _, o := range s.outs {
		n += o.got
	}
	return n
}

// errs sums the errors every end returned, with the last one.
func (s *ourSFU) errs() (int, error) {
	n, last := s.pub.errs, s.pub.lastErr
	for _, o := range s.outs {
		n += o.errs
		if o.lastErr != nil {
			last = o.lastErr
		}
	}
	return n, last
}

func (s *ourSFU) close() {
	s.pub.close()
	for _, o := range s.outs {
		o.close()
	}
}

// forwardOnly is the SFU's part alone, for the cost per forwarded packet:
// datagrams the publisher sealed beforehand go into the SFU's receiving
// end; the SFU reads, writes the packet to its one viewer's sender, and
// its datagram is handed back unsent. Publisher and viewer cost nothing
// here.
type forwardOnly struct {
	s    *ourSFU
	ring [][]byte
	tc   shared.TransportContext
}

func newForwardOnly() (*forwardOnly, error) {
	s, err := newOurSFU(1)
	if err != nil {
		return nil, err
	}
	return &forwardOnly{s: s}, nil
}

// fill has the publisher seal n packets (copies kept in the ring).
func (f *forwardOnly) fill(n int) error {
	f.ring = f.ring[:0]
	p := f.s.pub
	for range n {
		if err := p.sender.WriteRTP("", f.s.src.next(3000)); err != nil {
			return err
		}
		for {
			dg, ok := p.tx.PollWrite()
			if !ok {
				break
			}
			f.tc = dg.Transport.Reverse()
			f.ring = append(f.ring, append([]byte(nil), dg.Message...))
			p.tx.ReleaseWrite(dg.Message)
		}
	}
	if len(f.ring) != n {
		return fmt.Errorf("sealed %d datagrams for %d packets", len(f.ring), n)
	}
	return nil
}

// forward is one SFU step: receive SRTP, decrypt, route (HandleRead,
// PollRead), rewrite and encrypt (WriteRTP), send (PollWrite), and give the
// buffers back. The clock moves 1 ms per packet and due timers run.
func (f *forwardOnly) forward(dg []byte) error {
	f.s.c.now = f.s.c.now.Add(time.Millisecond)
	in, out := f.s.pub.rx, f.s.outs[0]
	if err := in.HandleRead(shared.TaggedBytes{Now: f.s.c.now, Transport: f.tc, Message: dg}); err != nil {
		return err
	}
	n := 0
	for {
		m, ok := in.PollRead()
		if !ok {
			break
		}
		if m.Kind == rtc.MessageRTP {
			n++
			if err := out.sender.WriteRTP("", m.Data); err != nil {
				return err
			}
		}
		in.ReleaseRead(m)
	}
	if n != 1 {
		return fmt.Errorf("read %d packets from one datagram", n)
	}
	// The drain rule (rtc/doc.go): PollWrite and PollEvent first, then
	// PollTimeout; a due timer runs and its output is drained too.
	for _, pc := range []*rtc.PeerConnection{in, out.tx} {
		drainOut(pc)
		if t, ok := pc.PollTimeout(); ok && !t.After(f.s.c.now) {
			if err := pc.HandleTimeout(f.s.c.now); err != nil {
				return err
			}
			drainOut(pc)
		}
	}
	return nil
}

// drainOut hands back every datagram pc has to send (unsent: the SFU's
// cost ends at PollWrite) and drops its events.
func drainOut(pc *rtc.PeerConnection) {
	for {
		dg, ok := pc.PollWrite()
		if !ok {
			break
		}
		pc.ReleaseWrite(dg.Message)
	}
	for {
		if _, ok := pc.PollEvent(); !ok {
			break
		}
	}
}
