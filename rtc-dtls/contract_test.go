package dtls

import (
	"net/netip"
	"testing"
	"time"

	"github.com/sansrtc/rtc/rtc-shared"
	"github.com/sansrtc/rtc/rtc-shared/contracttest"
)

type dtlsProtocol = shared.Protocol[[]byte, []byte, Command, Event]

var _ shared.TimeoutReasoner = (*Conn)(nil)

// contractSubject is the conformance suite's view of one kind of Conn:
// fresh clients and servers, and both sides of an established pair (the
// other side drives nothing: it only seals records for RandomRead).
type contractSubject struct {
	name string
	new  func(t *testing.T) *testPair
	// client: the Conn under test is the pair's client, else its server.
	client bool
	// established: the pair completes its handshake before the suite runs.
	established bool
	// noFill: nothing the peer sends makes events pile up (DTLS 1.3 has no
	// warning alerts: every alert but close_notify ends the connection).
	noFill bool
}

func TestContract(t *testing.T) {
	fresh := func(hvr bool) func(t *testing.T) *testPair {
		return func(t *testing.T) *testPair {
			cc, sc := defaultConfigs()
			sc.HelloVerify = hvr
			return newTestPair(t, cc, sc)
		}
	}
	for _, s := range []contractSubject{
		{name: "client", new: fresh(false), client: true},
		{name: "server", new: fresh(false)},
		{name: "server-hvr", new: fresh(true)},
		{name: "established-client", new: fresh(false), client: true, established: true},
		{name: "established-server", new: fresh(true), established: true},
		// With connection IDs (RFC 9146): records from strangers that carry
		// the CID, and peer address moves, inside the contract too.
		{name: "established-client-cid", new: withCID, client: true, established: true},
		{name: "established-server-cid", new: withCID, established: true},
	} {
		t.Run(s.name, func(t *testing.T) { runContract(t, s) })
	}
}

// withCID is a fresh 1.2 pair with connection IDs both ways.
func withCID(t *testing.T) *testPair {
	cc, sc := defaultConfigs()
	cc.ConnectionIDLength, sc.ConnectionIDLength = 4, 6
	return newTestPair(t, cc, sc)
}

func runContract(t *testing.T, s contractSubject) {
	var cur *testPair // the pair of the machine the suite is driving
	victim := func(p *testPair) (*Conn, *Conn) {
		if s.client {
			return p.client, p.server
		}
		return p.server, p.client
	}
	sub := contracttest.Subject[[]byte, []byte, Command, Event]{
		New: func(t *testing.T) (dtlsProtocol, time.Time) {
			p := s.new(t)
			if s.established {
				mustHandshake(t, p)
			}
			cur = p
			c, _ := victim(p)
			// Hand the suite a machine with nothing left to poll.
			contracttest.Drive[[]byte, []byte, Command, Event](t, c)
			return c, p.now
		},
		RandomRead: func(r *contracttest.Rand, now time.Time) shared.TaggedBytes {
			c, peer := victim(cur)
			from := peerOf(c)
			if r.IntN(8) == 0 {
				from = netip.AddrPortFrom(strangerAddr.Addr(), uint16(r.IntN(65536)))
			}
			local := c.tr.Local
			return shared.TaggedBytes{Now: now, Transport: shared.TransportContext{Local: local, Peer: from}, Message: randomRecords(r, c, peer)}
		},
		RandomWrite: func(r *contracttest.Rand) []byte { return make([]byte, r.IntN(1500)) },
		RandomEvent: func(r *contracttest.Rand) Command { return Command{Kind: CommandKind(r.IntN(3))} },
		FillEvents: func(t *testing.T, m dtlsProtocol, now time.Time) contracttest.Fill {
			if !s.established {
				return fillByAlerts(t, m, nil, now)
			}
			_, peer := victim(cur)
			return fillByAlerts(t, m, peer, now)
		},
	}
	if (!s.client && !s.established) || s.noFill {
		// A server without a ClientHello has no peer: it drops alerts and
		// produces no event that could fill its queue.
		sub.FillEvents = nil
	}
	contracttest.Run(t, sub)
}

// randomRecords builds a datagram of one to three nearly valid records:
// sealed by the real peer under its current keys (any content type, random
// plaintext), plaintext handshake fragments around the expected
// message_seq, epoch-1 garbage, or plain noise.
func randomRecords(r *contracttest.Rand, c, peer *Conn) []byte {
	var dg []byte
	for range 1 + r.IntN(3) {
		body := make([]byte, r.IntN(64))
		for i := range body {
			body[i] = byte(r.Uint32())
		}
		typ := ContentType(20 + r.IntN(5))
		switch r.IntN(5) {
		case 0, 1:
			if peer.writeCipher != nil && peer.state != stateClosed {
				if rec, err := peer.sealRecord(nil, typ, 1, body); err == nil {
					dg = append(dg, rec...)
					continue
				}
			}
			fallthrough
		case 2:
			ht := allHandshakeTypes[r.IntN(len(allHandshakeTypes))]
			seq := c.recvSeq + uint16(r.IntN(3))
			dg = append(dg, plainRecord(ContentHandshake, 0, r.Uint64()&maxSeq, appendMessage(nil, ht, seq, body))...)
		case 3:
			dg = append(dg, plainRecord(typ, uint16(r.IntN(2)), r.Uint64()&maxSeq, body)...)
		default:
			dg = append(dg, body...)
		}
	}
	return dg
}

// fillByAlerts makes more events than the queue holds without polling
// events: warning alerts (an EventAlert each), sealed by the peer when
// there is one, in plaintext otherwise (a client in its handshake reports
// plaintext warnings too).
func fillByAlerts(t *testing.T, m dtlsProtocol, peer *Conn, now time.Time) contracttest.Fill {
	c := m.(*Conn)
	var fill contracttest.Fill
	fill.Produced = -1
	for i := range c.events.Cap() + 10 {
		payload := []byte{byte(AlertLevelWarning), byte(AlertNoRenegotiation)}
		rec := plainRecord(ContentAlert, 0, uint64(i), payload)
		if peer != nil {
			var err error
			if rec, err = peer.sealRecord(nil, ContentAlert, 1, payload); err != nil {
				t.Fatal(err)
			}
		}
		err := c.HandleRead(shared.TaggedBytes{Now: now, Transport: shared.TransportContext{Local: c.tr.Local, Peer: peerOf(c)}, Message: rec})
		fill.Errs = append(fill.Errs, err)
		for _, ok := c.PollWrite(); ok; _, ok = c.PollWrite() {
		}
	}
	return fill
}
