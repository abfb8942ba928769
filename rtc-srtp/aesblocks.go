package srtp

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/subtle"
	"encoding/binary"
)

// ctrChunk is how many keystream bytes are produced per batch. The batch
// lives in the context, so no packet size needs a heap buffer.
const ctrChunk = 512

// ctrCipher is AES in the counter mode of RFC 3711 §4.1.1, over a key
// expanded once. The standard library's cipher.NewCTR allocates its state on
// every call (the IV changes with every packet), so this type produces the
// keystream itself: it writes the counter blocks into a reusable buffer and
// encrypts them in one batch (AES-NI, eight blocks in flight, on amd64), then
// XORs the batch into the payload.
type ctrCipher struct {
	block  cipher.Block // fallback when the CPU has no AES instructions
	rounds int          // 10, 12 or 14
	xk     [15 * 16]byte
	buf    [ctrChunk]byte // counter blocks, then keystream
}

func newCTRCipher(key []byte) (*ctrCipher, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	c := &ctrCipher{block: b, rounds: len(key)/4 + 6}
	expandKey(key, c.xk[:])
	return c, nil
}

// xorKeyStream XORs data in place with the keystream that starts at the
// 128-bit counter iv. RFC 3711 §4.1.1: the block counter occupies the low 16
// bits, added to an IV whose low 16 bits are zero, so the counter of block j
// is iv with j in octets 14-15 (j < 2^16 because a packet is far smaller
// than 2^20 octets).
func (c *ctrCipher) xorKeyStream(data []byte, iv *[16]byte) {
	hi := binary.BigEndian.Uint64(iv[0:8])
	mid := binary.BigEndian.Uint32(iv[8:12])
	top := uint32(binary.BigEndian.Uint16(iv[12:14])) << 16
	j := uint32(binary.BigEndian.Uint16(iv[14:16]))
	for len(data) > 0 {
		n := min(len(data), ctrChunk)
		blocks := (n + 15) / 16
		for i := 0; i < blocks; i++ {
			p := c.buf[i*16 : i*16+16]
			binary.BigEndian.PutUint64(p[0:8], hi)
			binary.BigEndian.PutUint32(p[8:12], mid)
			binary.BigEndian.PutUint32(p[12:16], top|(j&0xffff))
			j++
		}
		c.encryptBlocks(c.buf[:blocks*16])
		subtle.XORBytes(data[:n], data[:n], c.buf[:n])
		data = data[n:]
	}
}

// encryptBlocks encrypts b (a whole number of blocks) in place, in ECB.
func (c *ctrCipher) encryptBlocks(b []byte) {
	if hasAESNI && len(b) > 0 {
		encryptBlocksAsm(c.rounds, &c.xk[0], &b[0], len(b)/16)
		return
	}
	for i := 0; i+16 <= len(b); i += 16 {
		c.block.Encrypt(b[i:i+16], b[i:i+16])
	}
}

// sbox is the AES S-box (FIPS-197 §5.1.1), computed at start-up from its
// definition: the multiplicative inverse in GF(2^8) followed by the affine map.
var sbox = func() (s [256]byte) {
	// Walk GF(2^8)* with generator 3: p runs over every nonzero element and
	// q over their inverses, in lockstep.
	p, q := byte(1), byte(1)
	for {
		p = p ^ p<<1 ^ byte(int8(p)>>7)&0x1b // p *= 3
		q ^= q << 1                          // q /= 3
		q ^= q << 2
		q ^= q << 4
		if q&0x80 != 0 {
			q ^= 0x09
		}
		x := q ^ rotl8(q, 1) ^ rotl8(q, 2) ^ rotl8(q, 3) ^ rotl8(q, 4)
		s[p] = x ^ 0x63
		if p == 1 {
			break
		}
	}
	s[0] = 0x63
	return s
}()

func rotl8(x byte, n uint) byte { return x<<n | x>>(8-n) }

// expandKey writes the encryption round keys of FIPS-197 §5.2 into xk, in
// byte order (round key r is xk[16r:16r+16]).
func expandKey(key []byte, xk []byte) {
	nk := len(key) / 4
	nr := nk + 6
	words := 4 * (nr + 1)
	copy(xk, key)
	rcon := byte(1)
	for i := nk; i < words; i++ {
		var t [4]byte
		copy(t[:], xk[4*(i-1):4*i])
		switch {
		case i%nk == 0:
			t = [4]byte{sbox[t[1]] ^ rcon, sbox[t[2]], sbox[t[3]], sbox[t[0]]}
			rcon = rcon<<1 ^ byte(int8(rcon)>>7)&0x1b
		case nk > 6 && i%nk == 4:
			t = [4]byte{sbox[t[0]], sbox[t[1]], sbox[t[2]], sbox[t[3]]}
		}
		for k := 0; k < 4; k++ {
			xk[4*i+k] = xk[4*(i-nk)+k] ^ t[k]
		}
	}
}
