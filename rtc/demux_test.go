package rtc

import "testing"

// TestClassify checks every boundary of RFC 9443 §3.
func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		b    []byte
		want packetClass
	}{
		{nil, classUnknown},
		{[]byte{0}, classSTUN}, {[]byte{3}, classSTUN}, {[]byte{4}, classUnknown},
		{[]byte{15}, classUnknown}, {[]byte{16}, classZRTP}, {[]byte{19}, classZRTP},
		{[]byte{20}, classDTLS}, {[]byte{22}, classDTLS}, {[]byte{63}, classDTLS},
		{[]byte{64}, classTURNChannel}, {[]byte{79}, classTURNChannel}, {[]byte{80}, classUnknown},
		{[]byte{127}, classUnknown}, {[]byte{128, 96}, classRTP}, {[]byte{0x80, 200}, classRTCP},
		{[]byte{0x81, 201}, classRTCP}, {[]byte{0x80, 223}, classRTCP}, {[]byte{0x80, 224}, classRTP},
		{[]byte{191, 111}, classRTP}, {[]byte{192}, classUnknown}, {[]byte{255}, classUnknown},
	} {
		if got := classify(tc.b); got != tc.want {
			t.Errorf("classify(%v) = %v, want %v", tc.b, got, tc.want)
		}
	}
}

func BenchmarkClassify(b *testing.B) {
	pkts := [][]byte{{0, 1}, {23, 254}, {0x80, 96}, {0x80, 200}}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		_ = classify(pkts[i&3])
	}
}
