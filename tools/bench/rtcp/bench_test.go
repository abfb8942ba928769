package rtcpbench

import (
	"testing"

	pionrtcp "github.com/pion/rtcp"
	rtcp "github.com/sansrtc/rtc/rtc-rtcp"
)

func compound() []byte {
	b, err := rtcp.Marshal(srPacket(), sdesPacket())
	if err != nil {
		panic(err)
	}
	return b
}

func twccBytes() []byte {
	for _, p := range ourPackets() {
		if tw, ok := p.(*rtcp.TransportCC); ok {
			b, err := rtcp.Marshal(tw)
			if err != nil {
				panic(err)
			}
			return b
		}
	}
	panic("no transport-cc sample")
}

func BenchmarkParseCompoundSRSDES(b *testing.B) {
	in := compound()
	b.Run("ours", func(b *testing.B) {
		d := rtcp.NewDecoder(rtcp.Config{})
		b.SetBytes(int64(len(in)))
		b.ReportAllocs()
		for b.Loop() {
			d.Reset(in)
			n := 0
			for _, ok := d.Next(); ok; _, ok = d.Next() {
				n++
			}
			if n != 2 {
				b.Fatal(d.Err())
			}
		}
	})
	b.Run("pion", func(b *testing.B) {
		b.SetBytes(int64(len(in)))
		b.ReportAllocs()
		for b.Loop() {
			ps, err := pionrtcp.Unmarshal(in)
			if err != nil || len(ps) != 2 {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkMarshalCompoundSRSDES(b *testing.B) {
	in := compound()
	b.Run("ours", func(b *testing.B) {
		sr, sdes := srPacket(), sdesPacket()
		buf := make([]byte, 0, 1500)
		b.SetBytes(int64(len(in)))
		b.ReportAllocs()
		for b.Loop() {
			var err error
			if buf, err = rtcp.AppendCompound(buf[:0], sr, sdes); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("pion", func(b *testing.B) {
		ps, err := pionrtcp.Unmarshal(in)
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(in)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := pionrtcp.Marshal(ps); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkParseTransportCC(b *testing.B) {
	in := twccBytes()
	b.Run("ours", func(b *testing.B) {
		var p rtcp.TransportCC
		b.SetBytes(int64(len(in)))
		b.ReportAllocs()
		for b.Loop() {
			if err := p.Unmarshal(in); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("pion", func(b *testing.B) {
		b.SetBytes(int64(len(in)))
		b.ReportAllocs()
		for b.Loop() {
			var p pionrtcp.TransportLayerCC
			if err := p.Unmarshal(in); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkParseTransportCCPackets also expands every packet's status
// (what a bandwidth estimator needs), ours with a reused slice.
func BenchmarkParseTransportCCPackets(b *testing.B) {
	in := twccBytes()
	b.Run("ours", func(b *testing.B) {
		var p rtcp.TransportCC
		var pkts []rtcp.TWCCPacket
		b.ReportAllocs()
		for b.Loop() {
			if err := p.Unmarshal(in); err != nil {
				b.Fatal(err)
			}
			pkts = p.Packets(pkts)
		}
	})
}
