package rtcpbench

import (
	"slices"
	"testing"
	"time"

	pionrtcp "github.com/pion/rtcp"
	rtcp "github.com/sansrtc/rtc/rtc-rtcp"
)

// BenchmarkSpeedup runs ours and Pion in alternating batches of 16
// operations on the same input and reports the median over batch pairs of
// time(Pion)/time(ours) as "x-vs-pion" (2.0 = we are twice as fast). Pairing
// cancels most of the noise of a shared machine.
func BenchmarkSpeedup(b *testing.B) {
	const batch = 16
	paired := func(b *testing.B, ours, pion func()) {
		var r []float64
		for b.Loop() {
			t0 := time.Now()
			for i := 0; i < batch; i++ {
				ours()
			}
			t1 := time.Now()
			for i := 0; i < batch; i++ {
				pion()
			}
			t2 := time.Now()
			if d := t1.Sub(t0); d > 0 {
				r = append(r, float64(t2.Sub(t1))/float64(d))
			}
		}
		if len(r) > 0 {
			slices.Sort(r)
			b.ReportMetric(r[len(r)/2], "x-vs-pion")
		}
	}
	in := compound()
	b.Run("ParseCompoundSRSDES", func(b *testing.B) {
		d := rtcp.NewDecoder(rtcp.Config{})
		paired(b, func() {
			d.Reset(in)
			for _, ok := d.Next(); ok; _, ok = d.Next() {
			}
			if d.Err() != nil {
				b.Fatal(d.Err())
			}
		}, func() {
			if _, err := pionrtcp.Unmarshal(in); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("MarshalCompoundSRSDES", func(b *testing.B) {
		sr, sdes := srPacket(), sdesPacket()
		ps, err := pionrtcp.Unmarshal(in)
		if err != nil {
			b.Fatal(err)
		}
		buf := make([]byte, 0, 1500)
		paired(b, func() {
			if buf, err = rtcp.AppendCompound(buf[:0], sr, sdes); err != nil {
				b.Fatal(err)
			}
		}, func() {
			if _, err := pionrtcp.Marshal(ps); err != nil {
				b.Fatal(err)
			}
		})
	})
	tw := twccBytes()
	b.Run("ParseTransportCC", func(b *testing.B) {
		var p rtcp.TransportCC
		paired(b, func() {
			if err := p.Unmarshal(tw); err != nil {
				b.Fatal(err)
			}
		}, func() {
			var q pionrtcp.TransportLayerCC
			if err := q.Unmarshal(tw); err != nil {
				b.Fatal(err)
			}
		})
	})
}
