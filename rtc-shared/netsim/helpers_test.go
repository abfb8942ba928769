package netsim_test

import (
	"encoding/binary"
	"net/netip"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// blaster sends count datagrams, one every interval from its start time,
// each starting with a 4-byte sequence number. size(i) gives the size of
// datagram i (at least 4).
type blaster struct {
	local, peer netip.AddrPort
	next        time.Time
	interval    time.Duration
	count, sent int
	size        func(i int) int
	ecn         shared.ECN
	out         []shared.TaggedBytes
}

func newBlaster(local, peer netip.AddrPort, start time.Time, interval time.Duration, count int, size func(int) int) *blaster {
	if size == nil {
		size = func(int) int { return 100 }
	}
	return &blaster{local: local, peer: peer, next: start, interval: interval, count: count, size: size}
}

func (b *blaster) HandleRead(shared.TaggedBytes) error { return nil }

func (b *blaster) PollWrite() (shared.TaggedBytes, bool) {
	if len(b.out) == 0 {
		return shared.TaggedBytes{}, false
	}
	m := b.out[0]
	b.out = b.out[1:]
	return m, true
}

func (b *blaster) HandleTimeout(now time.Time) error {
	for b.sent < b.count && !now.Before(b.next) {
		msg := make([]byte, max(4, b.size(b.sent)))
		binary.BigEndian.PutUint32(msg, uint32(b.sent))
		b.out = append(b.out, shared.TaggedBytes{Now: now, Transport: shared.TransportContext{Local: b.local, Peer: b.peer, ECN: b.ecn}, Message: msg})
		b.sent++
		b.next = b.next.Add(b.interval)
	}
	return nil
}

func (b *blaster) PollTimeout() (time.Time, bool) {
	if b.sent >= b.count {
		return time.Time{}, false
	}
	return b.next, true
}

// arrival is one datagram a sink received.
type arrival struct {
	at        time.Time
	seq       uint32
	size      int
	from, to  netip.AddrPort
	payload   []byte
	transport shared.TransportContext
}

// sink records everything it receives and sends what the test queues.
type sink struct {
	got []arrival
	out []shared.TaggedBytes
	err error // returned from HandleRead when set
}

func (s *sink) HandleRead(m shared.TaggedBytes) error {
	a := arrival{at: m.Now, size: len(m.Message), from: m.Transport.Peer, to: m.Transport.Local, transport: m.Transport,
		payload: append([]byte(nil), m.Message...)}
	if len(m.Message) >= 4 {
		a.seq = binary.BigEndian.Uint32(m.Message)
	}
	s.got = append(s.got, a)
	return s.err
}

func (s *sink) send(from, to netip.AddrPort, payload string) {
	s.out = append(s.out, shared.TaggedBytes{Transport: shared.TransportContext{Local: from, Peer: to}, Message: []byte(payload)})
}

func (s *sink) PollWrite() (shared.TaggedBytes, bool) {
	if len(s.out) == 0 {
		return shared.TaggedBytes{}, false
	}
	m := s.out[0]
	s.out = s.out[1:]
	return m, true
}

func (s *sink) HandleTimeout(time.Time) error  { return nil }
func (s *sink) PollTimeout() (time.Time, bool) { return time.Time{}, false }

// last returns the payload of the last datagram received, or "".
func (s *sink) last() string {
	if len(s.got) == 0 {
		return ""
	}
	return string(s.got[len(s.got)-1].payload)
}
