package stun

import (
	"bytes"
	"errors"
	"net/netip"
	"testing"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

var testTID = TransactionID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}

func TestMessageTypeValue(t *testing.T) {
	// RFC 8489 §5: Binding request 0x0001, success 0x0101, error 0x0111,
	// indication 0x0011; RFC 8656: Allocate request 0x0003, Data
	// indication 0x0017, ChannelBind success 0x0109.
	cases := []struct {
		t MessageType
		v uint16
	}{
		{BindingRequest, 0x0001}, {BindingSuccess, 0x0101}, {BindingError, 0x0111},
		{BindingIndication, 0x0011}, {MessageType{MethodAllocate, ClassRequest}, 0x0003},
		{MessageType{MethodData, ClassIndication}, 0x0017},
		{MessageType{MethodChannelBind, ClassSuccess}, 0x0109},
		{MessageType{0xFFF, ClassError}, 0x3FFF},
	}
	for _, c := range cases {
		if got := c.t.Value(); got != c.v {
			t.Errorf("%v.Value() = %#04x, want %#04x", c.t, got, c.v)
		}
		if got := typeFromValue(c.v); got != c.t {
			t.Errorf("typeFromValue(%#04x) = %v, want %v", c.v, got, c.t)
		}
	}
	for v := uint16(0); v < 0x4000; v++ {
		if typeFromValue(v).Value() != v {
			t.Fatalf("round trip of %#x", v)
		}
	}
}

