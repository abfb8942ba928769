package tls13

import (
	"encoding/binary"
	"math/bits"
)

// chacha20Block16 writes the first 16 bytes of the ChaCha20 block function
// (RFC 8439 §2.3) for key, with the 32-bit counter and 96-bit nonce taken
// from sample as RFC 9147 §4.2.3 prescribes. It exists so the record number
// mask costs no allocation (x/crypto/chacha20 returns a new cipher per call).
func chacha20Block16(out *[16]byte, key *[32]byte, sample []byte) {
	var s, x [16]uint32
	s[0], s[1], s[2], s[3] = 0x61707865, 0x3320646e, 0x79622d32, 0x6b206574
	for i := range 8 {
		s[4+i] = binary.LittleEndian.Uint32(key[4*i:])
	}
	for i := range 4 {
		s[12+i] = binary.LittleEndian.Uint32(sample[4*i:])
	}
	x = s
	for range 10 {
		quarter(&x, 0, 4, 8, 12)
		quarter(&x, 1, 5, 9, 13)
		quarter(&x, 2, 6, 10, 14)
		quarter(&x, 3, 7, 11, 15)
		quarter(&x, 0, 5, 10, 15)
		quarter(&x, 1, 6, 11, 12)
		quarter(&x, 2, 7, 8, 13)
		quarter(&x, 3, 4, 9, 14)
	}
	for i := range 4 {
		binary.LittleEndian.PutUint32(out[4*i:], x[i]+s[i])
	}
}

// quarter is the ChaCha quarter round (RFC 8439 §2.1).
func quarter(x *[16]uint32, a, b, c, d int) {
	x[a] += x[b]
	x[d] = bits.RotateLeft32(x[d]^x[a], 16)
	x[c] += x[d]
	x[b] = bits.RotateLeft32(x[b]^x[c], 12)
	x[a] += x[b]
	x[d] = bits.RotateLeft32(x[d]^x[a], 8)
	x[c] += x[d]
	x[b] = bits.RotateLeft32(x[b]^x[c], 7)
}
