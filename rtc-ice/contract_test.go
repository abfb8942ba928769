package ice

import (
	"net/netip"
	"testing"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
	"github.com/sansrtc/rtc/rtc-shared/contracttest"
	stun "github.com/sansrtc/rtc/rtc-stun"
)

// connectedAgent returns a controlled agent with one pair valid and
// selected (its own check answered), drained, at testStart.
func connectedAgent(t *testing.T, cfg Config) *Agent {
	t.Helper()
	a := newTestAgent(t, cfg)
	must(t, a.HandleTimeout(testStart))
	for _, m := range drainAll(a) {
		var req stun.Message
		if stun.Parse(m.Message, &req) != nil || req.Type != stun.BindingRequest {
			continue
		}
		b := stun.NewBuilder(nil, stun.BindingSuccess, req.TransactionID)
		b.AddXORMappedAddress(testLocal)
		b.AddMessageIntegrity(stun.NewIntegrity([]byte(testRemotePwd)))
		b.AddFingerprint()
		must(t, readFrom(a, testStart, testRemote, mustBytes(&b)))
	}
	if _, ok := a.SelectedPair(); !ok {
		t.Fatal("setup: no selected pair")
	}
	drainAll(a)
	return a
}

// The agent keeps the shared contract (issue 12): rtc-shared's conformance
// suite, on an agent with a selected pair, fed near-valid checks,
// responses, data and commands.
func TestAgentContract(t *testing.T) {
	type P = shared.Protocol[shared.TaggedBytes, []byte, Command, Event]
	src := func(r *contracttest.Rand) netip.AddrPort {
		if r.IntN(2) == 0 {
			return testRemote
		}
		return netip.AddrPortFrom(netip.AddrFrom4([4]byte{198, 51, 100, byte(r.IntN(8))}), uint16(6000+r.IntN(3)))
	}
	contracttest.Run(t, contracttest.Subject[shared.TaggedBytes, []byte, Command, Event]{
		New: func(t *testing.T) (P, time.Time) {
			return connectedAgent(t, Config{MaxQueue: 16}), testStart
		},
		RandomRead: func(r *contracttest.Rand, now time.Time) shared.TaggedBytes {
			var b []byte
			switch r.IntN(5) {
			case 0:
				b = checkFrom(r.IntN(1 << 20))
			case 1:
				b = anyMessage(stun.MethodBinding, stun.Class(r.IntN(4)), r.IntN(1<<16), testRemotePwd, r.IntN(4) != 0)
			case 2:
				b = []byte{0x17, 0xFE, 0xFD, byte(r.Uint32())} // DTLS-looking data
			case 3:
				b = checkFrom(r.IntN(1 << 20))
				b[r.IntN(len(b))] ^= byte(1 + r.IntN(255))
			default:
				b = make([]byte, r.IntN(100))
				for i := range b {
					b[i] = byte(r.Uint32())
				}
			}
			return shared.TaggedBytes{Now: now, Transport: shared.TransportContext{Local: testLocal, Peer: src(r)}, Message: b}
		},
		RandomWrite: func(r *contracttest.Rand) []byte { return []byte{0x17, 0xFE, 0xFD, byte(r.Uint32())} },
		RandomEvent: func(r *contracttest.Rand) Command {
			switch r.IntN(6) {
			case 0:
				return Command{Kind: CmdAddRemoteCandidate, Candidate: Candidate{Foundation: "r", Component: 1, Priority: r.Uint32(),
					Address: netip.AddrPortFrom(netip.AddrFrom4([4]byte{203, 0, 113, byte(r.IntN(16))}), 9000)}}
			case 1:
				return Command{Kind: CmdAddRemoteCandidate, Candidate: Candidate{Foundation: "h", Component: 1, Priority: 1,
					Hostname: "peer.local", Address: netip.AddrPortFrom(netip.Addr{}, 9000)}}
			case 2:
				return Command{Kind: CmdResolveHostname, Hostname: "peer.local", Address: netip.MustParseAddrPort("198.51.100.9:0")}
			case 3:
				return Command{Kind: CmdEndOfRemoteCandidates}
			case 4:
				return Command{Kind: CmdAddLocalAddress, Address: netip.AddrPortFrom(netip.AddrFrom4([4]byte{192, 0, 2, byte(2 + r.IntN(4))}), 5000), Protocol: shared.UDP}
			}
			return Command{Kind: CommandKind(r.IntN(10))}
		},
		FillEvents: func(t *testing.T, m P, now time.Time) contracttest.Fill {
			// Each new hostname asks to be resolved: 24 events into 16.
			var f contracttest.Fill
			for i := range 24 {
				c := Candidate{Foundation: "h", Component: 1, Priority: 1, Hostname: "h" + string(rune('a'+i)) + ".local",
					Address: netip.AddrPortFrom(netip.Addr{}, 9000)}
				f.Errs = append(f.Errs, m.HandleEvent(Command{Kind: CmdAddRemoteCandidate, Candidate: c}))
			}
			f.Produced = 24
			return f
		},
	})
}
