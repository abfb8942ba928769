package mdns

import (
	"io"
	"net/netip"
	"testing"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
	"github.com/sansrtc/rtc/rtc-shared/contracttest"
)

// cycleRand returns the same few UUIDs in turn, so tests know the names a
// Responder draws.
type cycleRand struct{ i int }

func (c *cycleRand) Read(p []byte) (int, error) {
	for j := range p {
		p[j] = byte(c.i/16%4 + 1)
		c.i++
	}
	return len(p), nil
}

// knownNames are the names a Responder with a cycleRand draws, plus one it
// never draws.
var knownNames = func() []string {
	var out []string
	r := &cycleRand{}
	for range 4 {
		n, err := newName(r)
		if err != nil {
			panic(err)
		}
		out = append(out, n)
	}
	return append(out, testName)
}()

var testAddrs = []netip.Addr{
	netip.MustParseAddr("192.168.77.2"), netip.MustParseAddr("192.168.77.3"),
	netip.MustParseAddr("fe80::2"), netip.MustParseAddr("192.168.77.4"), netip.MustParseAddr("0.0.0.0"),
}

// randomDatagram is a nearly valid mDNS datagram: a query or a response
// about the known names, sometimes from off the link, sometimes mangled.
func randomDatagram(r *contracttest.Rand, now time.Time) shared.TaggedBytes {
	name := knownNames[r.IntN(len(knownNames))]
	addr := testAddrs[r.IntN(len(testAddrs))]
	var m Message
	switch r.IntN(3) {
	case 0:
		m.Questions = []Question{{Name: name, Type: []Type{TypeA, TypeAAAA, TypeANY, TypePTR}[r.IntN(4)], Class: ClassIN, UnicastResponse: r.IntN(2) == 0}}
		if r.IntN(4) == 0 {
			m.Answers = []Record{AddressRecord(name, addr, uint32(r.IntN(200)), false)}
		}
	default:
		m.Flags = FlagResponse | FlagAuthoritative
		if r.IntN(10) == 0 {
			m.Flags |= uint16(r.IntN(16))
		}
		m.Answers = []Record{AddressRecord(name, addr, uint32(r.IntN(3)*60), r.IntN(2) == 0)}
	}
	b, err := m.AppendTo(nil)
	if err != nil {
		panic(err)
	}
	if r.IntN(8) == 0 && len(b) > 0 {
		b[r.IntN(len(b))] ^= byte(1 + r.IntN(255))
	}
	if r.IntN(10) == 0 {
		b = b[:r.IntN(len(b))]
	}
	peer := lanPeer
	switch r.IntN(10) {
	case 0:
		peer = netip.MustParseAddrPort("203.0.113.9:5353")
	case 1:
		peer = netip.MustParseAddrPort("192.168.77.3:40000")
	}
	return shared.TaggedBytes{Now: now, Transport: shared.TransportContext{Local: GroupIPv4, Peer: peer}, Message: b}
}

func TestQuerierContract(t *testing.T) {
	newQ := func(t *testing.T) (*Querier, time.Time) {
		q, err := NewQuerier(Config{Locals: []netip.AddrPort{lanLocal}, Networks: []netip.Prefix{lanNet, netip.MustParsePrefix("fe80::/10")}})
		if err != nil {
			t.Fatal(err)
		}
		if err := q.HandleTimeout(t0); err != nil {
			t.Fatal(err)
		}
		return q, t0
	}
	contracttest.Run(t, contracttest.Subject[[]byte, []byte, Command, Event]{
		New: func(t *testing.T) (shared.Protocol[[]byte, []byte, Command, Event], time.Time) {
			return newQ(t)
		},
		RandomRead: randomDatagram,
		RandomEvent: func(r *contracttest.Rand) Command {
			if r.IntN(10) == 0 {
				return Command{Kind: CommandKind(r.IntN(4)), Name: "printer.local"}
			}
			return Command{Kind: CmdResolve, Name: knownNames[r.IntN(len(knownNames))]}
		},
		FillEvents: func(t *testing.T, m shared.Protocol[[]byte, []byte, Command, Event], now time.Time) contracttest.Fill {
			q := m.(*Querier)
			var f contracttest.Fill
			f.Errs = append(f.Errs, q.Resolve(testName))
			for {
				if _, ok := q.PollWrite(); !ok {
					break
				}
			}
			resp := Message{Flags: FlagResponse, Answers: []Record{AddressRecord(testName, testAddrs[0], 120, true)}}
			b, err := resp.AppendTo(nil)
			if err != nil {
				t.Fatal(err)
			}
			f.Errs = append(f.Errs, q.HandleRead(shared.TaggedBytes{Now: now, Transport: shared.TransportContext{Local: lanLocal, Peer: lanPeer}, Message: b}))
			for range 100 { // cache hits: one EventResolved each
				f.Errs = append(f.Errs, q.Resolve(testName))
			}
			f.Produced = 101
			return f
		},
		Steps: 1000,
	})
}

func TestResponderContract(t *testing.T) {
	contracttest.Run(t, contracttest.Subject[[]byte, []byte, Command, Event]{
		New: func(t *testing.T) (shared.Protocol[[]byte, []byte, Command, Event], time.Time) {
			r, err := NewResponder(Config{Locals: []netip.AddrPort{lanLocal, netip.MustParseAddrPort("[fe80::2]:5353")},
				Networks: []netip.Prefix{lanNet}, Rand: &cycleRand{}, MaxNames: 3})
			if err != nil {
				t.Fatal(err)
			}
			if err := r.HandleTimeout(t0); err != nil {
				t.Fatal(err)
			}
			return r, t0
		},
		RandomRead: randomDatagram,
		RandomEvent: func(r *contracttest.Rand) Command {
			if r.IntN(3) == 0 {
				return Command{Kind: CmdUnpublish, Name: knownNames[r.IntN(len(knownNames))]}
			}
			return Command{Kind: CommandKind(r.IntN(4)), Addr: testAddrs[r.IntN(len(testAddrs))]}
		},
		FillEvents: func(t *testing.T, m shared.Protocol[[]byte, []byte, Command, Event], now time.Time) contracttest.Fill {
			r := m.(*Responder)
			var f contracttest.Fill
			name, err := r.Publish(testAddrs[0])
			f.Errs = append(f.Errs, err)
			// One response giving our name 100 other addresses: 100 conflicts.
			resp := Message{Flags: FlagResponse}
			for i := range 100 {
				resp.Answers = append(resp.Answers, AddressRecord(name, netip.AddrFrom4([4]byte{192, 168, 78, byte(i)}), 120, true))
			}
			b, err := resp.AppendTo(nil)
			if err != nil {
				t.Fatal(err)
			}
			f.Errs = append(f.Errs, r.HandleRead(shared.TaggedBytes{Now: now, Transport: shared.TransportContext{Local: lanLocal, Peer: lanPeer}, Message: b}))
			f.Produced = 101
			return f
		},
		Steps: 1000,
	})
}

var _ io.Reader = (*cycleRand)(nil)
