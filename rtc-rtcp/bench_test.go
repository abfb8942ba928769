package rtcp

import "testing"

func compoundSRSDES() []byte {
	b, err := Marshal(samples()[0], samples()[2])
	if err != nil {
		panic(err)
	}
	return b
}

// BenchmarkParseCompoundSRSDES decodes an SR with one report block and an
// SDES with three chunks.
func BenchmarkParseCompoundSRSDES(b *testing.B) {
	pkt := compoundSRSDES()
	d := NewDecoder(Config{})
	b.SetBytes(int64(len(pkt)))
	b.ReportAllocs()
	for b.Loop() {
		d.Reset(pkt)
		for _, ok := d.Next(); ok; _, ok = d.Next() {
		}
		if d.Err() != nil {
			b.Fatal(d.Err())
		}
	}
}

func BenchmarkMarshalCompoundSRSDES(b *testing.B) {
	sr, sdes := samples()[0], samples()[2]
	buf := make([]byte, 0, 1500)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = AppendCompound(buf[:0], sr, sdes); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseTransportCC(b *testing.B) {
	pkt, err := Marshal(samples()[13])
	if err != nil {
		b.Fatal(err)
	}
	var p TransportCC
	b.SetBytes(int64(len(pkt)))
	b.ReportAllocs()
	for b.Loop() {
		if err := p.Unmarshal(pkt); err != nil {
			b.Fatal(err)
		}
	}
}
