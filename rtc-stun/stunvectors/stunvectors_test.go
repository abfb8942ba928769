package stunvectors

import "testing"

func TestVectors(t *testing.T) {
	vs, err := RFC5769()
	if err != nil {
		t.Fatal(err)
	}
	// RFC 5769 §2.1-§2.4: 108, 80, 92 and 116 bytes, each a STUN header
	// (magic cookie 0x2112a442 at offset 4) and its attributes.
	for i, n := range []int{108, 80, 92, 116} {
		m := vs[i].Message
		if len(m) != n || m[4] != 0x21 || m[5] != 0x12 || m[6] != 0xa4 || m[7] != 0x42 || vs[i].Name == "" {
			t.Errorf("vector %d %q: %d bytes %x, want %d with the magic cookie", i, vs[i].Name, len(m), m[:8], n)
		}
	}
	errata, published, err := RFC8489B1()
	if err != nil {
		t.Fatal(err)
	}
	// Errata 6268: length 0x0090 (144 bytes of attributes); the published
	// vector says 0x009c.
	if len(errata) != 20+0x90 || errata[2] != 0 || errata[3] != 0x90 || published[3] != 0x9c {
		t.Errorf("B.1: errata %d bytes (length %x), published length %x", len(errata), errata[2:4], published[2:4])
	}
}
