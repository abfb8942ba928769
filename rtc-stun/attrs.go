package stun

import (
	"encoding/binary"
	"net/netip"
)

// This file holds the typed getters of Message, one per attribute, in the
// order of the IANA registry. Every getter that returns bytes aliases the
// message. A missing attribute is ErrAttributeNotFound; a malformed one is
// ErrBadAttribute. None allocates.

// Address families (RFC 8489 §14.1, RFC 8656 §18.6).
const (
	FamilyIPv4 uint8 = 0x01
	FamilyIPv6 uint8 = 0x02
)

// Length limits from RFC 8489 §14: USERNAME "MUST contain a UTF-8-encoded
// sequence of fewer than 509 bytes"; REALM, NONCE, SOFTWARE and reason
// phrases are fewer than 128 characters, at most 763 bytes.
const (
	// RFC 8489 §14.3 says fewer than 509 bytes, RFC 5389 §15.3 fewer than
	// 513; accept the older, larger bound on receive, enforce 508 on send.
	maxUsernameLen     = 512
	maxUsernameSendLen = 508
	maxTextLen         = 763 // REALM, NONCE, SOFTWARE, ALTERNATE-DOMAIN, reason phrase
)

func (m *Message) fixed(t AttrType, n int) ([]byte, error) {
	v, ok := m.Get(t)
	if !ok {
		return nil, ErrAttributeNotFound
	}
	if len(v) != n {
		return nil, ErrBadAttribute
	}
	return v, nil
}

func (m *Message) text(t AttrType, max int) ([]byte, error) {
	v, ok := m.Get(t)
	if !ok {
		return nil, ErrAttributeNotFound
	}
	if len(v) > max {
		return nil, ErrBadAttribute
	}
	return v, nil
}

func (m *Message) uint32Attr(t AttrType) (uint32, error) {
	a, ok := m.find(t)
	if !ok {
		return 0, ErrAttributeNotFound
	}
	if a.hdr&0xFFFF != 4 {
		return 0, ErrBadAttribute
	}
	return binary.BigEndian.Uint32(m.Raw[a.off:]), nil
}

func (m *Message) uint64Attr(t AttrType) (uint64, error) {
	a, ok := m.find(t)
	if !ok {
		return 0, ErrAttributeNotFound
	}
	if a.hdr&0xFFFF != 8 {
		return 0, ErrBadAttribute
	}
	return binary.BigEndian.Uint64(m.Raw[a.off:]), nil
}

// find returns the first indexed attribute of type t.
func (m *Message) find(t AttrType) (attrRef, bool) {
	for _, a := range m.attrs {
		if a.hdr>>16 == uint32(t) {
			return a, true
		}
	}
	return attrRef{}, false
}

// value returns the value of a, an attribute of m.
func (m *Message) value(a attrRef) []byte {
	end := a.end()
	return m.Raw[a.off:end:end]
}

// decodeAddress decodes a MAPPED-ADDRESS style value (RFC 8489 §14.1); with
// xor set, it undoes the XOR of §14.2 using the message's transaction ID.
func (m *Message) decodeAddress(v []byte, xor bool) (netip.AddrPort, error) {
	if len(v) < 4 {
		return netip.AddrPort{}, ErrBadAttribute
	}
	port := binary.BigEndian.Uint16(v[2:4])
	if xor {
		port ^= uint16(MagicCookie >> 16)
	}
	switch v[1] {
	case FamilyIPv4:
		if len(v) != 8 {
			return netip.AddrPort{}, ErrBadAttribute
		}
		var a [4]byte
		copy(a[:], v[4:8])
		if xor {
			binary.BigEndian.PutUint32(a[:], binary.BigEndian.Uint32(a[:])^MagicCookie)
		}
		return netip.AddrPortFrom(netip.AddrFrom4(a), port), nil
	case FamilyIPv6:
		if len(v) != 20 {
			return netip.AddrPort{}, ErrBadAttribute
		}
		var a [16]byte
		copy(a[:], v[4:20])
		if xor {
			// RFC 8489 §14.2: XOR with the concatenation of the magic
			// cookie and the 96-bit transaction ID.
			var k [16]byte
			binary.BigEndian.PutUint32(k[:4], MagicCookie)
			copy(k[4:], m.TransactionID[:])
			for i := range a {
				a[i] ^= k[i]
			}
		}
		return netip.AddrPortFrom(netip.AddrFrom16(a), port), nil
	}
	return netip.AddrPort{}, ErrBadAttribute
}

