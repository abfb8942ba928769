package stun

import "testing"

func TestClassify(t *testing.T) {
	sb := NewBuilder(nil, BindingRequest, testTID)
	stunMsg := built(t, &sb)
	rtp := []byte{0x80, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2}
	rtcp := []byte{0x80, 200, 0, 6, 0, 0, 0, 1}
	dtls := []byte{22, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 0, 0, 10}
	chd := []byte{0x40, 0x00, 0, 0}
	notCookie := append([]byte(nil), stunMsg...)
	notCookie[5] = 0
	cases := []struct {
		name string
		b    []byte
		want PacketKind
	}{
		{"empty", nil, KindUnknown},
		{"stun", stunMsg, KindSTUN},
		{"stun without cookie", notCookie, KindUnknown},
		{"short stun", stunMsg[:19], KindUnknown},
		{"zrtp", []byte{16}, KindZRTP},
		{"dtls handshake", dtls, KindDTLS},
		{"dtls short", dtls[:5], KindUnknown},
		{"channel data", chd, KindChannelData},
		{"channel data 79", []byte{79, 0xFF, 0, 0}, KindChannelData},
		{"rtp", rtp, KindRTP},
		{"rtp marker pt 96", []byte{0x80, 0xE0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2}, KindRTP},
		{"rtcp sr", rtcp, KindRTCP},
		{"rtcp 223", []byte{0x81, 223, 0, 1, 0, 0, 0, 1}, KindRTCP},
		{"rtp short", rtp[:11], KindUnknown},
		{"byte 4", []byte{4, 0, 0, 0}, KindUnknown},
		{"byte 80", []byte{80, 0, 0, 0}, KindUnknown},
		{"byte 192", []byte{192, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, KindUnknown},
	}
	for _, c := range cases {
		if got := Classify(c.b); got != c.want {
			t.Errorf("%s: Classify = %v, want %v", c.name, got, c.want)
		}
	}
}

func BenchmarkClassify(b *testing.B) {
	pkts := [][]byte{
		{0x80, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2},
		{22, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 0, 0, 10},
		{0x80, 200, 0, 6, 0, 0, 0, 1},
	}
	b.ReportAllocs()
	var n int
	for i := 0; b.Loop(); i++ {
		n += int(Classify(pkts[i%3]))
	}
	if n == 0 {
		b.Fatal("nothing classified")
	}
}
