package sfubench

import (
	"runtime"
	"testing"
	"time"

	"github.com/sansrtc/rtc/rtc"
)

func benchForward(b *testing.B, viewers int) {
	s, err := newSFU(viewers)
	if err != nil {
		b.Fatal(err)
	}
	const chunk = 2048
	ring, err := s.pub.sealed(chunk, &s.seq)
	if err != nil {
		b.Fatal(err)
	}
	// Warm up: the chains' retransmission histories fill.
	for _, dg := range ring {
		if err := s.forward(dg); err != nil {
			b.Fatal(err)
		}
	}
	if ring, err = s.pub.sealed(chunk, &s.seq); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(1100)
	b.ResetTimer()
	for i := range b.N {
		if i > 0 && i%chunk == 0 {
			b.StopTimer()
			if ring, err = s.pub.sealed(chunk, &s.seq); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
		if err := s.forward(ring[i%chunk]); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if viewers > 0 {
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(viewers), "ns/viewer")
	}
}

// BenchmarkForward: one packet through the SFU to one viewer.
func BenchmarkForward(b *testing.B) { benchForward(b, 1) }

// BenchmarkFanout100: one packet through the SFU to 100 viewers.
func BenchmarkFanout100(b *testing.B) { benchForward(b, 100) }

// BenchmarkReceive: one SRTP packet received, decrypted and read.
func BenchmarkReceive(b *testing.B) {
	p, err := newPair(0)
	if err != nil {
		b.Fatal(err)
	}
	var seq uint16
	const chunk = 2048
	ring, err := p.sealed(chunk, &seq)
	if err != nil {
		b.Fatal(err)
	}
	for _, dg := range ring { // warm: the receive-side chain's state
		if err := p.rx.HandleRead(dg); err != nil {
			b.Fatal(err)
		}
		for {
			m, ok := p.rx.PollRead()
			if !ok {
				break
			}
			p.rx.ReleaseRead(m)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if i%chunk == 0 {
			b.StopTimer()
			if ring, err = p.sealed(chunk, &seq); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
		if err := p.rx.HandleRead(ring[i%chunk]); err != nil {
			b.Fatal(err)
		}
		m, ok := p.rx.PollRead()
		if !ok {
			b.Fatal("nothing read")
		}
		p.rx.ReleaseRead(m)
		for { // the chain's feedback, if any
			dg, ok := p.rx.PollWrite()
			if !ok {
				break
			}
			p.rx.ReleaseWrite(dg.Message)
		}
	}
}

// BenchmarkSend: one RTP packet written, rewritten, encrypted and taken.
func BenchmarkSend(b *testing.B) {
	p, err := newPair(0)
	if err != nil {
		b.Fatal(err)
	}
	var seq uint16
	ring, err := p.sealed(1, &seq) // keyed and warm
	if err != nil || len(ring) != 1 {
		b.Fatal(err)
	}
	pkt := make([]byte, 12+1100)
	pkt[0], pkt[1] = 0x80, 96
	send := func(i int) {
		pkt[2], pkt[3] = byte(i>>8), byte(i)
		if err := p.sender.WriteRTP("", pkt); err != nil {
			b.Fatal(err)
		}
		for {
			dg, ok := p.tx.PollWrite()
			if !ok {
				break
			}
			p.tx.ReleaseWrite(dg.Message)
		}
	}
	for i := range 2048 { // warm: the retransmission history fills
		send(i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		send(i)
	}
}

// TestForwardZeroAllocs: once warm, forwarding allocates nothing.
func TestForwardZeroAllocs(t *testing.T) {
	s, err := newSFU(2)
	if err != nil {
		t.Fatal(err)
	}
	ring, err := s.pub.sealed(1300, &s.seq)
	if err != nil {
		t.Fatal(err)
	}
	for _, dg := range ring[:1100] {
		if err := s.forward(dg); err != nil {
			t.Fatal(err)
		}
	}
	i := 1100
	allocs := testing.AllocsPerRun(100, func() {
		if err := s.forward(ring[i]); err != nil {
			t.Fatal(err)
		}
		i++
	})
	if allocs != 0 {
		t.Errorf("%v allocations per forwarded packet", allocs)
	}
	if s.sent == 0 {
		t.Error("nothing forwarded")
	}
}

// TestFanoutMemory logs the heap one viewer costs (both ends of its
// in-memory pair: the SFU's sending PeerConnection and the viewer's),
// without and with NACK negotiated, after 1100 packets sent at once
// ("burst": every packet within MaxAge, the retransmission history at its
// HistorySize bound) and 10 ms apart ("100pps", about 0.9 Mbit/s: the
// history holds the packets of its last second, MaxAge).
func TestFanoutMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("creates 100 connected pairs")
	}
	for _, c := range []struct {
		name   string
		codecs []rtc.Codec
		gap    time.Duration
	}{
		{"no-nack/burst", vp8, 0},
		{"nack/burst", vp8NACK, 0},
		{"nack/100pps", vp8NACK, 10 * time.Millisecond},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := heap()
			s, err := newSFUWith(100, c.codecs)
			if err != nil {
				t.Fatal(err)
			}
			ring, err := s.pub.sealed(1100, &s.seq)
			if err != nil {
				t.Fatal(err)
			}
			for _, dg := range ring {
				if c.gap > 0 {
					for _, v := range s.view {
						v.now = v.now.Add(c.gap)
						if err := v.tx.HandleTimeout(v.now); err != nil {
							t.Fatal(err)
						}
					}
				}
				if err := s.forward(dg); err != nil {
					t.Fatal(err)
				}
			}
			after := heap()
			t.Logf("heap per viewer (SFU side + viewer side, 1100 packets): %d KiB", (after-before)/100/1024)
			runtime.KeepAlive(s)
		})
	}
}

func heap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
