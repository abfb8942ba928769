package datachannel

import (
	"bytes"
	"fmt"
	"net/netip"
	"testing"
	"time"

	sctp "github.com/sansrtc/rtc/rtc-sctp"
	shared "github.com/sansrtc/rtc/rtc-shared"
	"github.com/sansrtc/rtc/rtc-shared/netsim"
)

// TestNetsimChannels runs a reliable ordered channel and a partially
// reliable unordered one side by side over a lossy, reordering link, then
// closes both: the reliable one arrives whole and in order, the other
// delivers each message at most once and whole, and both sides see the
// closes.
func TestNetsimChannels(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			ca := netip.MustParseAddrPort("192.0.2.10:5000")
			cb := netip.MustParseAddrPort("198.51.100.10:5000")
			sim := netsim.New(netsim.Config{Seed: seed})
			sim.SetDefaultLink(netsim.LinkConfig{Delay: 15 * time.Millisecond, Jitter: 5 * time.Millisecond, Loss: 0.05, Reorder: 0.05, Duplicate: 0.02})
			var m [2]*Manager
			var col [2]*netsim.Collector[Message, Message, Command, Event]
			for i, addr := range []netip.AddrPort{ca, cb} {
				mm, err := New(Config{DTLSClient: i == 0, SCTP: sctp.Config{Rand: netsim.NewRand(seed, fmt.Sprint(i))}})
				if err != nil {
					t.Fatal(err)
				}
				peer := cb
				if i == 1 {
					peer = ca
				}
				mm.Association().SetTransport(shared.TransportContext{Local: addr, Peer: peer})
				m[i] = mm
				col[i] = netsim.Collect[Message, Message, Command, Event](mm)
				sim.Add(col[i], addr)
			}
			has := func(i int, k EventKind, id uint16) bool {
				for _, e := range col[i].Events {
					if e.Kind == k && e.Channel == id {
						return true
					}
				}
				return false
			}
			zero := uint16(0)
			rel := mustOpen(t, m[0], Options{Label: "reliable"})
			pr := mustOpen(t, m[0], Options{Label: "lossy", Unordered: true, MaxRetransmits: &zero})
			must(t, m[0].Connect(sim.Now()))
			must(t, m[1].Connect(sim.Now()))
			if err := sim.Run(func() bool { return has(1, EventDataChannel, rel) && has(1, EventDataChannel, pr) }, 100_000); err != nil {
				t.Fatal(err)
			}
			const n = 400
			var want []byte
			for i := range n {
				msg := bytes.Repeat([]byte{byte(i)}, 100+i*7%3000)
				want = append(want, msg...)
				if err := m[0].Send(rel, msg, true); err != nil {
					t.Fatal(err)
				}
				if err := m[0].Send(pr, []byte(fmt.Sprintf("%04d", i)), false); err != nil {
					t.Fatal(err)
				}
				must(t, sim.RunFor(time.Millisecond, 100_000))
			}
			var got []byte
			seen := map[string]bool{}
			col[1].OnRead = nil
			done := func() bool {
				got = got[:0]
				clear(seen)
				for _, r := range col[1].Reads {
					if r.Channel == rel {
						got = append(got, r.Data...)
					} else {
						seen[string(r.Data)] = true
					}
				}
				return len(got) == len(want)
			}
			if err := sim.Run(done, 10_000_000); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatal("reliable channel data differs")
			}
			lossy := 0
			for _, r := range col[1].Reads {
				if r.Channel == pr {
					lossy++
				}
			}
			if lossy != len(seen) || lossy > n {
				t.Fatalf("partially reliable channel: %d messages, %d distinct", lossy, len(seen))
			}
			st := m[0].Association().Stats()
			t.Logf("seed %d: lossy channel delivered %d of %d, abandoned %d", seed, lossy, n, st.AbandonedMessages)
			must(t, m[0].CloseChannel(rel))
			must(t, m[1].CloseChannel(pr))
			if err := sim.Run(func() bool {
				return has(0, EventClose, rel) && has(1, EventClose, rel) && has(0, EventClose, pr) && has(1, EventClose, pr)
			}, 1_000_000); err != nil {
				t.Fatal(err)
			}
		})
	}
}
