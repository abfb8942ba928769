package stun

import (
	"encoding/binary"
	"testing"
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

// callAll runs every typed getter; none may panic, whatever the value.
func callAll(m *Message) {
	m.MappedAddress()
	m.XORMappedAddress()
	m.XORPeerAddress()
	m.XORRelayedAddress()
	m.AlternateServer()
	m.Username()
	m.Userhash()
	m.Realm()
	m.Nonce()
	m.Software()
	m.AlternateDomain()
	m.Priority()
	m.UseCandidate()
	m.ICEControlling()
	m.ICEControlled()
	m.Lifetime()
	m.ChannelNumber()
	m.Data()
	m.RequestedAddressFamily()
	m.AdditionalAddressFamily()
	m.EvenPort()
	m.RequestedTransport()
	m.DontFragment()
	m.ReservationToken()
	m.ConnectionID()
	m.ICMP()
	m.ErrorCode()
	m.AddressErrorCode()
	m.UnknownAttributes(nil)
	m.PasswordAlgorithm()
	m.PasswordAlgorithms(nil)
	m.ResponseError()
	m.CheckFingerprint()
	m.UnknownRequired(nil)
	_ = m.String()
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
				callAll(&m)
				callAll(m.Clone())
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