// Address decodes attribute t as an address attribute: XOR-encoded for
// XOR-MAPPED-ADDRESS, XOR-PEER-ADDRESS and XOR-RELAYED-ADDRESS, plain for
// MAPPED-ADDRESS and ALTERNATE-SERVER.
func (m *Message) Address(t AttrType) (netip.AddrPort, error) {
	v, ok := m.Get(t)
	if !ok {
		return netip.AddrPort{}, ErrAttributeNotFound
	}
	return m.decodeAddress(v, isXORAddress(t))
}

// DecodeAddress decodes the value of an address attribute a of this
// message (use it when iterating, e.g. over several XOR-PEER-ADDRESS
// attributes of a CreatePermission request, RFC 8656 §9.1).
func (m *Message) DecodeAddress(a Attribute) (netip.AddrPort, error) {
	return m.decodeAddress(a.Value, isXORAddress(a.Type))
}

func isXORAddress(t AttrType) bool {
	return t == AttrXORMappedAddress || t == AttrXORPeerAddress || t == AttrXORRelayedAddress
}

// MappedAddress returns MAPPED-ADDRESS (RFC 8489 §14.1).
func (m *Message) MappedAddress() (netip.AddrPort, error) { return m.Address(AttrMappedAddress) }

// XORMappedAddress returns XOR-MAPPED-ADDRESS (RFC 8489 §14.2).
func (m *Message) XORMappedAddress() (netip.AddrPort, error) { return m.Address(AttrXORMappedAddress) }

// XORPeerAddress returns the first XOR-PEER-ADDRESS (RFC 8656 §18.3).
func (m *Message) XORPeerAddress() (netip.AddrPort, error) { return m.Address(AttrXORPeerAddress) }

// XORRelayedAddress returns the first XOR-RELAYED-ADDRESS (RFC 8656 §18.5).
func (m *Message) XORRelayedAddress() (netip.AddrPort, error) {
	return m.Address(AttrXORRelayedAddress)
}

// AlternateServer returns ALTERNATE-SERVER (RFC 8489 §14.15).
func (m *Message) AlternateServer() (netip.AddrPort, error) { return m.Address(AttrAlternateServer) }

// Username returns USERNAME (RFC 8489 §14.3).
func (m *Message) Username() ([]byte, error) {
	a, ok := m.find(AttrUsername)
	if !ok {
		return nil, ErrAttributeNotFound
	}
	if a.hdr&0xFFFF > maxUsernameLen {
		return nil, ErrBadAttribute
	}
	return m.value(a), nil
}

// Userhash returns USERHASH, 32 bytes (RFC 8489 §14.4).
func (m *Message) Userhash() ([]byte, error) { return m.fixed(AttrUserhash, 32) }

// Realm returns REALM (RFC 8489 §14.9).
func (m *Message) Realm() ([]byte, error) { return m.text(AttrRealm, maxTextLen) }

// Nonce returns NONCE (RFC 8489 §14.10).
func (m *Message) Nonce() ([]byte, error) { return m.text(AttrNonce, maxTextLen) }

// Software returns SOFTWARE (RFC 8489 §14.14).
func (m *Message) Software() ([]byte, error) { return m.text(AttrSoftware, maxTextLen) }

// AlternateDomain returns ALTERNATE-DOMAIN (RFC 8489 §14.16).
func (m *Message) AlternateDomain() ([]byte, error) { return m.text(AttrAlternateDomain, 255) }

// Priority returns PRIORITY (RFC 8445 §7.1.1).
func (m *Message) Priority() (uint32, error) { return m.uint32Attr(AttrPriority) }

