package stun

import (
	"bytes"
	"errors"
	"net/netip"
	"testing"

	stunvectors "github.com/sansrtc/rtc/rtc-stun/stunvectors"
)

// rfc5769 returns the RFC 5769 vectors (stunvectors, shared with rtc-turn).
func rfc5769(t testing.TB) []stunvectors.Vector {
	t.Helper()
	vs, err := stunvectors.RFC5769()
	if err != nil {
		t.Fatal(err)
	}
	return vs
}

// RFC 5769 §2.1: sample request with short-term credentials.
func TestRFC5769SampleRequest(t *testing.T) {
	raw := rfc5769(t)[0].Message
	var m Message
	if err := Parse(raw, &m); err != nil {
		t.Fatal(err)
	}
	if m.Type != BindingRequest {
		t.Errorf("type %v", m.Type)
	}
	if got := m.TransactionID.String(); got != "b7e7a701bc34d686fa87dfae" {
		t.Errorf("tid %s", got)
	}
	if sw, err := m.Software(); err != nil || string(sw) != "STUN test client" {
		t.Errorf("software %q", sw)
	}
	if p, err := m.Priority(); err != nil || p != 0x6e0001ff {
		t.Errorf("priority %x", p)
	}
	if c, err := m.ICEControlled(); err != nil || c != 0x932ff9b151263b36 {
		t.Errorf("ice-controlled %x", c)
	}
	if u, err := m.Username(); err != nil || string(u) != "evtj:h6vY" {
		t.Errorf("username %q", u)
	}
	key, err := ShortTermKey("VOkJxbRl1RmTxUk/WvJxBt")
	if err != nil {
		t.Fatal(err)
	}
	in := NewIntegrity(key)
	if err := in.Check(&m); err != nil {
		t.Errorf("integrity: %v", err)
	}
	if err := m.CheckFingerprint(); err != nil {
		t.Errorf("fingerprint: %v", err)
	}
	if bad := NewIntegrity([]byte("wrong")); bad.Check(&m) != ErrIntegrityMismatch {
		t.Error("wrong key accepted")
	}
	// Re-encode: same attributes in the same order must give the same
	// bytes except for padding, which RFC 5769 fills with 0x20.
	b := NewBuilder(nil, m.Type, m.TransactionID)
	b.AddSoftware("STUN test client")
	b.AddPriority(0x6e0001ff)
	b.AddICEControlled(0x932ff9b151263b36)
	b.AddUsername("evtj:h6vY")
	b.AddMessageIntegrity(in)
	b.AddFingerprint()
	out, err := b.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	want := append([]byte(nil), raw...)
	copy(want[60+4+9:], []byte{0, 0, 0}) // USERNAME padding as zeros
	// Padding is covered by the HMAC and CRC, so compare the attribute
	// prefix and then check our integrity independently.
	if !bytes.Equal(out[:60+4+9], want[:60+4+9]) {
		t.Errorf("encode prefix mismatch\n got %x\nwant %x", out, want)
	}
	var m2 Message
	if err := Parse(out, &m2); err != nil {
		t.Fatal(err)
	}
	if in.Check(&m2) != nil || m2.CheckFingerprint() != nil {
		t.Error("re-encoded message does not verify")
	}
}

// RFC 5769 §2.2 and §2.3: responses with IPv4 and IPv6 XOR-MAPPED-ADDRESS;
// re-encoding with the RFC's 0x20 padding swapped for zeros must verify,
// and with the padding copied must reproduce the vector byte for byte.
func TestRFC5769Responses(t *testing.T) {
	vs := rfc5769(t)
	for i, want := range []string{"192.0.2.1:32853", "[2001:db8:1234:5678:11:2233:4455:6677]:32853"} {
		v := vs[1+i]
		t.Run(v.Name, func(t *testing.T) {
			raw := v.Message
			var m Message
			if err := Parse(raw, &m); err != nil {
				t.Fatal(err)
			}
			if m.Type != BindingSuccess {
				t.Errorf("type %v", m.Type)
			}
			ap, err := m.XORMappedAddress()
			if err != nil || ap.String() != want {
				t.Errorf("xor-mapped %v %v, want %s", ap, err, want)
			}
			in := NewIntegrity([]byte("VOkJxbRl1RmTxUk/WvJxBt"))
			if err := in.CheckSHA1(&m); err != nil {
				t.Error(err)
			}
			if err := m.CheckFingerprint(); err != nil {
				t.Error(err)
			}
			// Build the same message; patch the SOFTWARE padding to 0x20
			// as the RFC does and compare every byte.
			b := NewBuilder(nil, BindingSuccess, m.TransactionID)
			b.AddSoftware("test vector")
			b.AddXORMappedAddress(netip.MustParseAddrPort(want))
			out := built(t, &b)
			out[20+4+11] = 0x20
			b.buf = out
			b.AddMessageIntegrity(in)
			b.AddFingerprint()
			out, err = b.Bytes()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out, raw) {
				t.Errorf("encode mismatch\n got %x\nwant %x", out, raw)
			}
		})
	}
}

// RFC 5769 §2.4 (long-term credentials) parses; its key (SASLprep, MD5) and
// integrity are checked in rtc-turn, which holds the long-term credential
// code (TestRFC5769LongTerm there).
func TestRFC5769LongTermParses(t *testing.T) {
	var m Message
	must(t, Parse(rfc5769(t)[3].Message, &m))
	u, err := m.Username()
	must(t, err)
	r, err := m.Realm()
	must(t, err)
	n, err := m.Nonce()
	must(t, err)
	if string(u) != "マトリックス" || string(r) != "example.org" || string(n) != "f//499k954d6OL34oL9FSTvy64sA" {
		t.Errorf("username %q realm %q nonce %q", u, r, n)
	}
	if !m.HasIntegrity() || m.HasFingerprint() || m.CheckFingerprint() != ErrNoFingerprint {
		t.Error("vector has MESSAGE-INTEGRITY and no FINGERPRINT")
	}
}

// RFC 8489 Appendix B.1 as corrected by Errata 6268 parses, and the
// published vector (wrong header length) does not; its USERHASH and
// SHA-256 key are checked in rtc-turn.
func TestRFC8489B1Parses(t *testing.T) {
	errata, published, err := stunvectors.RFC8489B1()
	if err != nil {
		t.Fatal(err)
	}
	var m Message
	must(t, Parse(errata, &m))
	if alg, err := m.PasswordAlgorithm(); err != nil || alg != PasswordAlgorithmSHA256 {
		t.Errorf("password algorithm %v %v", alg, err)
	}
	if uh, err := m.Userhash(); err != nil || len(uh) != 32 {
		t.Errorf("userhash %x %v", uh, err)
	}
	if err := Parse(published, &m); err == nil {
		t.Error("published (uncorrected) B.1 vector parsed")
	}
}

// ShortTermKey: printable ASCII (ICE passwords) is its own key; anything
// else needs OpaqueString from rtc-turn and is refused here.
func TestShortTermKeyASCII(t *testing.T) {
	for _, pw := range []string{"VOkJxbRl1RmTxUk/WvJxBt", "a b~!", "+/09AZaz"} {
		if k, err := ShortTermKey(pw); err != nil || string(k) != pw {
			t.Errorf("%q: %q %v", pw, k, err)
		}
	}
	for _, pw := range []string{"", "caf\u00e9", "tab\there", "del\x7f", "\u00adx"} {
		if _, err := ShortTermKey(pw); !errors.Is(err, ErrNotASCII) {
			t.Errorf("%q: %v, want ErrNotASCII", pw, err)
		}
	}
}
