package ice

import (
	"testing"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
	"github.com/sansrtc/rtc/rtc-shared/netsim"
)

// BenchmarkBindingRequest measures answering one connectivity check on a
// known pair: parse, authenticate, respond (the common path; 0 allocs when
// the caller recycles write buffers).
func BenchmarkBindingRequest(b *testing.B) {
	a := newTestAgent(b, Config{})
	tb := shared.TaggedBytes{Now: testStart, Transport: shared.TransportContext{Local: testLocal, Peer: testRemote}, Message: checkFromRemote(1, false)}
	must(b, a.HandleRead(tb))
	drainAll(a)
	b.ReportAllocs()
	b.SetBytes(int64(len(tb.Message)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := a.HandleRead(tb); err != nil {
			b.Fatal(err)
		}
		m, ok := a.PollWrite()
		if !ok {
			b.Fatal("no response")
		}
		a.ReleaseWrite(m.Message)
	}
}

// benchConnect reports the virtual time from start to both sides having a
// nominated pair, over 20 ms one-way links.
func benchConnect(b *testing.B, sc scenario) {
	var total time.Duration
	for i := 0; i < b.N; i++ {
		sc.seed = uint64(i%16) + 1
		w := build(b, sc, Config{Role: RoleControlling}, Config{})
		total += w.connect(b, "bench", 30*time.Second)
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "virtual-ms/connect")
}

var benchLink = netsim.LinkConfig{Delay: 20 * time.Millisecond}

// Host candidates only, no NAT.
func BenchmarkConnectHost(b *testing.B) {
	benchConnect(b, scenario{natA: natKinds[0], natB: natKinds[0], link: benchLink})
}

// Both behind port-restricted cone NATs: the pair is srflx-srflx.
func BenchmarkConnectSrflx(b *testing.B) {
	benchConnect(b, scenario{natA: natKinds[3], natB: natKinds[3], link: benchLink})
}

// Both behind symmetric NATs: only relayed pairs work.
func BenchmarkConnectRelay(b *testing.B) {
	benchConnect(b, scenario{natA: natKinds[4], natB: natKinds[4], turn: true, link: benchLink})
}