// UseCandidate reports whether USE-CANDIDATE is present (RFC 8445 §7.1.2).
func (m *Message) UseCandidate() bool {
	_, ok := m.find(AttrUseCandidate)
	return ok
}

// ICEControlling returns the tie-breaker of ICE-CONTROLLING (RFC 8445 §7.1.3).
func (m *Message) ICEControlling() (uint64, error) { return m.uint64Attr(AttrICEControlling) }

// ICEControlled returns the tie-breaker of ICE-CONTROLLED (RFC 8445 §7.1.3).
func (m *Message) ICEControlled() (uint64, error) { return m.uint64Attr(AttrICEControlled) }

// Lifetime returns LIFETIME in seconds (RFC 8656 §18.2).
func (m *Message) Lifetime() (uint32, error) { return m.uint32Attr(AttrLifetime) }

// ChannelNumber returns CHANNEL-NUMBER (RFC 8656 §18.1); the RFFU half is ignored.
func (m *Message) ChannelNumber() (uint16, error) {
	v, err := m.fixed(AttrChannelNumber, 4)
	if err != nil {
		return 0, err
	}
	return binary.BigEndian.Uint16(v), nil
}

// Data returns DATA (RFC 8656 §18.4).
func (m *Message) Data() ([]byte, error) {
	v, ok := m.Get(AttrData)
	if !ok {
		return nil, ErrAttributeNotFound
	}
	return v, nil
}

// RequestedAddressFamily returns REQUESTED-ADDRESS-FAMILY (RFC 8656 §18.6):
// FamilyIPv4 or FamilyIPv6.
func (m *Message) RequestedAddressFamily() (uint8, error) {
	return m.familyAttr(AttrRequestedAddressFamily)
}

// AdditionalAddressFamily returns ADDITIONAL-ADDRESS-FAMILY (RFC 8656 §18.11).
func (m *Message) AdditionalAddressFamily() (uint8, error) {
	return m.familyAttr(AttrAdditionalAddressFamily)
}

func (m *Message) familyAttr(t AttrType) (uint8, error) {
	v, err := m.fixed(t, 4)
	if err != nil {
		return 0, err
	}
	if v[0] != FamilyIPv4 && v[0] != FamilyIPv6 {
		return 0, ErrBadAttribute
	}
	return v[0], nil
}

// EvenPort returns the R bit of EVEN-PORT (RFC 8656 §18.7): whether the
// server is asked to reserve the next-higher port too.
func (m *Message) EvenPort() (reserveNext bool, err error) {
	v, err := m.fixed(AttrEvenPort, 1)
	if err != nil {
		return false, err
	}
	return v[0]&0x80 != 0, nil
}

// RequestedTransport returns the protocol number of REQUESTED-TRANSPORT
// (RFC 8656 §18.8): 17 for UDP, 6 for TCP (RFC 6062).
func (m *Message) RequestedTransport() (uint8, error) {
	v, err := m.fixed(AttrRequestedTransport, 4)
	if err != nil {
		return 0, err
	}
	return v[0], nil
}

// DontFragment reports whether DONT-FRAGMENT is present (RFC 8656 §18.9).
func (m *Message) DontFragment() bool { return m.Contains(AttrDontFragment) }

// ReservationToken returns RESERVATION-TOKEN, 8 bytes (RFC 8656 §18.10).
func (m *Message) ReservationToken() ([]byte, error) { return m.fixed(AttrReservationToken, 8) }

// ConnectionID returns CONNECTION-ID (RFC 6062 §6.2.1).
func (m *Message) ConnectionID() (uint32, error) { return m.uint32Attr(AttrConnectionID) }

// ICMP is the value of the ICMP attribute (RFC 8656 §18.13).
type ICMP struct {
	Type      uint8
	Code      uint8
	ErrorData uint32
}

// ICMP returns the ICMP attribute.
func (m *Message) ICMP() (ICMP, error) {
	v, err := m.fixed(AttrICMP, 8)
	if err != nil {
		return ICMP{}, err
	}
	return ICMP{Type: v[2], Code: v[3], ErrorData: binary.BigEndian.Uint32(v[4:])}, nil
}

