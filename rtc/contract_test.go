package rtc

import (
	"net/netip"
	"testing"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
	"github.com/sansrtc/rtc/rtc-shared/contracttest"
	"github.com/sansrtc/rtc/rtc-shared/netsim"
)

type pcProtocol = shared.Protocol[Message, Message, Command, Event]

// contractSubject runs the conformance suite against a PeerConnection
// made by newPC; channel, when set, returns the channel random writes go
// to (nil: writes without a channel).
func contractSubject(newPC func(t *testing.T) (*PeerConnection, time.Time), channel func(*PeerConnection) *DataChannel,
	fill func(*testing.T, pcProtocol, time.Time) contracttest.Fill) contracttest.Subject[Message, Message, Command, Event] {
	var cur *PeerConnection
	return contracttest.Subject[Message, Message, Command, Event]{
		New: func(t *testing.T) (pcProtocol, time.Time) {
			pc, now := newPC(t)
			cur = pc
			return pc, now
		},
		RandomRead: func(r *contracttest.Rand, now time.Time) shared.TaggedBytes {
			return randomDatagram(r, now)
		},
		RandomWrite: func(r *contracttest.Rand) Message {
			m := Message{Kind: MessageKind(r.IntN(4)), Binary: r.IntN(2) == 0, Data: make([]byte, r.IntN(2000))}
			if channel != nil && cur != nil {
				m.Channel = channel(cur)
			}
			return m
		},
		RandomEvent: func(r *contracttest.Rand) Command {
			c := Command{Kind: CommandKind(r.IntN(13))}
			tcp := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, 0, byte(r.IntN(4))}), uint16(443+r.IntN(2)))
			switch c.Kind {
			case CmdResolveHostname, CmdResolveICEServer:
				c.Hostname = []string{"x.local", "stun.example.org", ""}[r.IntN(3)]
				c.Addrs = [][]netip.Addr{nil, {netip.MustParseAddr("192.0.2.7")}, {{}}}[r.IntN(3)]
			case CmdAddLocalTCPAddress:
				c.Address = tcp
			case CmdTCPConnected, CmdTCPConnectFailed, CmdTCPClosed:
				c.Transport = shared.TransportContext{Local: tcp, Peer: netip.MustParseAddrPort("192.0.2.9:443"), Protocol: shared.TCP}
			case CmdAddICECandidate:
				c.Candidate.Candidate = []string{"", "candidate:1 1 udp 2130706431 192.0.2.9 4000 typ host", "junk"}[r.IntN(3)]
			case CmdAddLocalAddress:
				c.Address = netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, 0, byte(r.IntN(4))}), 7000)
			case CmdCloseChannel:
				if channel != nil && cur != nil && r.IntN(8) == 0 {
					c.Channel = channel(cur)
				}
			}
			return c
		},
		FillEvents: fill,
		Steps:      500,
	}
}

// randomDatagram is a datagram from the peer's address: random bytes
// with a first byte from each RFC 7983 range, so that every branch of the
// demultiplexer is taken; one in eight comes over TCP.
func randomDatagram(r *contracttest.Rand, now time.Time) shared.TaggedBytes {
	b := make([]byte, r.IntN(300))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	if len(b) > 0 {
		b[0] = []byte{0, 1, 20, 22, 23, 64, 128, 0x80 | 72}[r.IntN(8)]
	}
	tc := shared.TransportContext{Local: addrA, Peer: addrB}
	if r.IntN(8) == 0 {
		tc.Protocol = shared.TCP // ICE-TCP or TURN over TCP: to the agent's framing
	}
	return shared.TaggedBytes{Now: now, Transport: tc, Message: b}
}

// fillEvents overflows the event queue of a fresh PeerConnection (the
// suite's own, MaxQueuedEvents 4) with JSEP and gathering events, then
// lets the next Handle* report the loss.
func fillEvents(t *testing.T, m pcProtocol, now time.Time) contracttest.Fill {
	pc := m.(*PeerConnection)
	if _, err := pc.CreateDataChannel("fill", DataChannelInit{}); err != nil {
		t.Fatal(err)
	}
	o, err := pc.CreateOffer()
	if err != nil {
		t.Fatal(err)
	}
	if err := pc.SetLocalDescription(o); err != nil {
		t.Fatal(err)
	}
	return contracttest.Fill{Errs: []error{pc.HandleTimeout(now)}, Produced: -1}
}

// TestContractFresh runs rtc-shared/contracttest against a PeerConnection
// with a local offer applied: ICE is gathering and checking, nothing is
// connected.
func TestContractFresh(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	contracttest.Run(t, contractSubject(func(t *testing.T) (*PeerConnection, time.Time) {
		pc, err := NewPeerConnection(Configuration{Now: t0, MaxQueuedEvents: 4, LocalAddresses: []netip.AddrPort{addrA}, Rand: netsim.NewRand(1, "contract")})
		if err != nil {
			t.Fatal(err)
		}
		return pc, t0
	}, nil, fillEvents))
}

// TestContractConnected runs the suite against a PeerConnection connected
// over netsim with an open channel, its peer then dropped: the suite talks
// to it alone, so random datagrams from the peer's address reach DTLS,
// and timers (SCTP, consent) run to their end.
func TestContractConnected(t *testing.T) {
	contracttest.Run(t, contractSubject(func(t *testing.T) (*PeerConnection, time.Time) {
		sim, a, _, _ := connectedPair(t, 51, 1, Configuration{}, Configuration{})
		drainEvents(a.pc)
		return a.pc, sim.Now()
	}, func(pc *PeerConnection) *DataChannel {
		if chs := pc.DataChannels(); len(chs) > 0 {
			return chs[0]
		}
		return nil
	}, nil)) // the fresh subject fills the queue
}
