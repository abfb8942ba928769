package mdns

import (
	"errors"
	"github.com/sansrtc/rtc/rtc-shared/contracttest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	shared "github.com/sansrtc/rtc/rtc-shared"
)

// FuzzParse: Parse never panics, and a message that parses (with names
// that need no escapes) builds back to bytes that parse to the same
// message.
func FuzzParse(f *testing.F) {
	f.Add(queryVector(f))
	f.Add(responseVector(f))
	f.Add(readVector(f, "announce.hex"))
	f.Add(unhex(f, "0000 0000 0001 0000 0000 0000 c00c 0001 0001"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Parse(b)
		if err != nil {
			return
		}
		for _, q := range m.Questions {
			if strings.ContainsRune(q.Name, '\\') {
				return
			}
		}
		for _, sec := range [][]Record{m.Answers, m.Authorities, m.Additionals} {
			for _, r := range sec {
				if strings.ContainsRune(r.Name, '\\') {
					return
				}
			}
		}
		out, err := m.AppendTo(nil)
		if err != nil {
			return // decompressed, the message can exceed 9000 bytes
		}
		m2, err := Parse(out)
		if err != nil {
			t.Fatalf("%x parses, builds to %x which fails: %v", b, out, err)
		}
		if diff := cmp.Diff(m, m2); diff != "" {
			t.Fatalf("round trip (-first +second):\n%s", diff)
		}
	})
}

// FuzzMachines drives a Querier and a Responder sharing one socket with
// records of: one byte selecting the source and a command, one byte of
// time step (10 ms units), then a length byte and that many bytes of
// datagram. Nothing panics, deadlines never go backwards, limits hold.
func FuzzMachines(f *testing.F) {
	seed := func(msgs ...[]byte) []byte {
		var out []byte
		for i, m := range msgs {
			out = append(out, byte(i), 10, byte(len(m)))
			out = append(out, m...)
		}
		return out
	}
	q := queryVector(f)
	resp := Message{Flags: FlagResponse, Answers: []Record{AddressRecord(knownNames[0], testAddrs[0], 120, true)}}
	rb, err := resp.AppendTo(nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed(q, rb, responseVector(f)))
	f.Add(seed(rb, rb, q, q))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg := Config{Locals: []netip.AddrPort{lanLocal}, Networks: []netip.Prefix{lanNet}, Rand: &cycleRand{}, MaxNames: 3, MaxCache: 2, MaxEvents: 4}
		qr, err := NewQuerier(cfg)
		if err != nil {
			t.Fatal(err)
		}
		rs, err := NewResponder(cfg)
		if err != nil {
			t.Fatal(err)
		}
		now := t0
		peers := []netip.AddrPort{lanPeer, netip.MustParseAddrPort("203.0.113.1:5353"), netip.MustParseAddrPort("192.168.77.3:1234")}
		for len(data) >= 3 {
			sel, dt, n := data[0], data[1], int(data[2])
			data = data[3:]
			n = min(n, len(data))
			msg := data[:n]
			data = data[n:]
			now = now.Add(time.Duration(dt) * 10 * time.Millisecond)
			switch sel >> 4 {
			case 1:
				expectErr(t, "Resolve", qr.Resolve(knownNames[int(sel)%len(knownNames)]), ErrTooManyNames)
			case 2:
				_, err := rs.Publish(testAddrs[int(sel)%len(testAddrs)])
				expectErr(t, "Publish", err, ErrTooManyNames, ErrBadAddress)
			case 3:
				expectErr(t, "Unpublish", rs.Unpublish(knownNames[int(sel)%len(knownNames)]), ErrUnknownName)
			}
			tb := shared.TaggedBytes{Now: now, Transport: shared.TransportContext{Local: GroupIPv4, Peer: peers[int(sel)%len(peers)]}, Message: msg}
			expectErr(t, "Querier.HandleRead", qr.HandleRead(tb), ErrBadMessage, ErrOffLink)
			expectErr(t, "Responder.HandleRead", rs.HandleRead(tb), ErrBadMessage, ErrOffLink)
			expectErr(t, "Querier.HandleTimeout", qr.HandleTimeout(now))
			expectErr(t, "Responder.HandleTimeout", rs.HandleTimeout(now))
			for _, m := range []interface {
				PollTimeout() (time.Time, bool)
			}{qr, rs} {
				if d, ok := m.PollTimeout(); ok && d.Before(now) {
					t.Fatalf("deadline %v before now %v", d, now)
				}
			}
			for {
				if _, ok := qr.PollWrite(); !ok {
					break
				}
			}
			for {
				if _, ok := rs.PollWrite(); !ok {
					break
				}
			}
			if sel&1 == 0 {
				for {
					if _, ok := qr.PollEvent(); !ok {
						break
					}
				}
			}
			if len(qr.pending) > 3 || len(qr.cache) > 2 || len(rs.records) > 3 || qr.events.Len() > 4 {
				t.Fatalf("limits: %d pending, %d cached, %d records, %d events", len(qr.pending), len(qr.cache), len(rs.records), qr.events.Len())
			}
		}
	})
}

