package stun

import (
	"encoding/binary"
	"hash/crc32"
	"net/netip"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// Builder encodes one STUN message in append style into a caller's buffer:
//
//	b := stun.NewBuilder(buf[:0], stun.BindingSuccess, req.TransactionID)
//	b.AddXORMappedAddress(peer)
//	b.AddMessageIntegrity(integrity)
//	b.AddFingerprint()
//	out, err := b.Bytes()
//
// The header length is kept up to date after every attribute. Builder
// appends as append does: give it a buffer with room (cap) for the message
// and it never allocates. The first error sticks and later calls do nothing.
// After MESSAGE-INTEGRITY, only MESSAGE-INTEGRITY-SHA256 and FINGERPRINT
// may follow; after FINGERPRINT nothing (RFC 8489 §14.5-§14.7).
type Builder struct {
	buf   []byte
	start int // offset of the header in buf
	err   error
	tid   TransactionID
	stage uint8 // 0 open, 1 after MI, 2 after MI-SHA256, 3 after FP
	fixed bool  // never grow buf: fail with shared.ErrShortBuffer instead
}

// NewBuilder starts a message of type t with transaction id at the end of buf.
func NewBuilder(buf []byte, t MessageType, id TransactionID) Builder {
	b := Builder{buf: buf, start: len(buf), tid: id}
	b.buf = binary.BigEndian.AppendUint16(b.buf, t.Value())
	b.buf = append(b.buf, 0, 0)
	b.buf = binary.BigEndian.AppendUint32(b.buf, MagicCookie)
	b.buf = append(b.buf, id[:]...)
	return b
}

// NewFixedBuilder is NewBuilder for a buffer that must not grow: an
// attribute that does not fit in cap(buf) fails with shared.ErrShortBuffer
// and is not written (what was added before stays, with a consistent
// header length). A header that does not fit leaves buf unchanged.
func NewFixedBuilder(buf []byte, t MessageType, id TransactionID) Builder {
	if cap(buf)-len(buf) < HeaderSize {
		return Builder{buf: buf, start: len(buf), tid: id, fixed: true, err: shared.ErrShortBuffer}
	}
	b := NewBuilder(buf, t, id)
	b.fixed = true
	return b
}

// Bytes returns buf with the message appended, and the first error.
func (b *Builder) Bytes() ([]byte, error) { return b.buf, b.err }

// Err returns the first error, if any.
func (b *Builder) Err() error { return b.err }

// Len returns the size of the message so far, header included.
func (b *Builder) Len() int { return len(b.buf) - b.start }

func (b *Builder) setLength(n int) {
	binary.BigEndian.PutUint16(b.buf[b.start+2:], uint16(n))
}

// header appends an attribute header for a value of n bytes and reports
// whether the value may follow.
func (b *Builder) header(t AttrType, n int) bool {
	if b.err != nil {
		return false
	}
	if b.stage != 0 {
		b.err = ErrAfterIntegrity
		return false
	}
	if n > 0xFFFF {
		b.err = ErrValueTooLong
		return false
	}
	if b.Len()-HeaderSize+attrHeaderSize+(n+3)&^3 > 0xFFFF {
		b.err = ErrMessageTooLarge
		return false
	}
	if b.fixed && cap(b.buf)-len(b.buf) < attrHeaderSize+(n+3)&^3 {
		b.err = shared.ErrShortBuffer
		return false
	}
	b.buf = binary.BigEndian.AppendUint16(b.buf, uint16(t))
	b.buf = binary.BigEndian.AppendUint16(b.buf, uint16(n))
	return true
}

// pad appends zero padding for a value of n bytes and updates the header length.
func (b *Builder) pad(n int) {
	for i := n; i&3 != 0; i++ {
		b.buf = append(b.buf, 0)
	}
	b.setLength(b.Len() - HeaderSize)
}

// Add appends an attribute with a raw value.
func (b *Builder) Add(t AttrType, v []byte) {
	if b.header(t, len(v)) {
		b.buf = append(b.buf, v...)
		b.pad(len(v))
	}
}

// AddString appends an attribute whose value is the bytes of s.
func (b *Builder) AddString(t AttrType, s string) {
	if b.header(t, len(s)) {
		b.buf = append(b.buf, s...)
		b.pad(len(s))
	}
}

func (b *Builder) addText(t AttrType, s string, max int) {
	if len(s) > max {
		if b.err == nil {
			b.err = ErrValueTooLong
		}
		return
	}
	b.AddString(t, s)
}

// AddUint32 appends a 4-byte attribute.
func (b *Builder) AddUint32(t AttrType, v uint32) {
	if b.header(t, 4) {
		b.buf = binary.BigEndian.AppendUint32(b.buf, v)
		b.pad(4)
	}
}

// AddUint64 appends an 8-byte attribute.
func (b *Builder) AddUint64(t AttrType, v uint64) {
	if b.header(t, 8) {
		b.buf = binary.BigEndian.AppendUint64(b.buf, v)
		b.pad(8)
	}
}

// AddFlag appends an attribute with an empty value (USE-CANDIDATE,
// DONT-FRAGMENT).
func (b *Builder) AddFlag(t AttrType) {
	if b.header(t, 0) {
		b.pad(0)
	}
}

// AddAddress appends an address attribute; XOR-encoded for the XOR-* types
// (RFC 8489 §14.1, §14.2). An invalid address is an error.
func (b *Builder) AddAddress(t AttrType, ap netip.AddrPort) {
	a := ap.Addr().Unmap()
	if !a.IsValid() {
		if b.err == nil {
			b.err = ErrBadAttribute
		}
		return
	}
	xor := isXORAddress(t)
	port := ap.Port()
	if xor {
		port ^= uint16(MagicCookie >> 16)
	}
	if a.Is4() {
		if !b.header(t, 8) {
			return
		}
		v := a.As4()
		x := binary.BigEndian.Uint32(v[:])
		if xor {
			x ^= MagicCookie
		}
		b.buf = append(b.buf, 0, FamilyIPv4)
		b.buf = binary.BigEndian.AppendUint16(b.buf, port)
		b.buf = binary.BigEndian.AppendUint32(b.buf, x)
		b.pad(8)
		return
	}
	if !b.header(t, 20) {
		return
	}
	v := a.As16()
	if xor {
		var k [16]byte
		binary.BigEndian.PutUint32(k[:4], MagicCookie)
		copy(k[4:], b.tid[:])
		for i := range v {
			v[i] ^= k[i]
		}
	}
	b.buf = append(b.buf, 0, FamilyIPv6)
	b.buf = binary.BigEndian.AppendUint16(b.buf, port)
	b.buf = append(b.buf, v[:]...)
	b.pad(20)
}

// AddMappedAddress appends MAPPED-ADDRESS (RFC 8489 §14.1).
func (b *Builder) AddMappedAddress(ap netip.AddrPort) { b.AddAddress(AttrMappedAddress, ap) }

// AddXORMappedAddress appends XOR-MAPPED-ADDRESS (RFC 8489 §14.2).
func (b *Builder) AddXORMappedAddress(ap netip.AddrPort) { b.AddAddress(AttrXORMappedAddress, ap) }

// AddXORPeerAddress appends XOR-PEER-ADDRESS (RFC 8656 §18.3).
func (b *Builder) AddXORPeerAddress(ap netip.AddrPort) { b.AddAddress(AttrXORPeerAddress, ap) }

// AddXORRelayedAddress appends XOR-RELAYED-ADDRESS (RFC 8656 §18.5).
func (b *Builder) AddXORRelayedAddress(ap netip.AddrPort) {
	b.AddAddress(AttrXORRelayedAddress, ap)
}

// AddAlternateServer appends ALTERNATE-SERVER (RFC 8489 §14.15).
func (b *Builder) AddAlternateServer(ap netip.AddrPort) { b.AddAddress(AttrAlternateServer, ap) }

// AddUsername appends USERNAME (RFC 8489 §14.3: fewer than 509 bytes).
func (b *Builder) AddUsername(s string) { b.addText(AttrUsername, s, maxUsernameSendLen) }

// AddUserhash appends USERHASH (RFC 8489 §14.4), e.g. from Userhash.
func (b *Builder) AddUserhash(h [32]byte) { b.Add(AttrUserhash, h[:]) }

// AddRealm appends REALM (RFC 8489 §14.9).
func (b *Builder) AddRealm(s string) { b.addText(AttrRealm, s, maxTextLen) }

// AddNonce appends NONCE (RFC 8489 §14.10).
func (b *Builder) AddNonce(s string) { b.addText(AttrNonce, s, maxTextLen) }

// AddSoftware appends SOFTWARE (RFC 8489 §14.14).
func (b *Builder) AddSoftware(s string) { b.addText(AttrSoftware, s, maxTextLen) }

// AddAlternateDomain appends ALTERNATE-DOMAIN (RFC 8489 §14.16).
func (b *Builder) AddAlternateDomain(s string) { b.addText(AttrAlternateDomain, s, 255) }

// AddPriority appends PRIORITY (RFC 8445 §7.1.1).
func (b *Builder) AddPriority(p uint32) { b.AddUint32(AttrPriority, p) }

// AddUseCandidate appends USE-CANDIDATE (RFC 8445 §7.1.2).
func (b *Builder) AddUseCandidate() { b.AddFlag(AttrUseCandidate) }

// AddICEControlling appends ICE-CONTROLLING with a tie-breaker (RFC 8445 §7.1.3).
func (b *Builder) AddICEControlling(tieBreaker uint64) { b.AddUint64(AttrICEControlling, tieBreaker) }

// AddICEControlled appends ICE-CONTROLLED with a tie-breaker (RFC 8445 §7.1.3).
func (b *Builder) AddICEControlled(tieBreaker uint64) { b.AddUint64(AttrICEControlled, tieBreaker) }

// AddLifetime appends LIFETIME in seconds (RFC 8656 §18.2).
func (b *Builder) AddLifetime(seconds uint32) { b.AddUint32(AttrLifetime, seconds) }

// AddChannelNumber appends CHANNEL-NUMBER with RFFU zero (RFC 8656 §18.1).
func (b *Builder) AddChannelNumber(n uint16) { b.AddUint32(AttrChannelNumber, uint32(n)<<16) }

// AddData appends DATA (RFC 8656 §18.4).
func (b *Builder) AddData(v []byte) { b.Add(AttrData, v) }

// AddRequestedAddressFamily appends REQUESTED-ADDRESS-FAMILY (RFC 8656 §18.6).
func (b *Builder) AddRequestedAddressFamily(family uint8) {
	b.AddUint32(AttrRequestedAddressFamily, uint32(family)<<24)
}

// AddAdditionalAddressFamily appends ADDITIONAL-ADDRESS-FAMILY (RFC 8656 §18.11).
func (b *Builder) AddAdditionalAddressFamily(family uint8) {
	b.AddUint32(AttrAdditionalAddressFamily, uint32(family)<<24)
}

// AddEvenPort appends EVEN-PORT (RFC 8656 §18.7).
func (b *Builder) AddEvenPort(reserveNext bool) {
	v := byte(0)
	if reserveNext {
		v = 0x80
	}
	if b.header(AttrEvenPort, 1) {
		b.buf = append(b.buf, v)
		b.pad(1)
	}
}

// AddRequestedTransport appends REQUESTED-TRANSPORT (RFC 8656 §18.8):
// 17 for UDP, 6 for TCP.
func (b *Builder) AddRequestedTransport(protocol uint8) {
	b.AddUint32(AttrRequestedTransport, uint32(protocol)<<24)
}

// AddDontFragment appends DONT-FRAGMENT (RFC 8656 §18.9).
func (b *Builder) AddDontFragment() { b.AddFlag(AttrDontFragment) }

// AddReservationToken appends RESERVATION-TOKEN (RFC 8656 §18.10).
func (b *Builder) AddReservationToken(token [8]byte) { b.Add(AttrReservationToken, token[:]) }

// AddConnectionID appends CONNECTION-ID (RFC 6062 §6.2.1).
func (b *Builder) AddConnectionID(id uint32) { b.AddUint32(AttrConnectionID, id) }

// AddICMP appends ICMP (RFC 8656 §18.13).
func (b *Builder) AddICMP(v ICMP) {
	if b.header(AttrICMP, 8) {
		b.buf = append(b.buf, 0, 0, v.Type, v.Code)
		b.buf = binary.BigEndian.AppendUint32(b.buf, v.ErrorData)
		b.pad(8)
	}
}

func (b *Builder) errorCodeValue(t AttrType, first byte, code ErrorCode, reason string) {
	if code < 300 || code > 699 || len(reason) > maxTextLen {
		if b.err == nil {
			b.err = ErrBadAttribute
		}
		return
	}
	if b.header(t, 4+len(reason)) {
		b.buf = append(b.buf, first, 0, byte(code/100), byte(code%100))
		b.buf = append(b.buf, reason...)
		b.pad(4 + len(reason))
	}
}

// AddErrorCode appends ERROR-CODE (RFC 8489 §14.8). An empty reason is
// replaced by the code's RFC reason phrase.
func (b *Builder) AddErrorCode(code ErrorCode, reason string) {
	if reason == "" {
		reason = code.Reason()
	}
	b.errorCodeValue(AttrErrorCode, 0, code, reason)
}

// AddAddressErrorCode appends ADDRESS-ERROR-CODE (RFC 8656 §18.12).
func (b *Builder) AddAddressErrorCode(family uint8, code ErrorCode, reason string) {
	if reason == "" {
		reason = code.Reason()
	}
	b.errorCodeValue(AttrAddressErrorCode, family, code, reason)
}

// AddUnknownAttributes appends UNKNOWN-ATTRIBUTES (RFC 8489 §14.13), as in
// a 420 response built from Message.UnknownRequired.
func (b *Builder) AddUnknownAttributes(types []AttrType) {
	if b.header(AttrUnknownAttributes, 2*len(types)) {
		for _, t := range types {
			b.buf = binary.BigEndian.AppendUint16(b.buf, uint16(t))
		}
		b.pad(2 * len(types))
	}
}

// AddPasswordAlgorithm appends PASSWORD-ALGORITHM with no parameters
// (RFC 8489 §14.12).
func (b *Builder) AddPasswordAlgorithm(a PasswordAlgorithm) {
	b.AddUint32(AttrPasswordAlgorithm, uint32(a)<<16)
}

// AddPasswordAlgorithms appends PASSWORD-ALGORITHMS (RFC 8489 §14.11), each
// with no parameters.
func (b *Builder) AddPasswordAlgorithms(algs []PasswordAlgorithm) {
	if b.header(AttrPasswordAlgorithms, 4*len(algs)) {
		for _, a := range algs {
			b.buf = binary.BigEndian.AppendUint16(b.buf, uint16(a))
			b.buf = append(b.buf, 0, 0)
		}
		b.pad(4 * len(algs))
	}
}

// AddMessageIntegrity appends MESSAGE-INTEGRITY, an HMAC-SHA1 with the key
// of in over the message so far, with the header length set to end just
// after this attribute (RFC 8489 §14.5).
func (b *Builder) AddMessageIntegrity(in *Integrity) {
	b.addIntegrity(AttrMessageIntegrity, in, 20, 1)
}

// AddMessageIntegritySHA256 appends MESSAGE-INTEGRITY-SHA256, a full
// 32-byte HMAC-SHA256 (RFC 8489 §14.6).
func (b *Builder) AddMessageIntegritySHA256(in *Integrity) {
	b.addIntegrity(AttrMessageIntegritySHA256, in, 32, 2)
}

func (b *Builder) addIntegrity(t AttrType, in *Integrity, n int, stage uint8) {
	if b.err != nil {
		return
	}
	if b.stage >= stage {
		b.err = ErrAfterIntegrity
		return
	}
	if b.fixed && cap(b.buf)-len(b.buf) < attrHeaderSize+n {
		b.err = shared.ErrShortBuffer
		return
	}
	msg := b.buf[b.start:]
	b.setLength(len(msg) - HeaderSize + attrHeaderSize + n)
	sum := in.sum(t, msg)
	b.stage = 0 // let header through
	if b.header(t, n) {
		b.buf = append(b.buf, sum[:n]...)
		b.pad(n)
	}
	b.stage = stage
}

// AddFingerprint appends FINGERPRINT: the CRC-32 of the message so far,
// with the length already counting this attribute, XOR 0x5354554e
// (RFC 8489 §14.7). It must be the last attribute.
func (b *Builder) AddFingerprint() {
	if b.err != nil {
		return
	}
	if b.stage >= 3 {
		b.err = ErrAfterIntegrity
		return
	}
	if b.fixed && cap(b.buf)-len(b.buf) < attrHeaderSize+4 {
		b.err = shared.ErrShortBuffer
		return
	}
	msg := b.buf[b.start:]
	b.setLength(len(msg) - HeaderSize + attrHeaderSize + 4)
	crc := crc32.ChecksumIEEE(msg) ^ fingerprintXOR
	b.stage = 0
	if b.header(AttrFingerprint, 4) {
		b.buf = binary.BigEndian.AppendUint32(b.buf, crc)
		b.pad(4)
	}
	b.stage = 3
}
