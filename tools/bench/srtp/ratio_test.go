package srtpbench

import (
	"encoding/binary"
	"slices"
	"testing"
	"time"
)

// pairedRatio collects, per batch pair, raw time / our time, and reports the
// median, which ignores the batches a preemption landed in.
type pairedRatio struct{ r, pion []float64 }

func (p *pairedRatio) add(ours, raw, pion time.Duration) {
	if ours > 0 && pion > 0 {
		p.r = append(p.r, float64(raw)/float64(ours))
		p.pion = append(p.pion, float64(raw)/float64(pion))
	}
}

func median(v []float64) float64 {
	slices.Sort(v)
	return v[len(v)/2]
}

func (p *pairedRatio) report(b *testing.B) {
	if len(p.r) == 0 {
		return
	}
	b.ReportMetric(median(p.r), "ours/raw")
	b.ReportMetric(median(p.pion), "pion/raw")
}

// BenchmarkRatio measures ours and the raw crypto ceiling in alternating
// batches of 8 packets inside one benchmark, so that both see the same
// machine load, and reports the median over batch pairs of
// throughput(ours)/throughput(raw) as the metric "ours/raw" (1.00 = as fast
// as the bare cipher; the target is >= 0.90), and the same for Pion,
// measured in a third batch of the same round, as "pion/raw".
func BenchmarkRatio(b *testing.B) {
	const batch = 8
	for _, p := range profiles {
		b.Run("protect/"+p.name, func(b *testing.B) {
			c := ours(b, p.ours)
			r := newRaw(p.ours)
			key, salt := keys(p.ours)
			pc := pion(b, p.pion, key, salt)
			bo, br, bp := rtpPacket(), rtpPacket(), rtpPacket()
			n := len(bo)
			var pr pairedRatio
			seq := uint16(0)
			for b.Loop() {
				t0 := time.Now()
				for i := 0; i < batch; i++ {
					seq++
					binary.BigEndian.PutUint16(bo[2:], seq)
					if _, err := c.ProtectRTP(bo[:n]); err != nil {
						b.Fatal(err)
					}
				}
				t1 := time.Now()
				for i := 0; i < batch; i++ {
					binary.BigEndian.PutUint16(br[2:], seq)
					r.protect(br[:n:cap(br)], 12)
				}
				t2 := time.Now()
				for i := 0; i < batch; i++ {
					binary.BigEndian.PutUint16(bp[2:], seq)
					if _, err := pc.EncryptRTP(bp[:n:cap(bp)], bp[:n], nil); err != nil {
						b.Fatal(err)
					}
				}
				t3 := time.Now()
				pr.add(t1.Sub(t0), t2.Sub(t1), t3.Sub(t2))
			}
			pr.report(b)
		})
		b.Run("unprotect/"+p.name, func(b *testing.B) {
			c := ours(b, p.ours)
			r := newRaw(p.ours)
			key, salt := keys(p.ours)
			pc := pion(b, p.pion, key, salt)
			src, err := ours(b, p.ours).AppendProtectRTP(nil, rtpPacket())
			if err != nil {
				b.Fatal(err)
			}
			bp := make([]byte, len(src))
			enc := r.protect(rtpPacket(), 12)
			bo, br := make([]byte, len(src)), make([]byte, len(enc))
			var pr pairedRatio
			for b.Loop() {
				t0 := time.Now()
				for i := 0; i < batch; i++ {
					copy(bo, src)
					if _, err := c.UnprotectRTP(bo); err != nil {
						b.Fatal(err)
					}
				}
				t1 := time.Now()
				for i := 0; i < batch; i++ {
					copy(br, enc)
					if !r.unprotect(br, 12) {
						b.Fatal("raw")
					}
				}
				t2 := time.Now()
				for i := 0; i < batch; i++ {
					copy(bp, src)
					if _, err := pc.DecryptRTP(bp, bp, nil); err != nil {
						b.Fatal(err)
					}
				}
				t3 := time.Now()
				pr.add(t1.Sub(t0), t2.Sub(t1), t3.Sub(t2))
			}
			pr.report(b)
		})
	}
}