// expectErr fails t unless err is nil or matches one of want; an event
// lost to a full queue (shared.ErrQueueFull) is always allowed, since the
// fuzz drains events only sometimes.
func expectErr(t *testing.T, what string, err error, want ...error) {
	t.Helper()
	if err == nil || errors.Is(err, shared.ErrQueueFull) {
		return
	}
	for _, w := range want {
		if errors.Is(err, w) {
			return
		}
	}
	t.Fatalf("%s: unexpected error %v", what, err)
}

// TestGarbageFlood: 20000 random and mangled datagrams through a Querier
// and a Responder sharing a socket: every one is dropped or ignored with a
// known error, counted, and the state stays within its limits.
func TestGarbageFlood(t *testing.T) {
	cfg := Config{Locals: []netip.AddrPort{lanLocal}, Networks: []netip.Prefix{lanNet}, Rand: &cycleRand{}, MaxNames: 3, MaxCache: 2}
	q, err := NewQuerier(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewResponder(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Publish(testAddrs[0]); err != nil {
		t.Fatal(err)
	}
	if err := q.Resolve(knownNames[1]); err != nil {
		t.Fatal(err)
	}
	rng := contracttest.NewRand(16 ^ 6762)
	now := t0
	for i := range 20000 {
		now = now.Add(time.Millisecond)
		msg := randomDatagram(rng, now)
		if i%2 == 0 {
			msg.Message = make([]byte, rng.IntN(64))
			for j := range msg.Message {
				msg.Message[j] = byte(rng.Uint32())
			}
		}
		expectErr(t, "Querier.HandleRead", q.HandleRead(msg), ErrBadMessage, ErrOffLink)
		expectErr(t, "Responder.HandleRead", r.HandleRead(msg), ErrBadMessage, ErrOffLink)
		for {
			if _, ok := q.PollWrite(); !ok {
				break
			}
		}
		for {
			if _, ok := r.PollWrite(); !ok {
				break
			}
		}
		for {
			if _, ok := q.PollEvent(); !ok {
				break
			}
		}
		for {
			if _, ok := r.PollEvent(); !ok {
				break
			}
		}
	}
	qs, rs := q.Stats(), r.Stats()
	if qs.Malformed < 9000 || rs.Malformed != qs.Malformed || len(q.cache) > 2 || len(r.records) != 1 {
		t.Fatalf("querier %+v (cache %d), responder %+v (records %d)", qs, len(q.cache), rs, len(r.records))
	}
	// 20 s of queries for our name, some of them on-link: at most one
	// answer a second, two announcements included.
	if rs.ResponsesSent > 22 {
		t.Fatalf("%d responses in 20 s", rs.ResponsesSent)
	}
	t.Logf("querier %+v", qs)
	t.Logf("responder %+v", rs)
}
