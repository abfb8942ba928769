package stun

import (
	"encoding/binary"
	"errors"
	"testing"

	shared "github.com/sansrtc/rtc/rtc-shared"
	"github.com/sansrtc/rtc/rtc-shared/contracttest"
)

// Adversarial tests: every attribute at the lengths an attacker tries.
// See README "Threat model".

// oneAttrMessage builds a message with one attribute of type t and an n-byte
// value (padded), bypassing the Builder's own limits.
func oneAttrMessage(t AttrType, n int, fill byte) []byte {
	pad := (4 - n%4) % 4
	b := make([]byte, HeaderSize, HeaderSize+4+n+pad)
	binary.BigEndian.PutUint16(b[0:], 0x0001) // Binding request
	binary.BigEndian.PutUint16(b[2:], uint16(4+n+pad))
	binary.BigEndian.PutUint32(b[4:], MagicCookie)
	copy(b[8:20], testTID[:])
	b = binary.BigEndian.AppendUint16(b, uint16(t))
	b = binary.BigEndian.AppendUint16(b, uint16(n))
	for range n {
		b = append(b, fill)
	}
	return append(b, make([]byte, pad)...)
}

// getterErr accepts the errors a getter may return on hostile input: the
// attribute is absent, malformed, too long, or (for the checks) does not
// verify. Anything else is a new failure mode and fails the test.
func getterErr(t testing.TB, what string, err error) {
	t.Helper()
	var ec *ErrorCodeError
	switch {
	case err == nil, errors.As(err, &ec):
		return
	}
	for _, e := range []error{ErrAttributeNotFound, ErrBadAttribute, ErrValueTooLong, ErrUnknownAlgorithm,
		ErrNoIntegrity, ErrNoFingerprint, ErrIntegrityMismatch, ErrFingerprintMismatch} {
		if errors.Is(err, e) {
			return
		}
	}
	t.Fatalf("%s: unexpected error %v", what, err)
}

// errOf keeps a getter's error (its value is checked by not panicking).
func errOf[T any](_ T, err error) error { return err }

// callAll runs every typed getter and check on m: none may panic, each
// either returns a value or one of the expected errors (getterErr).
func callAll(t testing.TB, m *Message, in *Integrity) {
	t.Helper()
	e2 := func(what string, err error) { getterErr(t, what, err) }
	e2("MappedAddress", errOf(m.MappedAddress()))
	e2("XORMappedAddress", errOf(m.XORMappedAddress()))
	e2("XORPeerAddress", errOf(m.XORPeerAddress()))
	e2("XORRelayedAddress", errOf(m.XORRelayedAddress()))
	e2("AlternateServer", errOf(m.AlternateServer()))
	e2("Username", errOf(m.Username()))
	e2("Userhash", errOf(m.Userhash()))
	e2("Realm", errOf(m.Realm()))
	e2("Nonce", errOf(m.Nonce()))
	e2("Software", errOf(m.Software()))
	e2("AlternateDomain", errOf(m.AlternateDomain()))
	e2("Priority", errOf(m.Priority()))
	e2("ICEControlling", errOf(m.ICEControlling()))
	e2("ICEControlled", errOf(m.ICEControlled()))
	e2("Lifetime", errOf(m.Lifetime()))
	e2("ChannelNumber", errOf(m.ChannelNumber()))
	e2("Data", errOf(m.Data()))
	e2("RequestedAddressFamily", errOf(m.RequestedAddressFamily()))
	e2("AdditionalAddressFamily", errOf(m.AdditionalAddressFamily()))
	e2("EvenPort", errOf(m.EvenPort()))
	e2("RequestedTransport", errOf(m.RequestedTransport()))
	e2("ReservationToken", errOf(m.ReservationToken()))
	e2("ConnectionID", errOf(m.ConnectionID()))
	e2("ICMP", errOf(m.ICMP()))
	e2("UnknownAttributes", errOf(m.UnknownAttributes(nil)))
	e2("PasswordAlgorithm", errOf(m.PasswordAlgorithm()))
	e2("PasswordAlgorithms", errOf(m.PasswordAlgorithms(nil)))
	_, _, err := m.ErrorCode()
	e2("ErrorCode", err)
	_, _, _, err = m.AddressErrorCode()
	e2("AddressErrorCode", err)
	getterErr(t, "ResponseError", m.ResponseError())
	getterErr(t, "CheckFingerprint", m.CheckFingerprint())
	if in != nil {
		getterErr(t, "Check", in.Check(m))
		getterErr(t, "CheckSHA1", in.CheckSHA1(m))
	}
	if unknown := m.UnknownRequired(nil); len(unknown) > m.Len() {
		t.Fatalf("UnknownRequired lists %d of %d attributes", len(unknown), m.Len())
	}
	if m.UseCandidate() != m.Contains(AttrUseCandidate) || m.DontFragment() != m.Contains(AttrDontFragment) {
		t.Fatal("flag getters disagree with Contains")
	}
	if m.String() == "" {
		t.Fatal("empty String")
	}
}