// buildAll builds a message with every attribute this package knows.
func buildAll(t testing.TB) []byte {
	b := NewBuilder(nil, MessageType{MethodAllocate, ClassSuccess}, testTID)
	b.AddMappedAddress(netip.MustParseAddrPort("192.0.2.1:1000"))
	b.AddXORMappedAddress(netip.MustParseAddrPort("[2001:db8::1]:2000"))
	b.AddXORPeerAddress(netip.MustParseAddrPort("198.51.100.7:3000"))
	b.AddXORPeerAddress(netip.MustParseAddrPort("198.51.100.8:3001"))
	b.AddXORRelayedAddress(netip.MustParseAddrPort("203.0.113.9:4000"))
	b.AddAlternateServer(netip.MustParseAddrPort("[2001:db8::2]:5000"))
	b.AddUsername("user:frag")
	var uh [32]byte
	uh[0] = 0xAB
	b.AddUserhash(uh)
	b.AddRealm("example.org")
	b.AddNonce("nonce-1")
	b.AddSoftware("sansrtc")
	b.AddAlternateDomain("alt.example.org")
	b.AddPriority(0x6e0001ff)
	b.AddUseCandidate()
	b.AddICEControlling(0x1122334455667788)
	b.AddICEControlled(0x8877665544332211)
	b.AddLifetime(600)
	b.AddChannelNumber(0x4001)
	b.AddData([]byte{1, 2, 3, 4, 5})
	b.AddRequestedAddressFamily(FamilyIPv6)
	b.AddAdditionalAddressFamily(FamilyIPv6)
	b.AddEvenPort(true)
	b.AddRequestedTransport(17)
	b.AddDontFragment()
	b.AddReservationToken([8]byte{8, 7, 6, 5, 4, 3, 2, 1})
	b.AddConnectionID(77)
	b.AddICMP(ICMP{Type: 3, Code: 4, ErrorData: 1400})
	b.AddErrorCode(CodeUnknownAttribute, "")
	b.AddAddressErrorCode(FamilyIPv4, CodeAddressFamilyNotSupported, "")
	b.AddUnknownAttributes([]AttrType{0x7777, 0x0042})
	b.AddPasswordAlgorithms([]PasswordAlgorithm{PasswordAlgorithmSHA256, PasswordAlgorithmMD5})
	b.AddPasswordAlgorithm(PasswordAlgorithmSHA256)
	in := NewIntegrity([]byte("key"))
	b.AddMessageIntegrity(in)
	b.AddMessageIntegritySHA256(in)
	b.AddFingerprint()
	out, err := b.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestAllAttributesRoundTrip(t *testing.T) {
	raw := buildAll(t)
	var m Message
	if err := Parse(raw, &m); err != nil {
		t.Fatal(err)
	}
	addr := func(f func() (netip.AddrPort, error), want string) {
		t.Helper()
		got, err := f()
		if err != nil || got != netip.MustParseAddrPort(want) {
			t.Errorf("address %v %v, want %s", got, err, want)
		}
	}
	addr(m.MappedAddress, "192.0.2.1:1000")
	addr(m.XORMappedAddress, "[2001:db8::1]:2000")
	addr(m.XORPeerAddress, "198.51.100.7:3000")
	addr(m.XORRelayedAddress, "203.0.113.9:4000")
	addr(m.AlternateServer, "[2001:db8::2]:5000")
	var peers []string
	for _, a := range m.All() {
		if a.Type == AttrXORPeerAddress {
			ap, err := m.DecodeAddress(a)
			if err != nil {
				t.Fatal(err)
			}
			peers = append(peers, ap.String())
		}
	}
	if len(peers) != 2 || peers[1] != "198.51.100.8:3001" {
		t.Errorf("peers %v", peers)
	}
	str := func(f func() ([]byte, error), want string) {
		t.Helper()
		got, err := f()
		if err != nil || string(got) != want {
			t.Errorf("got %q %v, want %q", got, err, want)
		}
	}
	str(m.Username, "user:frag")
	str(m.Realm, "example.org")
	str(m.Nonce, "nonce-1")
	str(m.Software, "sansrtc")
	str(m.AlternateDomain, "alt.example.org")
	if uh, err := m.Userhash(); err != nil || uh[0] != 0xAB {
		t.Error("userhash", err)
	}
	if v, err := m.Priority(); err != nil || v != 0x6e0001ff {
		t.Error("priority")
	}
	if !m.UseCandidate() || !m.DontFragment() {
		t.Error("flags")
	}
	if v, err := m.ICEControlling(); err != nil || v != 0x1122334455667788 {
		t.Error("controlling")
	}
	if v, err := m.ICEControlled(); err != nil || v != 0x8877665544332211 {
		t.Error("controlled")
	}
	if v, err := m.Lifetime(); err != nil || v != 600 {
		t.Error("lifetime")
	}
	if v, err := m.ChannelNumber(); err != nil || v != 0x4001 {
		t.Error("channel")
	}
	if v, err := m.Data(); err != nil || !bytes.Equal(v, []byte{1, 2, 3, 4, 5}) {
		t.Error("data")
	}
	if v, err := m.RequestedAddressFamily(); err != nil || v != FamilyIPv6 {
		t.Error("raf")
	}
	if v, err := m.AdditionalAddressFamily(); err != nil || v != FamilyIPv6 {
		t.Error("aaf")
	}
	if v, err := m.EvenPort(); !v || err != nil {
		t.Error("even-port")
	}
	if v, err := m.RequestedTransport(); err != nil || v != 17 {
		t.Error("transport")
	}
	if v, err := m.ReservationToken(); err != nil || !bytes.Equal(v, []byte{8, 7, 6, 5, 4, 3, 2, 1}) {
		t.Error("token")
	}
	if v, err := m.ConnectionID(); err != nil || v != 77 {
		t.Error("connection-id")
	}
	if v, err := m.ICMP(); err != nil || v != (ICMP{3, 4, 1400}) {
		t.Error("icmp", v)
	}
	if c, r, err := m.ErrorCode(); c != 420 || string(r) != "Unknown Attribute" || err != nil {
		t.Error("error-code", c, r, err)
	}
	if f, c, r, err := m.AddressErrorCode(); f != FamilyIPv4 || c != 440 || string(r) != "Address Family not Supported" || err != nil {
		t.Error("address-error-code", f, c, r, err)
	}
	if u, err := m.UnknownAttributes(nil); err != nil || len(u) != 2 || u[0] != 0x7777 {
		t.Error("unknown-attributes", u)
	}
	if a, err := m.PasswordAlgorithms(nil); err != nil || len(a) != 2 || a[0] != PasswordAlgorithmSHA256 {
		t.Error("password-algorithms", a)
	}
	if a, err := m.PasswordAlgorithm(); err != nil || a != PasswordAlgorithmSHA256 {
		t.Error("password-algorithm", a)
	}
	in := NewIntegrity([]byte("key"))
	if in.CheckSHA1(&m) != nil || in.CheckSHA256(&m) != nil || m.CheckFingerprint() != nil {
		t.Error("integrity/fingerprint")
	}
	if len(m.UnknownRequired(nil)) != 0 {
		t.Error("all attributes are known")
	}
	if _, err := m.Get(AttrType(0x7FFF)); err {
		t.Error("Get of absent attribute")
	}
	if _, err := (&Message{}).Priority(); err != ErrAttributeNotFound {
		t.Error("missing attribute error", err)
	}
}

// Every strict prefix of a valid message must fail to parse.
func TestPrefixesFail(t *testing.T) {
	raw := buildAll(t)
	var m Message
	for i := range len(raw) {
		if err := Parse(raw[:i], &m); err == nil {
			t.Fatalf("prefix of %d bytes parsed", i)
		}
	}
}

func TestParseErrors(t *testing.T) {
	var m Message
	good := buildAll(t)
	bad := func(name string, b []byte, want error) {
		t.Helper()
		err := Parse(b, &m)
		var pe *shared.ParseError
		if !errors.Is(err, want) || !errors.As(err, &pe) {
			t.Errorf("%s: got %v, want %v", name, err, want)
		}
	}
	b := append([]byte(nil), good...)
	b[0] |= 0x80
	bad("top bits", b, ErrNotSTUN)
	b = append([]byte(nil), good...)
	b[4] = 0
	bad("cookie", b, ErrNotSTUN)
	b = append([]byte(nil), good...)
	b[3]++
	bad("length not multiple of 4", b, ErrNotSTUN)
	bad("trailing bytes", append(append([]byte(nil), good...), 0, 0, 0, 0), ErrBadLength)
	// Attribute length running past the end.
	nb := NewBuilder(nil, BindingRequest, testTID)
	nb.AddSoftware("abcd")
	b = built(t, &nb)
	b[23] = 9
	bad("attribute overrun", b, ErrBadLength)
	// Something after FINGERPRINT.
	nb = NewBuilder(nil, BindingRequest, testTID)
	nb.AddFingerprint()
	b = built(t, &nb)
	b = append(b, 0x80, 0x22, 0, 0)
	b[3] += 4
	bad("after fingerprint", b, ErrFingerprintNotLast)
	// Too many attributes.
	nb = NewBuilder(nil, BindingRequest, testTID)
	for range 5 {
		nb.AddFlag(AttrUseCandidate)
	}
	b = built(t, &nb)
	if err := ParseWithLimits(b, &m, Limits{MaxAttributes: 4}); !errors.Is(err, ErrTooManyAttributes) {
		t.Errorf("MaxAttributes: %v", err)
	}
	if err := ParseWithLimits(b, &m, Limits{MaxMessageSize: 20}); !errors.Is(err, ErrMessageTooLarge) {
		t.Errorf("MaxMessageSize: %v", err)
	}
	if err := ParseWithLimits(b, &m, Limits{MaxAttributes: 5}); err != nil {
		t.Errorf("at limit: %v", err)
	}
}

// RFC 8489 §14.5: attributes after MESSAGE-INTEGRITY other than
// MESSAGE-INTEGRITY-SHA256 and FINGERPRINT are ignored.
func TestIgnoredAfterIntegrity(t *testing.T) {
	in := NewIntegrity([]byte("k"))
	b := NewBuilder(nil, BindingRequest, testTID)
	b.AddPriority(1)
	b.AddMessageIntegrity(in)
	raw := built(t, &b)
	// Append a PRIORITY after MESSAGE-INTEGRITY by hand.
	raw = append(raw, 0x00, 0x24, 0, 4, 0, 0, 0, 2)
	raw[3] += 8
	var m Message
	if err := Parse(raw, &m); err != nil {
		t.Fatal(err)
	}
	if p, err := m.Priority(); err != nil || p != 1 || m.Len() != 2 {
		t.Errorf("priority %d len %d", p, m.Len())
	}
	if err := in.Check(&m); err != nil {
		t.Error(err)
	}
}

func TestBuilderOrder(t *testing.T) {
	in := NewIntegrity([]byte("k"))
	b := NewBuilder(nil, BindingRequest, testTID)
	b.AddMessageIntegrity(in)
	b.AddPriority(1)
	if b.Err() != ErrAfterIntegrity {
		t.Errorf("attribute after MI: %v", b.Err())
	}
	b = NewBuilder(nil, BindingRequest, testTID)
	b.AddFingerprint()
	b.AddMessageIntegrity(in)
	if b.Err() != ErrAfterIntegrity {
		t.Errorf("MI after FP: %v", b.Err())
	}
	b = NewBuilder(nil, BindingRequest, testTID)
	b.AddUsername(string(make([]byte, 509)))
	if b.Err() != ErrValueTooLong {
		t.Errorf("long username: %v", b.Err())
	}
	b = NewBuilder(nil, BindingRequest, testTID)
	b.Add(AttrData, make([]byte, 0x10000))
	if b.Err() != ErrValueTooLong {
		t.Errorf("huge value: %v", b.Err())
	}
	b = NewBuilder(nil, BindingRequest, testTID)
	b.AddErrorCode(200, "")
	if b.Err() != ErrBadAttribute {
		t.Errorf("error code 200: %v", b.Err())
	}
}

func TestUnknownRequired(t *testing.T) {
	b := NewBuilder(nil, BindingRequest, testTID)
	b.Add(AttrType(0x0042), []byte{1})
	b.Add(AttrType(0xC001), []byte{1}) // optional: not reported
	b.AddPriority(5)
	raw := built(t, &b)
	var m Message
	if err := Parse(raw, &m); err != nil {
		t.Fatal(err)
	}
	got := m.UnknownRequired(nil)
	if len(got) != 1 || got[0] != 0x0042 {
		t.Errorf("UnknownRequired = %v", got)
	}
	// A 420 response lists them (RFC 8489 §6.3.1.1).
	rb := NewBuilder(nil, BindingError, m.TransactionID)
	rb.AddErrorCode(CodeUnknownAttribute, "")
	rb.AddUnknownAttributes(got)
	resp := built(t, &rb)
	if err := Parse(resp, &m); err != nil {
		t.Fatal(err)
	}
	if u, err := m.UnknownAttributes(nil); err != nil || len(u) != 1 || u[0] != 0x0042 {
		t.Errorf("UNKNOWN-ATTRIBUTES = %v", u)
	}
}

func TestMalformedGetters(t *testing.T) {
	b := NewBuilder(nil, BindingRequest, testTID)
	b.Add(AttrPriority, []byte{1, 2, 3})
	b.Add(AttrXORMappedAddress, []byte{0, 3, 0, 0, 1, 2, 3, 4})
	b.Add(AttrErrorCode, []byte{0, 0, 7, 0})
	b.Add(AttrICEControlling, []byte{1})
	b.Add(AttrUnknownAttributes, []byte{1})
	b.Add(AttrPasswordAlgorithms, []byte{0, 1, 0, 9})
	raw := built(t, &b)
	var m Message
	if err := Parse(raw, &m); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Priority(); err != ErrBadAttribute {
		t.Error("priority", err)
	}
	if _, err := m.XORMappedAddress(); err != ErrBadAttribute {
		t.Error("family", err)
	}
	if _, _, err := m.ErrorCode(); err != ErrBadAttribute {
		t.Error("error class", err)
	}
	if _, err := m.ICEControlling(); err != ErrBadAttribute {
		t.Error("controlling", err)
	}
	if _, err := m.UnknownAttributes(nil); err != ErrBadAttribute {
		t.Error("unknown", err)
	}
	if _, err := m.PasswordAlgorithms(nil); err != ErrBadAttribute {
		t.Error("algorithms", err)
	}
}

func TestTruncatedSHA256(t *testing.T) {
	// RFC 8489 §14.6 allows MESSAGE-INTEGRITY-SHA256 truncated to 16+ bytes.
	in := NewIntegrity([]byte("k"))
	b := NewBuilder(nil, BindingRequest, testTID)
	b.AddPriority(1)
	raw := built(t, &b)
	// Length as if a 16-byte MI-SHA256 follows, then HMAC and truncate.
	raw[3] = byte(len(raw) - HeaderSize + 4 + 16)
	sum := append([]byte(nil), in.sum(AttrMessageIntegritySHA256, raw)...)
	raw = append(raw, 0x00, 0x1C, 0, 16)
	raw = append(raw, sum[:16]...)
	var m Message
	if err := Parse(raw, &m); err != nil {
		t.Fatal(err)
	}
	if err := in.Check(&m); err != nil {
		t.Error(err)
	}
	raw[len(raw)-1] ^= 1
	if err := in.Check(&m); err != ErrIntegrityMismatch {
		t.Error(err)
	}
}

func TestStrings(t *testing.T) {
	if s := BindingSuccess.String(); s != "Binding success response" {
		t.Error(s)
	}
	if s := AttrXORMappedAddress.String(); s != "XOR-MAPPED-ADDRESS" {
		t.Error(s)
	}
	if s := AttrType(0x7777).String(); s != "0x7777" {
		t.Error(s)
	}
	if s := CodeRoleConflict.String(); s != "487 Role Conflict" {
		t.Error(s)
	}
	if s := PasswordAlgorithmSHA256.String(); s != "SHA-256" {
		t.Error(s)
	}
}

func TestFixedBuilder(t *testing.T) {
	in := NewIntegrity([]byte("k"))
	full := iceRequest(nil, in)
	// Exactly enough room: same bytes as the growing builder.
	buf := make([]byte, 0, len(full))
	b := NewFixedBuilder(buf, BindingRequest, testTID)
	b.AddUsername("h6vYevtj:RmTxUk1b")
	b.AddPriority(0x6e0001ff)
	b.AddICEControlling(0x932ff9b151263b36)
	b.AddUseCandidate()
	b.AddMessageIntegrity(in)
	b.AddFingerprint()
	out, err := b.Bytes()
	if err != nil || !bytes.Equal(out, full) || &out[0] != &buf[:1][0] {
		t.Fatalf("fixed builder: %v", err)
	}
	// Every smaller capacity fails with ErrShortBuffer and never grows;
	// what was written parses (the header length stays consistent).
	for c := 0; c < len(full); c++ {
		buf := make([]byte, 0, c)
		b := NewFixedBuilder(buf, BindingRequest, testTID)
		b.AddUsername("h6vYevtj:RmTxUk1b")
		b.AddPriority(0x6e0001ff)
		b.AddICEControlling(0x932ff9b151263b36)
		b.AddUseCandidate()
		b.AddMessageIntegrity(in)
		b.AddFingerprint()
		out, err := b.Bytes()
		if !errors.Is(err, shared.ErrShortBuffer) || cap(out) != c {
			t.Fatalf("cap %d: err %v cap %d", c, err, cap(out))
		}
		if len(out) >= HeaderSize {
			var m Message
			if err := Parse(out, &m); err != nil {
				t.Fatalf("cap %d: partial message does not parse: %v", c, err)
			}
		}
	}
}

func TestResponseError(t *testing.T) {
	b := NewBuilder(nil, BindingError, testTID)
	b.AddErrorCode(CodeRoleConflict, "")
	raw := built(t, &b)
	var m Message
	must(t, Parse(raw, &m))
	var ece *ErrorCodeError
	if err := m.ResponseError(); !errors.As(err, &ece) || ece.Code != 487 || err.Error() != "stun: error response 487 Role Conflict" {
		t.Errorf("ResponseError = %v", err)
	}
	b = NewBuilder(nil, BindingError, testTID)
	raw = built(t, &b)
	must(t, Parse(raw, &m))
	if err := m.ResponseError(); err != ErrBadAttribute {
		t.Errorf("no ERROR-CODE: %v", err)
	}
	b = NewBuilder(nil, BindingSuccess, testTID)
	raw = built(t, &b)
	must(t, Parse(raw, &m))
	if err := m.ResponseError(); err != nil {
		t.Errorf("success: %v", err)
	}
}
