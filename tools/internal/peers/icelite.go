package peers

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/binary"
	"hash/crc32"
	"net/netip"
)

const magicCookie = 0x2112a442

// BindingSuccess is a minimal ICE-lite responder for a browser's
// connectivity checks. For a STUN Binding request (RFC 8489 §6.3) it
// returns the success response carrying XOR-MAPPED-ADDRESS of from (IPv4),
// MESSAGE-INTEGRITY keyed with our ICE password pwd (RFC 8445 §7.3) and
// FINGERPRINT, and whether the request carried USE-CANDIDATE. For
// anything else it returns nil. It does not check the request's
// integrity: the tests run on loopback with one peer.
func BindingSuccess(req []byte, from netip.AddrPort, pwd string) (resp []byte, useCandidate bool) {
	if len(req) < 20 || binary.BigEndian.Uint16(req[0:2]) != 0x0001 || binary.BigEndian.Uint32(req[4:8]) != magicCookie {
		return nil, false
	}
	for a := req[20:]; len(a) >= 4; {
		t, l := binary.BigEndian.Uint16(a[0:2]), int(binary.BigEndian.Uint16(a[2:4]))
		if t == 0x0025 { // USE-CANDIDATE
			useCandidate = true
		}
		step := 4 + (l+3)&^3
		if step > len(a) {
			break
		}
		a = a[step:]
	}
	m := make([]byte, 20, 96)
	binary.BigEndian.PutUint16(m[0:2], 0x0101)
	copy(m[4:20], req[4:20])
	ip := from.Addr().Unmap().As4()
	m = append(m, 0x00, 0x20, 0, 8, 0, 1) // XOR-MAPPED-ADDRESS, IPv4
	m = binary.BigEndian.AppendUint16(m, from.Port()^uint16(magicCookie>>16))
	var mc [4]byte
	binary.BigEndian.PutUint32(mc[:], magicCookie)
	for i := range 4 {
		m = append(m, ip[i]^mc[i])
	}
	// RFC 8489 §14.5: the length covers MESSAGE-INTEGRITY when it is computed.
	binary.BigEndian.PutUint16(m[2:4], uint16(len(m)-20+24))
	mac := hmac.New(sha1.New, []byte(pwd))
	mac.Write(m)
	m = append(m, 0x00, 0x08, 0, 20)
	m = mac.Sum(m)
	// RFC 8489 §14.7: FINGERPRINT is the CRC-32 XOR 0x5354554e.
	binary.BigEndian.PutUint16(m[2:4], uint16(len(m)-20+8))
	crc := crc32.ChecksumIEEE(m) ^ 0x5354554e
	m = append(m, 0x80, 0x28, 0, 4)
	return binary.BigEndian.AppendUint32(m, crc), useCandidate
}
