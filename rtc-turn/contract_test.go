package turn_test

import (
	"net/netip"
	"testing"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
	"github.com/sansrtc/rtc/rtc-shared/contracttest"
	stun "github.com/sansrtc/rtc/rtc-stun"
	turn "github.com/sansrtc/rtc/rtc-turn"
)

// The TURN client keeps the shared contract (issue 12): rtc-shared's
// conformance suite, on a client allocated against a scripted server.
func TestClientContract(t *testing.T) {
	type P = shared.Protocol[turn.Datagram, turn.Datagram, turn.Command, turn.Event]
	peer := func(r *contracttest.Rand) netip.AddrPort {
		return netip.AddrPortFrom(netip.AddrFrom4([4]byte{198, 51, 100, byte(1 + r.IntN(4))}), uint16(7000+r.IntN(2)))
	}
	tr := shared.TransportContext{Local: clientAddr, Peer: serverAddr}
	contracttest.Run(t, contracttest.Subject[turn.Datagram, turn.Datagram, turn.Command, turn.Event]{
		New: func(t *testing.T) (P, time.Time) {
			s := newScripted(t, turn.Config{MaxQueue: 8})
			if err := s.allocate(goodRelayed, 600); err != nil {
				t.Fatal(err)
			}
			return s.c, s.now
		},
		RandomRead: func(r *contracttest.Rand, now time.Time) shared.TaggedBytes {
			var b []byte
			switch r.IntN(4) {
			case 0:
				b = turn.AppendChannelData(nil, turn.MinChannel+uint16(r.IntN(3)), []byte{byte(r.Uint32())}, false)
			case 1:
				b = dataIndication(peer(r), []byte("x"))
			case 2:
				m := stun.NewBuilder(nil, stun.MessageType{Method: stun.Method(3 + r.IntN(7)), Class: stun.Class(r.IntN(4))}, stun.TransactionID{byte(r.Uint32())})
				m.AddLifetime(uint32(r.IntN(700)))
				m.AddFingerprint()
				var err error
				if b, err = m.Bytes(); err != nil {
					panic(err)
				}
			default:
				b = make([]byte, r.IntN(80))
				for i := range b {
					b[i] = byte(r.Uint32())
				}
			}
			return shared.TaggedBytes{Now: now, Transport: tr, Message: b}
		},
		RandomWrite: func(r *contracttest.Rand) turn.Datagram { return turn.Datagram{Peer: peer(r), Data: []byte("hello")} },
		RandomEvent: func(r *contracttest.Rand) turn.Command {
			return turn.Command{Kind: turn.CommandKind(1 + r.IntN(3)), Peer: peer(r)}
		},
		FillEvents: func(t *testing.T, m P, now time.Time) contracttest.Fill {
			// Permissions for 12 peers answered at once: 12 events into a
			// queue of 8.
			c := m.(*turn.Client)
			var f contracttest.Fill
			for i := range 12 {
				f.Errs = append(f.Errs, c.CreatePermission(netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, 0, byte(i + 1)}), 1)))
				for {
					out, ok := c.PollWrite()
					if !ok {
						break
					}
					var req stun.Message
					if stun.Parse(out.Message, &req) != nil || req.Type.Method != stun.MethodCreatePermission {
						continue
					}
					b := stun.NewBuilder(nil, stun.MessageType{Method: req.Type.Method, Class: stun.ClassSuccess}, req.TransactionID)
					b.AddFingerprint()
					resp, err := b.Bytes()
					if err != nil {
						t.Fatal(err)
					}
					f.Errs = append(f.Errs, c.HandleRead(shared.TaggedBytes{Now: now, Transport: tr, Message: resp}))
				}
			}
			f.Produced = 12
			return f
		},
	})
}