// ErrorCode returns the code and reason phrase of ERROR-CODE (RFC 8489
// §14.8). The reason aliases the message.
func (m *Message) ErrorCode() (ErrorCode, []byte, error) {
	v, ok := m.Get(AttrErrorCode)
	if !ok {
		return 0, nil, ErrAttributeNotFound
	}
	return decodeErrorCode(v)
}

func decodeErrorCode(v []byte) (ErrorCode, []byte, error) {
	if len(v) < 4 || len(v) > 4+maxTextLen {
		return 0, nil, ErrBadAttribute
	}
	class, number := int(v[2]&0x7), int(v[3])
	// RFC 8489 §14.8: "The Class represents the hundreds digit of the
	// error code. The value MUST be between 3 and 6." Number is 0-99.
	if class < 3 || class > 6 || number > 99 {
		return 0, nil, ErrBadAttribute
	}
	return ErrorCode(class*100 + number), v[4:], nil
}

// AddressErrorCode returns ADDRESS-ERROR-CODE (RFC 8656 §18.12): the
// address family it concerns, the error code and the reason phrase.
func (m *Message) AddressErrorCode() (family uint8, code ErrorCode, reason []byte, err error) {
	v, ok := m.Get(AttrAddressErrorCode)
	if !ok {
		return 0, 0, nil, ErrAttributeNotFound
	}
	if len(v) < 4 {
		return 0, 0, nil, ErrBadAttribute
	}
	code, reason, err = decodeErrorCode(v)
	return v[0], code, reason, err
}

// UnknownAttributes appends the types listed in UNKNOWN-ATTRIBUTES
// (RFC 8489 §14.13) to dst.
func (m *Message) UnknownAttributes(dst []AttrType) ([]AttrType, error) {
	v, ok := m.Get(AttrUnknownAttributes)
	if !ok {
		return dst, ErrAttributeNotFound
	}
	if len(v)%2 != 0 {
		return dst, ErrBadAttribute
	}
	for i := 0; i < len(v); i += 2 {
		dst = append(dst, AttrType(binary.BigEndian.Uint16(v[i:])))
	}
	return dst, nil
}

// PasswordAlgorithm returns PASSWORD-ALGORITHM (RFC 8489 §14.12). Its
// parameters are ignored (MD5 and SHA-256 define none).
func (m *Message) PasswordAlgorithm() (PasswordAlgorithm, error) {
	v, ok := m.Get(AttrPasswordAlgorithm)
	if !ok {
		return 0, ErrAttributeNotFound
	}
	alg, n, ok := nextAlgorithm(v)
	if !ok || n != len(v) {
		return 0, ErrBadAttribute
	}
	return alg, nil
}

// nextAlgorithm reads one algorithm entry: 16-bit algorithm, 16-bit
// parameter length, parameters padded to four bytes (RFC 8489 §14.11).
func nextAlgorithm(v []byte) (PasswordAlgorithm, int, bool) {
	if len(v) < 4 {
		return 0, 0, false
	}
	n := 4 + (int(binary.BigEndian.Uint16(v[2:4]))+3)&^3
	if n > len(v) {
		return 0, 0, false
	}
	return PasswordAlgorithm(binary.BigEndian.Uint16(v)), n, true
}

// PasswordAlgorithms appends the algorithms of PASSWORD-ALGORITHMS
// (RFC 8489 §14.11) to dst, in the server's order of preference.
func (m *Message) PasswordAlgorithms(dst []PasswordAlgorithm) ([]PasswordAlgorithm, error) {
	v, ok := m.Get(AttrPasswordAlgorithms)
	if !ok {
		return dst, ErrAttributeNotFound
	}
	for len(v) > 0 {
		alg, n, ok := nextAlgorithm(v)
		if !ok {
			return dst, ErrBadAttribute
		}
		dst = append(dst, alg)
		v = v[n:]
	}
	return dst, nil
}
