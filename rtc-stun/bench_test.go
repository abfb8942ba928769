package stun

import (
	"net/netip"
	"testing"
)

// iceRequest builds the Binding request a controlling ICE agent sends when
// it nominates (RFC 8445 §7.1): USERNAME, PRIORITY, ICE-CONTROLLING,
// USE-CANDIDATE, MESSAGE-INTEGRITY, FINGERPRINT.
func iceRequest(buf []byte, in *Integrity) []byte {
	b := NewBuilder(buf[:0], BindingRequest, testTID)
	b.AddUsername("h6vYevtj:RmTxUk1b")
	b.AddPriority(0x6e0001ff)
	b.AddICEControlling(0x932ff9b151263b36)
	b.AddUseCandidate()
	b.AddMessageIntegrity(in)
	b.AddFingerprint()
	out, err := b.Bytes()
	if err != nil {
		panic(err) // every value is within its limit: a bug in this helper
	}
	return out
}

var sinkU32 uint32
var sinkU64 uint64
var sinkBool bool

// decodeICE is what an ICE agent does with an incoming check.
func decodeICE(m *Message, raw []byte) error {
	if err := Parse(raw, m); err != nil {
		return err
	}
	u, err := m.Username()
	if err != nil {
		return err
	}
	p, err := m.Priority()
	if err != nil {
		return err
	}
	c, err := m.ICEControlling()
	if err != nil {
		return err
	}
	sinkU32, sinkU64, sinkBool = p+uint32(len(u)), c, m.UseCandidate()
	return nil
}

func TestICEHotPathAllocs(t *testing.T) {
	in := NewIntegrity([]byte("VOkJxbRl1RmTxUk/WvJxBt"))
	buf := make([]byte, 0, 256)
	raw := append([]byte(nil), iceRequest(buf, in)...)
	var m Message
	must(t, decodeICE(&m, raw))
	must(t, in.Check(&m))
	if n := testing.AllocsPerRun(100, func() {
		if err := decodeICE(&m, raw); err != nil {
			t.Fatal(err)
		}
		if err := in.Check(&m); err != nil {
			t.Fatal(err)
		}
		if err := m.CheckFingerprint(); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("decode+verify allocates %v times", n)
	}
	if n := testing.AllocsPerRun(100, func() { iceRequest(buf, in) }); n != 0 {
		t.Errorf("encode allocates %v times", n)
	}
	peer := netip.MustParseAddrPort("192.0.2.1:5000")
	if n := testing.AllocsPerRun(100, func() {
		b := NewBuilder(buf[:0], BindingSuccess, m.TransactionID)
		b.AddXORMappedAddress(peer)
		b.AddMessageIntegrity(in)
		b.AddFingerprint()
		if _, err := b.Bytes(); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("response encode allocates %v times", n)
	}
}

func BenchmarkDecodeICERequest(b *testing.B) {
	in := NewIntegrity([]byte("VOkJxbRl1RmTxUk/WvJxBt"))
	raw := iceRequest(make([]byte, 0, 256), in)
	var m Message
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if err := decodeICE(&m, raw); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeVerifyICERequest(b *testing.B) {
	in := NewIntegrity([]byte("VOkJxbRl1RmTxUk/WvJxBt"))
	raw := iceRequest(make([]byte, 0, 256), in)
	var m Message
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if err := decodeICE(&m, raw); err != nil {
			b.Fatal(err)
		}
		if err := in.Check(&m); err != nil {
			b.Fatal(err)
		}
		if err := m.CheckFingerprint(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeICERequest(b *testing.B) {
	in := NewIntegrity([]byte("VOkJxbRl1RmTxUk/WvJxBt"))
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		iceRequest(buf, in)
	}
}

func TestIterationAllocs(t *testing.T) {
	raw := buildAll(t)
	var m Message
	if err := Parse(raw, &m); err != nil {
		t.Fatal(err)
	}
	n := 0
	if a := testing.AllocsPerRun(100, func() {
		for _, a := range m.All() {
			n += len(a.Value)
		}
		for i := range m.Len() {
			n += int(m.Attr(i).Type)
		}
	}); a != 0 {
		t.Errorf("attribute iteration allocates %v times", a)
	}
}