// Every attribute type the package knows, and two it does not, at lengths
// 0, 1, 3, 4, 8, 20, 32, 255, 256, 508, 509, 512, 513, 763, 764 and the
// largest a message can carry: parsing and every getter never panic, and a
// message that parses still parses after a round trip through Clone.
func TestEveryAttributeEveryLength(t *testing.T) {
	types := []AttrType{
		AttrMappedAddress, AttrUsername, AttrMessageIntegrity, AttrErrorCode, AttrUnknownAttributes,
		AttrChannelNumber, AttrLifetime, AttrXORPeerAddress, AttrData, AttrRealm, AttrNonce,
		AttrXORRelayedAddress, AttrRequestedAddressFamily, AttrEvenPort, AttrRequestedTransport,
		AttrDontFragment, AttrMessageIntegritySHA256, AttrPasswordAlgorithm, AttrUserhash,
		AttrXORMappedAddress, AttrReservationToken, AttrPriority, AttrUseCandidate, AttrConnectionID,
		AttrAdditionalAddressFamily, AttrAddressErrorCode, AttrPasswordAlgorithms, AttrAlternateDomain,
		AttrICMP, AttrSoftware, AttrAlternateServer, AttrFingerprint, AttrICEControlled, AttrICEControlling,
		AttrType(0x0077), AttrType(0xC057),
	}
	maxValue := 0xFFFF - 4 - 3 // the length field bounds the attributes
	for _, typ := range types {
		for _, n := range []int{0, 1, 3, 4, 8, 20, 32, 255, 256, 508, 509, 512, 513, 763, 764, maxValue} {
			for _, fill := range []byte{0x00, 0xFF, 'a'} {
				b := oneAttrMessage(typ, n, fill)
				var m Message
				if err := Parse(b, &m); err != nil {
					continue
				}
				callAll(t, &m, nil)
				callAll(t, m.Clone(), nil)
			}
		}
	}
}

// Text attributes take their maximum and refuse one byte more (RFC 8489
// §14.3, §14.9, §14.10, §14.14: fewer than 128 characters, at most 763
// bytes; USERNAME less than 513 bytes).
func TestTextAttributeLimits(t *testing.T) {
	for _, tc := range []struct {
		typ AttrType
		max int
		get func(*Message) ([]byte, error)
	}{
		{AttrRealm, maxTextLen, (*Message).Realm},
		{AttrNonce, maxTextLen, (*Message).Nonce},
		{AttrSoftware, maxTextLen, (*Message).Software},
		{AttrAlternateDomain, 255, (*Message).AlternateDomain},
		{AttrUsername, maxUsernameLen, (*Message).Username},
	} {
		for _, n := range []int{0, 1, tc.max, tc.max + 1} {
			var m Message
			if err := Parse(oneAttrMessage(tc.typ, n, 'x'), &m); err != nil {
				t.Fatalf("%v len %d: parse: %v", tc.typ, n, err)
			}
			v, err := tc.get(&m)
			if n <= tc.max && (err != nil || len(v) != n) {
				t.Errorf("%v len %d: %d bytes, %v", tc.typ, n, len(v), err)
			}
			if n > tc.max && err == nil {
				t.Errorf("%v len %d (max+1): accepted", tc.typ, n)
			}
		}
	}
}

// The message length field at 0, 1 (not a multiple of 4), its largest
// value, and past the datagram: parsed or refused, never a panic.
func TestLengthFieldEdges(t *testing.T) {
	base := oneAttrMessage(AttrPriority, 4, 1)
	for _, l := range []uint16{0, 1, 2, 3, 7, 8, 9, 0xFFFC, 0xFFFF} {
		b := append([]byte(nil), base...)
		binary.BigEndian.PutUint16(b[2:], l)
		var m Message
		if err := Parse(b, &m); err == nil && int(l) != len(b)-HeaderSize {
			t.Errorf("length %d with %d bytes of attributes accepted", l, len(b)-HeaderSize)
		}
	}
}

// built returns the message b built, failing the test on a builder error.
func built(t testing.TB, b *Builder) []byte {
	t.Helper()
	m, err := b.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// clientReadErr accepts what Client.HandleRead returns for a datagram it
// drops: not STUN, malformed, not a response, or no matching transaction.
func clientReadErr(t testing.TB, err error) {
	t.Helper()
	var pe *shared.ParseError
	if err == nil || errors.As(err, &pe) {
		return
	}
	for _, e := range []error{ErrNotSTUN, ErrBadLength, ErrTooManyAttributes, ErrMessageTooLarge, ErrBadAttribute,
		ErrFingerprintNotLast, ErrNotResponse, ErrUnmatchedResponse, shared.ErrQueueFull} {
		if errors.Is(err, e) {
			return
		}
	}
	t.Fatalf("unexpected HandleRead error %v", err)
}

// must fails the test on an error: no test discards one (the shared helper).
var must = contracttest.Must
